"""Reliability of `vidkit watch` (issue 12 point 6): real watcher subprocesses on real files.

Each test has its own config, data folder, store, watched folder and output folder under
tmp_path. The recordings are 3 s cuts of the bundled sample (speech, 25 fps) and the preset is
a small file of our own: transcribe, then captions with a burnt-in video, so every recording
has a transcript, SRT/VTT sidecars and a video whose frames can be counted.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, ffmpeg

pytestmark = pytest.mark.slow

SETTLE = 1.0  # watch.settle_seconds: the slow writers below never pause this long between chunks
PRESET = 'steps = ["transcribe", "caption"]\n\n[caption]\nburn = true\n'
SUFFIXES = (".transcript.json", ".srt", ".vtt", ".ass", ".captions-qc.json", ".captioned.mp4")
SECONDS = 3.0
# Where sentences of the sample start: each cut is different speech, so different bytes.
STARTS = (0.3, 4.2, 8.2, 12.6, 16.5, 22.1)


# --- recordings --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def cuts(media_dir) -> list[Path]:
    """Six 3 s recordings; the odd ones have their index first (faststart), so that a half-copied
    one opens and claims a duration its bytes do not hold yet."""
    folder = media_dir / "watch-cuts"
    folder.mkdir(exist_ok=True)
    made = []
    for number, start in enumerate(STARTS, 1):
        path = folder / f"rec{number}.mp4"
        if not path.exists():
            faststart = ("-movflags", "+faststart") if number % 2 else ()
            ffmpeg("-ss", str(start), "-t", str(SECONDS), "-i", str(SAMPLE), "-vf", "scale=320:180",
                   "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                   *faststart, str(path))
        made.append(path)
    return made


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def frames(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def slow_copy(source: Path, target: Path, *, seconds: float = 5.0, chunks: int = 25, stall: float = 0.0) -> None:
    """Append `source` to `target` (its final name) in chunks over `seconds`; with `stall`, stop
    that long half-way, as a copy over a busy share does."""
    data = source.read_bytes()
    step = -(-len(data) // chunks)
    with open(target, "wb") as handle:
        for number, offset in enumerate(range(0, len(data), step)):
            handle.write(data[offset:offset + step])
            handle.flush()
            time.sleep(seconds / chunks + (stall if number == chunks // 2 else 0.0))


def part_copy(source: Path, target: Path) -> None:
    """Copy to `<name>.part`, then rename to the final name (what many copy tools do)."""
    temporary = target.with_name(target.name + ".part")
    shutil.copyfile(source, temporary)
    time.sleep(0.3)
    os.replace(temporary, target)


def later(delay: float, function, *args, **kwargs) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        function(*args, **kwargs)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# --- a watcher site -----------------------------------------------------------------------

class Site:
    """A watched folder, its output folder, store, config and the watcher processes started."""

    def __init__(self, root: Path, *, retries: int = 1, backoff: float = 1.0, jobs: int = 2,
                 env: dict[str, str] | None = None):
        self.root = root
        self.inbox, self.out, self.ledger = root / "in", root / "out", root / "store.sqlite3"
        self.inbox.mkdir(parents=True)
        config = root / "config" / "vidkit"
        config.mkdir(parents=True)
        (config / "vidkit.toml").write_text(
            f"[watch]\nsettle_seconds = {SETTLE}\nretries = {retries}\nbackoff_seconds = {backoff}\n"
            "poll_seconds = 0.5\nstop_timeout = 20.0\n")
        self.preset = root / "preset.toml"
        self.preset.write_text(PRESET)
        self.jobs = jobs
        self.env = {**os.environ, "XDG_CONFIG_HOME": str(root / "config"), "XDG_DATA_HOME": str(root / "data"),
                    "HF_HUB_OFFLINE": "1", "COLUMNS": "200", **(env or {})}
        self.processes: list[subprocess.Popen] = []

    def command(self, *extra: str, inbox: Path | None = None, out: Path | None = None,
                ledger: Path | None = None) -> list[str]:
        return [sys.executable, "-m", "vidkit", "watch", str(inbox or self.inbox), "--preset", str(self.preset),
                "-o", str(out or self.out), "--ledger", str(ledger or self.ledger), "--jobs", str(self.jobs), *extra]

    def start(self, *extra: str, **where) -> subprocess.Popen:
        """The watcher in its own session (so a test's clean-up can end it and its workers)."""
        number = len(self.processes)
        with open(self.root / f"watch{number}.out", "wb") as out, open(self.root / f"watch{number}.err", "wb") as err:
            process = subprocess.Popen(self.command(*extra, **where), env=self.env, start_new_session=True,
                                       stdout=out, stderr=err)
        process.number = number  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def stderr(self, process: subprocess.Popen) -> str:
        return (self.root / f"watch{process.number}.err").read_text(errors="replace")  # type: ignore[attr-defined]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "vidkit", *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def status(self) -> list[dict]:
        result = self.run("status", "--json", "--ledger", str(self.ledger))
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["summary"]["recordings"]

    def items(self) -> list[dict]:
        """The watch_items rows, read straight from the store (cheap enough to poll)."""
        if not self.ledger.exists():
            return []
        with sqlite3.connect(f"file:{self.ledger}?mode=ro", uri=True, timeout=10) as db:
            db.row_factory = sqlite3.Row
            try:
                return [dict(row) for row in db.execute("SELECT * FROM watch_items ORDER BY id")]
            except sqlite3.OperationalError:  # the table is not made yet
                return []

    def jobs_rows(self) -> list[dict]:
        with sqlite3.connect(f"file:{self.ledger}?mode=ro", uri=True, timeout=10) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("SELECT source_sha256, step, params_sha256, state FROM jobs")]

    def stop(self, process: subprocess.Popen, timeout: float = 60) -> int:
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)

    def close(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the watcher's session: it and its workers
            except (ProcessLookupError, PermissionError):
                pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


@pytest.fixture
def site(tmp_path):
    made: list[Site] = []

    def make(**kwargs) -> Site:
        made.append(Site(tmp_path / f"site{len(made)}", **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.close()


def wait_until(check, timeout: float, what: str, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def watching(site: Site, count: int = 1) -> bool:
    """The `count`-th watcher of this site is past its start-up (locks, store, signal handlers)."""
    log = site.out / ".vidkit" / "watch.log"
    return log.exists() and log.read_text(errors="replace").count(" INFO watching ") >= count


def all_done(site: Site, count: int):
    items = site.items()
    return len(items) >= count and all(item["state"] == "done" for item in items)


# --- the checks -------------------------------------------------------------------------

SRT_TIME = r"(\d\d):(\d\d):(\d\d)[,.](\d\d\d)"


def _seconds(match: tuple[str, ...]) -> float:
    hours, minutes, seconds, millis = map(int, match)
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def parse_cues(text: str, *, vtt: bool) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue; AssertionError on anything that is not a whole SRT/VTT."""
    blocks = [b for b in text.replace("\r\n", "\n").strip().split("\n\n") if b.strip()]
    if vtt:
        assert blocks and blocks[0].startswith("WEBVTT"), text[:80]
        blocks = [b for b in blocks[1:] if "-->" in b]  # NOTE/STYLE blocks have no timing
    cues = []
    for block in blocks:
        lines = block.split("\n")
        if not vtt or "-->" not in lines[0]:  # SRT numbers its cues; a VTT cue may have an id
            assert vtt or lines[0].strip().isdigit(), block
            lines = lines[1:]
        timing = re.fullmatch(rf"{SRT_TIME} --> {SRT_TIME}.*", lines[0].strip())
        assert timing, block
        start, end = _seconds(timing.groups()[:4]), _seconds(timing.groups()[4:])
        assert 0 <= start < end <= SECONDS + 0.5, block
        assert any(line.strip() for line in lines[1:]), block
        cues.append((start, end, " ".join(lines[1:])))
    assert cues, text
    return cues


def check_processed(site: Site, sources: dict[str, Path], status: list[dict] | None = None) -> None:
    """Every recording exactly once and whole: one item each, done, every output complete and
    parsed, no temporary or partial file left anywhere, no output made under a second name."""
    status = site.status() if status is None else status
    by_sha = {sha256(path): name for name, path in sources.items()}
    assert len(status) == len(sources), [(r["path"], r["state"]) for r in status]
    assert {r["sha256"] for r in status} == set(by_sha)
    for record in status:
        name = by_sha[record["sha256"]]
        assert record["state"] == "done", record
        assert Path(record["path"]) == site.inbox / name, record
        assert record["size"] == sources[name].stat().st_size, record  # taken whole, never a part
        assert (site.inbox / name).read_bytes() == sources[name].read_bytes()  # the original is kept as it came

    stems = [Path(name).stem for name in sources]
    made = sorted(p.name for p in site.out.iterdir() if p.is_file())
    assert made == sorted(stem + suffix for stem in stems for suffix in SUFFIXES)
    leftovers = [p for folder in (site.inbox, site.out) for p in folder.rglob("*")
                 if ".part" in p.name or (p.name.startswith(".") and p.is_file())]
    assert leftovers == []
    assert not (site.inbox / "failed").exists() and not (site.inbox / "done").exists()

    for stem, name in zip(stems, sources):
        transcript = json.loads((site.out / f"{stem}.transcript.json").read_text())
        assert transcript["segments"] and any(s["text"].strip() for s in transcript["segments"])
        srt = parse_cues((site.out / f"{stem}.srt").read_text(), vtt=False)
        vtt = parse_cues((site.out / f"{stem}.vtt").read_text(), vtt=True)
        assert len(srt) == len(vtt)
        json.loads((site.out / f"{stem}.captions-qc.json").read_text())
        assert (site.out / f"{stem}.ass").read_text().startswith("[Script Info]")
        assert frames(site.out / f"{stem}.captioned.mp4") == frames(sources[name])

    # the store: each step of each recording finished once, with one set of parameters
    rows = site.jobs_rows()
    for sha in by_sha:
        steps = sorted((r["step"], r["state"]) for r in rows if r["source_sha256"] == sha)
        assert steps == [("caption", "done"), ("transcribe", "done")], (by_sha[sha], steps)


# --- 1. arrivals ---------------------------------------------------------------------------

def test_slow_and_quick_arrivals_are_each_processed_once_and_whole(site, cuts):
    s = site()
    sources = {f"rec{n}.mp4": path for n, path in enumerate(cuts, 1)}
    shutil.copyfile(cuts[5], s.inbox / "rec6.mp4")  # there before the watcher: the start-up scan
    watcher = s.start()
    arrivals = [
        later(0.0, slow_copy, cuts[0], s.inbox / "rec1.mp4"),  # faststart: opens long before it is whole
        later(0.5, slow_copy, cuts[1], s.inbox / "rec2.mp4"),
        later(1.0, slow_copy, cuts[2], s.inbox / "rec3.mp4", seconds=3.0, stall=SETTLE * 1.6),
        later(2.0, part_copy, cuts[3], s.inbox / "rec4.mp4"),
        later(3.0, shutil.copyfile, cuts[4], s.inbox / "rec5.mp4"),
    ]
    for thread in arrivals:
        thread.join()
    wait_until(lambda: all_done(s, 6), 120, "six recordings done")
    assert s.stop(watcher) == 0, s.stderr(watcher)
    status = s.status()
    check_processed(s, sources, status)
    assert [r["attempts"] for r in status] == [1] * 6  # each taken once, whole, and run once


# --- 2. kill -9 at random points -------------------------------------------------------------

def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid` (workers, their ffmpeg, the resource tracker), read from
    /proc: pid -> its start time, so a pid used again later is not taken for the same process."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()  # from field 3 (state) on
            children.setdefault(int(fields[1]), []).append((int(entry), fields[19]))
    found, todo = {}, [pid]
    while todo:
        for child, started in children.get(todo.pop(), []):
            found[child] = started
            todo.append(child)
    return found


def alive(pid: int, started: str) -> bool:
    """Still running: there, the same process, and not a zombie waiting to be reaped by init."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[19] == started and fields[0] not in ("Z", "X")


KILLS = 20
SEED = 1212  # the kill times are random, but the same on every run


def test_kill_9_at_twenty_random_points_still_processes_each_recording_once(site, cuts):
    # One recording at a time and arrivals spread over the kills, so that the kills fall on
    # every phase: start-up, settling, claiming, spawning, each step, recording the end.
    s = site(jobs=1)
    sources = {f"rec{n}.mp4": path for n, path in enumerate(cuts, 1)}
    for name in ("rec1.mp4", "rec2.mp4"):
        shutil.copyfile(sources[name], s.inbox / name)
    arrive = {2: (slow_copy, 3), 5: (part_copy, 4), 8: (shutil.copyfile, 5), 11: (slow_copy, 6)}  # kill: how, which
    arrivals = []
    rng = random.Random(SEED)
    orphans: list[tuple[float, dict[int, str]]] = []  # (when the watcher was killed, what ran below it)
    kills: list[str] = []  # what each kill cut short, for the failure message
    mid_work = 0

    def reap_orphans(deadline: float) -> None:
        for killed_at, pids in orphans:
            left = {pid for pid, started in pids.items() if alive(pid, started)}
            assert not left or time.monotonic() < killed_at + deadline, \
                f"processes {sorted(left)} outlived their watcher by {deadline:.0f} s"

    def watch_for(seconds: float, watcher: subprocess.Popen, below: dict[int, str], until=None) -> None:
        """Let the watcher run `seconds` (after `until()` holds), noting every process below it."""
        end = time.monotonic() + seconds
        while time.monotonic() < end or (until is not None and not until()):
            if until is not None and until():
                end, until = time.monotonic() + seconds, None
            below.update(descendants(watcher.pid))
            reap_orphans(10.0)
            time.sleep(0.1)

    log = s.out / ".vidkit" / "watch.log"
    for number in range(KILLS):
        if number in arrive:  # the copy goes on while watchers come and go
            copy, which = arrive[number]
            arrivals.append(later(0.0, copy, cuts[which - 1], s.inbox / f"rec{which}.mp4"))
        # a quarter of the kills during start-up (imports, locks, the store), the rest a random
        # time after the watcher is up: the times are the seed's, whatever the machine's speed
        early = rng.random() < 0.25
        delay = rng.uniform(0.2, 1.0) if early else rng.uniform(0.0, 3.0)
        started = log.read_text(errors="replace").count(" INFO watching ") if log.exists() else 0
        watcher = s.start()
        below: dict[int, str] = {}
        watch_for(delay, watcher, below, None if early else lambda: watching(s, started + 1))
        below.update(descendants(watcher.pid))
        items = s.items()
        running = [pid for pid, since in below.items() if alive(pid, since)]
        os.kill(watcher.pid, signal.SIGKILL)
        assert watcher.wait(timeout=10) == -signal.SIGKILL
        orphans.append((time.monotonic(), below))
        mid_work += any(item["state"] == "running" for item in items)
        kills.append(f"kill {number + 1}: {len(running)} processes below; "
                     + ", ".join(f"{Path(i['path']).name} {i['state']} {i['step'] or ''}".strip() for i in items))
    for thread in arrivals:
        thread.join()
    print("\n".join(kills))

    started = log.read_text(errors="replace").count(" INFO watching ")
    last = s.start()
    wait_until(lambda: watching(s, started + 1), 60, "the last watcher running")
    wait_until(lambda: all_done(s, 6), 180, "six recordings done after the kills:\n" + "\n".join(kills))
    assert s.stop(last) == 0, s.stderr(last)
    wait_until(lambda: not any(alive(p, t) for _, pids in orphans for p, t in pids.items()), 10,
               "every process of the killed watchers gone")
    assert mid_work >= KILLS // 4, "\n".join(kills)  # the kills did land on recordings being processed
    check_processed(s, sources)


# --- 3. bad inputs -------------------------------------------------------------------------

def test_failed_holds_exactly_the_bad_inputs_each_with_a_one_line_reason(site, cuts):
    s = site()
    shutil.copyfile(cuts[1], s.inbox / "good.mp4")
    half = cuts[1].read_bytes()  # index at the end: the first half does not open at all
    (s.inbox / "cut_short.mp4").write_bytes(half[:len(half) // 2])  # `head -c` half of a real one
    half = cuts[0].read_bytes()  # index first: opens, says 3 s, but its end is not there
    (s.inbox / "cut_faststart.mp4").write_bytes(half[:len(half) // 2])
    (s.inbox / "notes.mp4").write_text("Session notes: treadmill at 2 km/h, harness on.\n")
    result = subprocess.run(s.command("--once"), env=s.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    bad = ("cut_short.mp4", "cut_faststart.mp4", "notes.mp4")
    failed = s.inbox / "failed"
    assert sorted(p.name for p in failed.iterdir()) == sorted([*bad, *(f"{name}.error.txt" for name in bad)])
    assert sorted(p.name for p in s.inbox.iterdir() if p.is_file()) == ["good.mp4"]
    for name in bad:
        note = (failed / f"{name}.error.txt").read_text()
        assert note.endswith("\n") and note.count("\n") == 1 and len(note.strip()) > 20, note
        assert note.startswith("taking the file: "), note  # which step: none ran, the file was refused
    assert "truncated" in (failed / "cut_faststart.mp4.error.txt").read_text()

    status = {Path(r["path"]).name: r for r in s.status()}
    assert {name: r["state"] for name, r in status.items()} == {"good.mp4": "done", **{n: "failed" for n in bad}}
    for name in bad:
        assert status[name]["path"] == str(failed / name) and status[name]["error"], status[name]
    assert sorted(p.name for p in s.out.iterdir() if p.is_file()) == sorted(f"good{x}" for x in SUFFIXES)


# --- 4. disk full ------------------------------------------------------------------------------

# Injected into the watcher and its workers (spawned workers inherit PYTHONPATH): while the flag
# file exists, opening a file under the output folder for writing fails as a full disk does.
# Test code only: nothing in vidkit knows of it.
FULL_DISK = '''
import builtins, errno, io, os

_OUT = os.path.realpath(os.environ["VIDKIT_TEST_FULL_DIR"])
_FLAG = os.environ["VIDKIT_TEST_FULL_FLAG"]
_open, _os_open = io.open, os.open


def _full(path):
    try:
        path = os.fsdecode(os.fspath(path))
    except TypeError:
        return False  # a file descriptor
    real = os.path.realpath(path)
    if real.startswith(os.path.join(_OUT, ".vidkit") + os.sep):
        return False  # the watcher's lock, pid and log files: there before the disk filled
    return (real == _OUT or real.startswith(_OUT + os.sep)) and os.path.exists(_FLAG)


def _refuse(path):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(os.fspath(path)))


def _open_checked(file, mode="r", *args, **kwargs):
    if any(c in mode for c in "wax+") and _full(file):
        _refuse(file)
    return _open(file, mode, *args, **kwargs)


def _os_open_checked(path, flags, *args, **kwargs):
    if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and _full(path):
        _refuse(path)
    return _os_open(path, flags, *args, **kwargs)


builtins.open = io.open = _open_checked
os.open = _os_open_checked
'''


class Disk:
    """The output folder's disk: `fill()` makes it refuse writes (ENOSPC), `free()` undoes it.

    tmpfs: a real 2 MiB file system mounted on the output folder (needs root), filled with a
    file until the kernel says ENOSPC. injected: FULL_DISK as sitecustomize.py for the watcher."""

    def __init__(self, kind: str, tmp: Path):
        self.kind, self.tmp = kind, tmp
        self.out, self.flag = tmp / "site0" / "out", tmp / "disk-full.flag"
        self.env: dict[str, str] = {}
        self.mounted = False

    def prepare(self) -> None:
        self.out.mkdir(parents=True)
        if self.kind == "tmpfs":
            try:
                mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(self.out)],
                                         capture_output=True, text=True)
                why = (mounted.stderr.strip() or "not root") if mounted.returncode else None
            except OSError as exc:  # no mount command
                why = str(exc)
            if why:
                pytest.skip(f"cannot mount a tmpfs here ({why}): the injected variant covers it")
            self.mounted = True
        else:
            hooks = self.tmp / "hooks"
            hooks.mkdir()
            (hooks / "sitecustomize.py").write_text(FULL_DISK)
            self.env = {"PYTHONPATH": os.pathsep.join([str(hooks), *filter(None, [os.environ.get("PYTHONPATH")])]),
                        "VIDKIT_TEST_FULL_DIR": str(self.out), "VIDKIT_TEST_FULL_FLAG": str(self.flag)}

    def fill(self) -> None:
        if self.kind == "tmpfs":
            block = b"\0" * 4096
            with open(self.out / "filler", "wb", buffering=0) as handle:
                try:
                    while True:
                        handle.write(block)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
        else:
            self.flag.touch()

    def free(self) -> None:
        (self.out / "filler" if self.kind == "tmpfs" else self.flag).unlink()

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.out)], check=False)


@pytest.fixture(params=["injected", "tmpfs"])
def disk(request, tmp_path):
    made = Disk(request.param, tmp_path)
    made.prepare()
    yield made
    made.close()


def test_a_full_output_disk_is_a_clear_failure_then_a_retry_succeeds(site, disk, cuts):
    s = site(retries=3, backoff=6.0, env=disk.env)
    assert s.out == disk.out
    watcher = s.start()
    wait_until(lambda: watching(s), 60, "the watcher running")
    disk.fill()
    shutil.copyfile(cuts[3], s.inbox / "rec4.mp4")
    (item,) = wait_until(lambda: [i for i in s.items() if i["error"]], 90, "the first attempt failing")

    # a clear failure, the recording kept where it arrived and queued for a retry
    assert item["state"] == "queued" and item["attempts"] == 1, item
    assert "no space left on device" in item["error"].lower(), item["error"]
    assert f"no space left on the disk (output folder {s.out}: " in item["error"], item["error"]  # which disk
    table = s.run("status", "--ledger", str(s.ledger))
    assert table.returncode == 0
    flat = " ".join(table.stderr.split())
    assert "queued" in flat and "retry 1 in" in flat and "No space left" in flat, table.stderr
    assert (s.inbox / "rec4.mp4").read_bytes() == cuts[3].read_bytes()
    assert not (s.inbox / "failed").exists()
    assert [p.name for p in s.out.rglob("*") if ".part" in p.name] == []

    disk.free()
    wait_until(lambda: all_done(s, 1), 90, "the retry succeeding once there is room")
    assert s.stop(watcher) == 0, s.stderr(watcher)
    (record,) = s.status()
    assert record["attempts"] == 2 and record["error"] is None, record
    # the retry ran when its backoff ended (no file event comes then), not at the next rescan
    from datetime import datetime

    assert datetime.fromisoformat(record["started_at"]).timestamp() <= item["next_try_at"] + 3, record
    check_processed(s, {"rec4.mp4": cuts[3]}, [record])


def test_kills_and_stops_do_not_use_up_the_retries_of_a_recording(site, cuts, tmp_path):
    """A watcher killed or stopped while a recording runs did not see it fail: that attempt is
    not counted, so a full disk afterwards still gets its retry instead of failed/."""
    disk = Disk("injected", tmp_path)
    disk.prepare()
    s = site(retries=1, backoff=2.0, env=disk.env)
    shutil.copyfile(cuts[4], s.inbox / "rec5.mp4")
    log = s.out / ".vidkit" / "watch.log"
    starts = lambda: log.read_text().count(": started (attempt ") if log.exists() else 0  # noqa: E731
    for stop in (signal.SIGKILL, signal.SIGTERM, signal.SIGKILL):
        before = starts()
        watcher = s.start()
        wait_until(lambda: starts() > before, 60, "the recording started", every=0.05)
        watcher.send_signal(stop)
        assert watcher.wait(timeout=60) == (0 if stop == signal.SIGTERM else -stop), s.stderr(watcher)
    disk.fill()
    watcher = s.start()
    (item,) = wait_until(lambda: [i for i in s.items() if i["error"]], 60, "the first failure")
    assert item["state"] == "queued" and "no space left" in item["error"], item
    assert not (s.inbox / "failed").exists()
    disk.free()
    wait_until(lambda: all_done(s, 1), 60, "the retry succeeding")
    assert s.stop(watcher) == 0, s.stderr(watcher)
    (record,) = s.status()
    assert record["attempts"] == 2, record  # the failure and its retry; the kills and the stop not counted
    check_processed(s, {"rec5.mp4": cuts[4]}, [record])


# --- 5. one watcher per store and output folder --------------------------------------------

def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    return lines[0]


def test_a_second_watcher_refuses_or_waits_for_the_lock(site, cuts):
    s = site()
    first = s.start()
    wait_until(lambda: watching(s), 60, "the first watcher running")

    other_inbox, other_out = s.root / "in2", s.root / "out2"
    other_inbox.mkdir()
    same_store = subprocess.run(s.command("--once", inbox=other_inbox, out=other_out), env=s.env,
                                capture_output=True, text=True, timeout=60)
    assert same_store.returncode == 2
    line = one_error_line(same_store)
    assert f"(pid {first.pid}) is using the store {s.ledger}: " in line and "--wait-lock" in line, line

    same_out = subprocess.run(s.command("--once", inbox=other_inbox, ledger=s.root / "other.sqlite3"), env=s.env,
                              capture_output=True, text=True, timeout=60)
    assert same_out.returncode == 2
    line = one_error_line(same_out)
    assert f"(pid {first.pid}) is using the output folder {s.out}: " in line, line

    # --wait-lock: waits (taking nothing) while the first runs, then runs once it has stopped
    shutil.copyfile(cuts[2], other_inbox / "later.mp4")
    waiting = s.start("--once", "--wait-lock", inbox=other_inbox, out=other_out)
    time.sleep(3.0)
    assert waiting.poll() is None, s.stderr(waiting)
    assert s.items() == []
    assert s.stop(first) == 0, s.stderr(first)
    stopped = time.time()
    assert waiting.wait(timeout=120) == 0, s.stderr(waiting)
    (item,) = s.items()
    assert item["state"] == "done" and item["path"] == str(other_inbox / "later.mp4")
    from datetime import datetime

    assert datetime.fromisoformat(item["added_at"]).timestamp() >= int(stopped)
    assert (other_out / "later.captioned.mp4").is_file()


# --- 6. publishing -------------------------------------------------------------------------------

# The people in a watched recording are named in `<stem>.subjects.txt` beside it (pseudonymous
# ids). With them and their consent recorded, `upload = true` uploads each clip once, whatever
# the kills (the watcher publishes from its own store, where the upload is resumed, never
# started again); without them the consent gate refuses (failed/); with `upload = false` the
# clips are queued, waiting for consent. Always: the clip made once, the publish ledger the
# watcher's own store (where `vidkit consent add --ledger` wrote).
PUBLISH_PRESET = 'steps = ["transcribe", "clip", "describe", "publish"]\n\n[clip]\nauto = 1\n\n[publish]\nupload = {}\n'


@pytest.fixture(scope="session")
def session_cut(media_dir) -> Path:
    """19 s of the sample: speech enough for one clip of at least 15 s."""
    path = media_dir / "watch-cuts" / "session.mp4"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        ffmpeg("-t", "19", "-i", str(SAMPLE), "-vf", "scale=320:180", "-c:v", "libx264", "-preset", "ultrafast",
               "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", str(path))
    return path


@pytest.mark.parametrize("upload,subjects", [(False, False), (True, False), (True, True)],
                         ids=["queued", "no-subjects", "upload"])
def test_a_publishing_preset_publishes_once_in_the_watchers_store_through_kills(site, session_cut, tmp_path, upload,
                                                                              subjects):
    from tests.support.fake_youtube import FakeYouTube

    with FakeYouTube(tmp_path / "fake-youtube") as yt:
        token = yt.write_token(tmp_path / "token" / "youtube-token.json")
        s = site(jobs=1, env=yt.env(token))
        s.preset.write_text(PUBLISH_PRESET.format(str(upload).lower()))
        roster = s.root / "roster.txt"
        roster.write_text("Maria Jansen\n")
        consent = s.run("consent", "add", "--subject", "P-0001", "--scope", "youtube", "--ledger", str(s.ledger))
        assert consent.returncode == 0, consent.stderr
        if subjects:
            (s.inbox / "session.subjects.txt").write_text("# who is in session.mp4\nP-0001\n")
        shutil.copyfile(session_cut, s.inbox / "session.mp4")
        rng = random.Random(SEED)

        # killed while the worker makes the transcript and the clip, then as the watcher publishes
        watcher = s.start("--roster", str(roster))
        wait_until(lambda: watching(s), 60, "the watcher running")
        time.sleep(rng.uniform(1.0, 4.0))
        os.kill(watcher.pid, signal.SIGKILL)
        watcher.wait(timeout=10)
        watcher = s.start("--roster", str(roster))
        publishing = wait_until(lambda: [r for r in s.jobs_rows() if r["step"] == "publish"]
                                or [i for i in s.items() if i["state"] in ("waiting", "failed", "done")], 120,
                                "publishing", every=0.02)
        os.kill(watcher.pid, signal.SIGKILL)
        watcher.wait(timeout=10)
        print("second kill:", publishing)

        last = s.start("--roster", str(roster), "--once")
        assert last.wait(timeout=120) == 0, s.stderr(last)
        (record,) = s.status()
        steps = sorted((r["step"], r["state"]) for r in s.jobs_rows())
        made = [("clip", "done"), ("describe", "done"), ("transcribe", "done")]
        if upload and subjects:
            assert record["state"] == "done", record
            assert steps == sorted([*made, ("publish", "done")]), steps
        elif upload:
            assert record["state"] == "failed" and record["path"] == str(s.inbox / "failed" / "session.mp4"), record
            note = (s.inbox / "failed" / "session.mp4.error.txt").read_text()
            assert note.startswith("publish: consent gate: no subjects are declared") and note.count("\n") == 1, note
            assert steps == sorted([*made, ("publish", "failed")]), steps
        else:
            assert record["state"] == "waiting" and record["state_label"] == "waiting for consent", record
            assert steps == sorted([*made, ("publish", "done")]), steps

        clip = ("session.clip01", (".clip.json", ".jpg", ".mp4", ".srt", ".transcript.json", ".upload.json", ".vtt"))
        assert sorted(p.name for p in s.out.iterdir() if p.is_file()) == sorted(
            ["session.clips.json", "session.transcript.json", *(clip[0] + suffix for suffix in clip[1])])
        assert [p for p in s.out.rglob("*") if ".part" in p.name] == []
        record_json = json.loads((s.out / "session.clip01.clip.json").read_text())
        assert frames(s.out / "session.clip01.mp4") == record_json["frames"]

        # the publish ledger is the watcher's store: no other store made; one upload at most
        assert not (s.root / "data" / "vidkit" / "vidkit.sqlite3").exists()
        if upload and subjects:
            assert len(yt.videos) == 1 and yt.quota_calls.get("videos.insert", 0) == 1, yt.quota_calls
            (video,) = yt.videos.values()
            assert video.status["privacyStatus"] == "private"  # private by default
            assert video.body == (s.out / "session.clip01.mp4").read_bytes()  # the clip, whole
        else:
            assert yt.videos == {} and yt.quota_calls.get("videos.insert", 0) == 0
            assert [r for r in yt.requests if r[1].startswith("/upload/")] == []
