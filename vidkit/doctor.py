"""`vidkit doctor`: can vidkit work on this machine? Each check asks the code that does the work
(find_ffmpeg, the model and weights loaders, the styles, the store, the token store, the preset)
and returns a Check; nothing here prints. A `fail` blocks work; a `warn` does not.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vidkit.config import Settings
from vidkit.errors import BadInputError, ProcessingError, VidkitError
from vidkit.pipeline.presets import Preset
from vidkit.watch.executors import scheduler_address as dask_address

log = logging.getLogger(__name__)

OK, WARN, FAIL = "ok", "warn", "fail"

# Free space in the output folder, in input minutes the preset can still write. Under 10 a
# single session recording (20-60 min at the clinic) may not fit: fail. Under 2 hours a day's
# batch may not: warn.
FAIL_MINUTES = 10.0
WARN_MINUTES = 120.0
DASK_TIMEOUT = 5.0  # seconds to reach the scheduler
# Where SQLite's locking is not safe (https://www.sqlite.org/faq.html#q5): network and FUSE
# remote filesystems, as /proc/self/mountinfo (Linux) or mount(8) (macOS) names them.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs", "afs", "ceph", "fuse.ceph-fuse",
    "glusterfs", "fuse.glusterfs", "afpfs", "webdav", "davfs", "fuse.rclone"})
FIX_LOCAL_STORE = "put the store on a local disk: --ledger /local/path"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str  # what was found; never a token or secret
    fix: str = ""  # one line, when not ok


def _split(message: str, fix: str = "") -> tuple[str, str]:
    """vidkit's errors end in what to do ("...; run `vidkit models install`"): that part is the fix."""
    found = re.search(r"[;:] (?=(run|reinstall|upgrade|restore|connect|pip install)\b)", message)
    if found:
        return message[:found.start()], message[found.end():]
    return message, fix


def _failed(name: str, exc: BaseException, fix: str = "") -> Check:
    return Check(name, FAIL, *_split(str(exc), fix))


def _existing(path: Path) -> Path:
    """`path`, or its nearest folder above that exists (what a missing folder will be made in)."""
    path = Path(path).expanduser().absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def check_ffmpeg() -> Check:
    from vidkit.media.ffmpeg import find_ffmpeg, missing_features

    try:
        exe = find_ffmpeg()
    except VidkitError as exc:
        return _failed("ffmpeg", exc, "unset VIDKIT_FFMPEG to use the ffmpeg bundled with vidkit")
    if os.environ.get("VIDKIT_FFMPEG"):
        where = "VIDKIT_FFMPEG"
    elif exe == shutil.which("ffmpeg"):
        where = "system"
    else:
        where = "bundled with imageio-ffmpeg"
    fix = ("point VIDKIT_FFMPEG at an ffmpeg with libass and libx264, or unset it" if where == "VIDKIT_FFMPEG"
           else "reinstall vidkit: its imageio-ffmpeg wheel carries a capable ffmpeg")
    missing = missing_features(exe)
    if missing is None:
        return Check("ffmpeg", FAIL, f"{exe} ({where}) does not run", fix)
    if missing:
        return Check("ffmpeg", FAIL, f"{exe} ({where}) lacks {', '.join(missing)}", fix)
    return Check("ffmpeg", OK, f"{exe} ({where}): libass (ass filter), drawtext, libx264, aac")


def check_whisper(settings: Settings) -> Check:
    from vidkit.transcribe import models

    engine, spec = settings.get("transcribe", "engine"), str(settings.get("transcribe", "model")).strip()
    try:
        if engine == "openai-whisper":
            model = models.resolve_openai_whisper(spec)
        else:
            model = models.resolve_faster_whisper(spec, cached_only=True)  # doctor downloads nothing
    except ImportError as exc:  # the optional engine, or the embedded model's package
        return Check("whisper model", FAIL, f"{engine}: {exc}", "pip install 'vidkit[openai-whisper]'"
                     if engine == "openai-whisper" else models.REINSTALL_HINT)
    except ProcessingError as exc:
        if spec not in ("", models.EMBEDDED_NAME) and engine != "openai-whisper":
            return Check("whisper model", WARN, f"{spec} is not in the download cache",
                         "connect once (the first transcription fetches it), or leave transcribe.model "
                         "empty for the embedded tiny.en")
        return _failed("whisper model", exc)
    except VidkitError as exc:
        return _failed("whisper model", exc, "correct transcribe.model (vidkit config shows where it is set)")
    pinned = "sha256 checked" if model.source.startswith("embedded") else (
        f"sha256 {model.sha256[:12]}… (no pin)" if model.sha256 else "fetched on first use")
    return Check("whisper model", OK, f"{model.name} ({engine}), {model.source}, {pinned}")


def check_face_weights() -> list[Check]:
    from vidkit.faces import weights

    found = []
    for name in weights.WEIGHTS:
        try:
            found.append(Check(f"weights {name}", OK, f"{weights.find_weights(name)}, sha256 checked"))
        except VidkitError as exc:
            found.append(_failed(f"weights {name}", exc, "run `vidkit models install`"))
    return found


def check_fonts(settings: Settings) -> Check:
    """The fonts the caption styles name (libass looks them up by family in vidkit's fonts
    folder), and those of the branding cards and thumbnails (their loaders open the files)."""
    from PIL import ImageFont

    from vidkit.captions.styles import load_style
    from vidkit.clips.branding import load_branding
    from vidkit.clips.thumbnail import load_thumbnail_style
    from vidkit.resources import fonts_dir

    fix = "reinstall vidkit (pipx reinstall vidkit), or correct the style named"
    try:
        folder = fonts_dir()
        families = {}
        for font in sorted(folder.iterdir()):
            if font.suffix.lower() in (".ttf", ".otf"):
                try:
                    family = ImageFont.truetype(str(font), 12).getname()[0]
                except OSError:
                    continue  # damaged: it provides nothing
                families[family.lower()] = family
        styles = dict.fromkeys(s for s in (settings.get("captions", "style"), settings.get("clip", "shorts_style"))
                               if s)
        for spec in styles:
            style = load_style(spec)
            if style.font_name.lower() not in families:
                return Check("fonts", FAIL, f"caption style {spec} uses the font {style.font_name!r}, which is not in "
                                            f"{folder}", fix)
        used = [f"captions {', '.join(styles)}"]
        if settings.get("clip", "branding"):
            used.append(f"branding {load_branding(settings.get('clip', 'branding')).name}")
        if settings.get("clip", "thumbnail"):
            used.append(f"thumbnail {load_thumbnail_style().name}")
    except (VidkitError, FileNotFoundError) as exc:
        return Check("fonts", FAIL, str(exc), fix)
    return Check("fonts", OK, f"{', '.join(sorted(families.values()))} in {folder}, used by {'; '.join(used)}")


def check_store(path: Path | None) -> Check:
    from vidkit.store.db import STORE_VERSION, default_store_path, open_store

    path = Path(path).expanduser() if path else default_store_path()
    if not path.exists():
        return Check("store", OK, f"{path} does not exist yet: it will be created (version {STORE_VERSION})")
    try:
        with open_store(path, read_only=True) as store:  # writes nothing, creates no -wal
            version = store.version
    except VidkitError as exc:
        return _failed("store", exc, "pass another file with --ledger")
    if version < STORE_VERSION:
        return Check("store", WARN, f"{path}: version {version}; the next vidkit run upgrades it to {STORE_VERSION}",
                     "nothing to do (after the upgrade an older vidkit cannot open it)")
    return Check("store", OK, f"{path}: version {version}")


def filesystem_of(path: str, mounts: str) -> tuple[str, str] | None:
    """(filesystem type, mount point) of the mount holding the absolute, resolved `path`, read
    from the text of /proc/self/mountinfo, /proc/mounts or macOS's `mount`; None if none holds it."""
    best: tuple[str, str] | None = None
    for line in mounts.splitlines():
        mac = re.match(r"^\S.* on (/.*) \(([^,)]+)", line)
        if " - " in line:  # mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS] - TYPE SOURCE ...
            left, right = line.split(" - ", 1)[0].split(), line.split(" - ", 1)[1].split()
            if len(left) < 5 or not right:
                continue
            point, kind = left[4], right[0]
        elif mac:  # macOS: SOURCE on MOUNTPOINT (TYPE, OPTIONS)
            point, kind = mac.group(1), mac.group(2)
        elif len(line.split()) >= 3:  # /proc/mounts: SOURCE MOUNTPOINT TYPE OPTIONS 0 0
            point, kind = line.split()[1], line.split()[2]
        else:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), point)  # \040 is a space
        inside = point == "/" or path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[1])):  # a later mount on the same point hides earlier
            best = (kind, point)
    return best


def _mount_table() -> str:
    """The mounts as text: Linux's /proc/self/mountinfo (or /proc/mounts), else mount(8)."""
    if sys.platform.startswith("linux"):
        for name in ("/proc/self/mountinfo", "/proc/mounts"):
            try:
                return Path(name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        return ""
    try:
        return subprocess.run(["mount"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _filesystem(folder: Path) -> tuple[str, str] | None:
    """Best effort outside Linux and macOS: Windows knows UNC paths and mapped network drives."""
    if os.name == "nt":
        text = str(folder)
        if text.startswith(("\\\\", "//")):
            return "network share (UNC path)", text
        import ctypes

        drive = folder.anchor or text[:3]
        remote = ctypes.windll.kernel32.GetDriveTypeW(drive) == 4  # type: ignore[attr-defined]  # DRIVE_REMOTE
        return ("network drive" if remote else "local drive"), drive
    return filesystem_of(str(folder), _mount_table())


def check_store_disk(path: Path | None) -> Check:
    from vidkit.store.db import default_store_path

    folder = _existing((Path(path).expanduser() if path else default_store_path()).parent).resolve()
    found = _filesystem(folder)
    if found is None:
        return Check("store disk", OK, f"{folder}: its filesystem could not be told on this system")
    kind, point = found
    if kind in NETWORK_FILESYSTEMS or kind.startswith("network"):
        return Check("store disk", FAIL, f"the store's folder {folder} is on {kind} ({point}), a network filesystem "
                                         "where SQLite's locking is not safe", FIX_LOCAL_STORE)
    return Check("store disk", OK, f"{folder} is on {kind} ({point}), a local filesystem")


def check_token(settings: Settings) -> Check:
    from vidkit.publish import auth
    from vidkit.publish.client import youtube_settings

    try:
        found = auth.token_status(auth.token_store(youtube_settings(settings)))
    except VidkitError as exc:  # one open to others is refused with the chmod that fixes it
        return _failed("youtube token", exc, "run `vidkit auth` again")
    if not found["exists"]:
        return Check("youtube token", WARN, f"none in {found['location']} (needed only to upload)", "run `vidkit auth`")
    facts = [found["location"]]
    if "mode" in found:
        facts.append(f"mode {int(found['mode'], 8):04o}")
    facts.append("refresh token" if found["refresh_token"] else "no refresh token")
    if found["access_token_expiry"]:
        facts.append(f"access token until {found['access_token_expiry']}")
    detail = ", ".join(facts)
    if not found["refresh_token"]:
        return Check("youtube token", WARN, f"{detail}: uploads stop when the access token expires",
                     "run `vidkit auth`")
    if found["missing_scopes"]:
        return Check("youtube token", WARN, f"{detail}; missing scopes {', '.join(found['missing_scopes'])}",
                     "run `vidkit auth` again")
    return Check("youtube token", OK, detail)


def _span(minutes: float) -> str:
    return f"{minutes:.0f} minutes" if minutes < 120 else f"{minutes / 60:.0f} hours"


def check_disk(out: Path, preset: Preset) -> Check:
    folder = _existing(out)
    free = shutil.disk_usage(folder).free
    gib = f"{free / 2**30:.1f} GiB free in {folder}"
    if preset.disk_mib_per_minute is None:
        return Check("free disk", OK, f"{gib} (preset {preset.name} states no disk_mib_per_minute)")
    minutes = free / 2**20 / preset.disk_mib_per_minute
    detail = f"{gib}: about {_span(minutes)} of recordings for preset {preset.name}"
    fix = f"free some space there or choose another output folder (-o DIR); {preset.name} writes about " \
          f"{preset.disk_mib_per_minute:g} MiB per recorded minute"
    if minutes < FAIL_MINUTES:
        return Check("free disk", FAIL, detail, fix)
    if minutes < WARN_MINUTES:
        return Check("free disk", WARN, detail, fix)
    return Check("free disk", OK, detail)


def check_writable(out: Path) -> Check:
    out = Path(out).expanduser().absolute()
    folder = _existing(out)
    if not folder.is_dir():
        return Check("output folder", FAIL, f"{folder} is a file, not a folder", "choose a folder: -o DIR")
    try:
        handle, name = tempfile.mkstemp(prefix=".vidkit-doctor-", dir=folder)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        return Check("output folder", FAIL, f"cannot write in {folder} ({exc.strerror or exc})",
                     "choose a folder you can write to (-o DIR), or change its permissions")
    if folder == out:
        return Check("output folder", OK, f"{out} is writable")
    return Check("output folder", OK, f"{out} will be created ({folder} is writable)")


def check_dask(executor: str, timeout: float | None = None) -> Check | None:
    """None when the executor is not Dask (nothing to check)."""
    timeout = DASK_TIMEOUT if timeout is None else timeout
    try:
        address = dask_address(executor)
    except BadInputError as exc:
        return Check("dask", FAIL, str(exc), "set watch.executor (or --executor) to dask://HOST:PORT, or empty")
    if address is None:
        return None
    try:
        from distributed import Client
    except ImportError:
        return Check("dask", FAIL, "the distributed package is not installed", "pip install 'vidkit[dask]'")
    try:
        with Client(address, timeout=timeout, set_as_default=False) as client:
            threads = client.nthreads()  # every worker (scheduler_info lists only a few)
    except (OSError, TimeoutError) as exc:
        return Check("dask", FAIL, f"the scheduler at {address} did not answer within {timeout:g} s "
                                   f"({type(exc).__name__})",
                     "start it (dask scheduler) or correct watch.executor / --executor")
    if not threads:
        return Check("dask", WARN, f"scheduler {address} has no workers",
                     f"start workers: dask worker {address} --preload vidkit.worker")
    return Check("dask", OK, f"scheduler {address}: {len(threads)} workers, {sum(threads.values())} threads")


def run_checks(settings: Settings, *, out: Path, preset: Preset, store: Path | None, executor: str) -> list[Check]:
    checks: list[Check] = []
    for name, check, *args in (("ffmpeg", check_ffmpeg), ("whisper model", check_whisper, settings),
                                ("face weights", check_face_weights), ("fonts", check_fonts, settings),
                                ("store", check_store, store), ("store disk", check_store_disk, store),
                                ("youtube token", check_token, settings), ("free disk", check_disk, out, preset),
                                ("output folder", check_writable, out), ("dask", check_dask, executor)):
        try:
            found = check(*args)
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others' answers
            log.debug("the %s check failed", name, exc_info=True)
            found = Check(name, FAIL, f"the check itself failed: {type(exc).__name__}: {exc}",
                          "run vidkit doctor --debug and report the traceback")
        checks += found if isinstance(found, list) else [found] if found else []
    return checks
