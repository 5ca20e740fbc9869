"""`vidkit redact`, and the roster redaction `vidkit caption --roster` runs before cues.

IO at the edges: read the roster and transcript, write the redacted transcript, the report
and (with media) the bleeped recording. Nothing here logs or raises with roster text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.captions.burn import metadata_args, video_args
from vidkit.config import Settings
from vidkit.console import Reporter, hide_in_messages
from vidkit.errors import BadInputError
from vidkit.media import MediaInfo, probe
from vidkit.media.ffmpeg import run_ffmpeg
from vidkit.media.output import atomic_path, output_path, write_text
from vidkit.pipeline.origin import check_stem_outputs, input_identity, refuse_other_transcript, transcript_identity
from vidkit.pipeline.steps import TRANSCRIPT_SUFFIX, check_transcript_fits, resolve_out_dir
from vidkit.privacy.bleep import MODES, audio_ranges, bleep_filter
from vidkit.privacy.identifying import hide_identifying, refuse_named_file
from vidkit.privacy.redact import RedactionItem, redact_transcript, redaction_counts, redaction_report
from vidkit.privacy.roster import Roster, RosterError, parse_roster
from vidkit.transcript import Transcript, load_transcript

REDACTED_TRANSCRIPT_SUFFIX = artifacts.REDACTED_TRANSCRIPT
REPORT_SUFFIX = artifacts.REDACTION_REPORT
# Video codecs an MP4 can carry as they are; others are re-encoded with the burn settings.
_MP4_VIDEO = {"h264", "hevc", "mpeg4", "av1", "vp9"}
_PCM_WAV = {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8"}


@dataclass
class RedactJobResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    items: list[RedactionItem] = field(default_factory=list)


@dataclass(frozen=True)
class PrivacyOptions:
    roster: Roster
    audio: str  # bleep | mute
    padding: float  # seconds
    roster_sha256: str = ""  # of the roster file's bytes: records name the roster by it, never by its names


def privacy_options(settings: Settings, files: Sequence[tuple[Path | None, str]] = ()) -> PrivacyOptions:
    """The [privacy] settings checked, with the roster read; BadInputError when unusable, or
    when one of `files` ((path, what it is)), after which outputs are named, names a person
    of the roster."""
    section = settings.section("privacy")
    if not section["roster"]:
        raise BadInputError("no roster: give --roster FILE (one person per line) "
                            "or set privacy.roster in vidkit.toml")
    if section["audio"] not in MODES:
        raise BadInputError(f"unknown audio mode {section['audio']!r}; use {' or '.join(MODES)}")
    if not 0 <= section["padding"] <= 5:
        raise BadInputError(f"padding must be 0 to 5 seconds, got {section['padding']}")
    roster_path = Path(section["roster"]).expanduser()
    options = PrivacyOptions(read_roster(roster_path), section["audio"], float(section["padding"]),
                             _sha256_of(roster_path))
    hide_in_messages(lambda text: hide_identifying(text, options.roster))
    for path, what in files:
        if path is not None:
            refuse_named_file(Path(path).name, options.roster, what)
    return options


def _sha256_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


_ROSTERS: dict[tuple[str, int, int], Roster] = {}


def read_roster(path: Path) -> Roster:
    """Read and parse a roster file (UTF-8); errors name the file and a line number only.
    Parsed once per process while the file is unchanged (every step of a job asks for it)."""
    try:
        stat = Path(path).stat()
        key = (str(Path(path).absolute()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _ROSTERS:
        return _ROSTERS[key]
    roster = _read_roster(path)
    if key is not None:
        _ROSTERS[key] = roster
    return roster


def _read_roster(path: Path) -> Roster:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RosterError(f"roster not found: {path}") from None
    except IsADirectoryError:
        raise RosterError(f"roster is a folder, not a file: {path}") from None
    except OSError as exc:
        raise RosterError(f"cannot read roster {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RosterError(f"{path}, line {line}: not UTF-8 text; save the roster as UTF-8") from None
    return parse_roster(text, source=str(path))


def transcript_stem(path: Path) -> str:
    """"session" for session.transcript.json (or session.json)."""
    name = Path(path).name
    for suffix in (TRANSCRIPT_SUFFIX, ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def write_report(path: Path, items: list[RedactionItem], transcript: Transcript,
                 audio: dict[str, Any] | None) -> Path:
    report = redaction_report(items, transcript, audio)
    return write_text(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def _audio_section(items: list[RedactionItem], options: PrivacyOptions, duration: float) -> dict[str, Any]:
    ranges = audio_ranges(items, duration, options.padding)
    return {"mode": options.audio, "padding": options.padding,
            "ranges": [[round(a, 3), round(b, 3)] for a, b in ranges]}


def redact_job(transcript_path: Path, settings: Settings, reporter: Reporter, *,
               media: Path | None = None, out: Path | None = None, overwrite: bool = False) -> RedactJobResult:
    """`vidkit redact`: `<stem>.redacted.transcript.json`, `<stem>.redaction.json` and, with
    `media`, `<stem>.redacted.<mp4|m4a|wav>` with the redacted speech bleeped or muted.
    `media` must be the recording the transcript names; `overwrite` replaces outputs of
    another recording of the same stem in the output folder (else refused)."""
    options = privacy_options(settings, [(transcript_path, "the transcript's file name"),
                                         (media, "the recording's file name")])
    given = load_transcript(transcript_path)  # names its recording (a redacted one too)
    transcript = clear_transcript(given, Path(transcript_path).name, settings)
    info = probe(media) if media is not None else None
    if info is not None:
        if info.audio is None:
            raise BadInputError(f"{info.path.name} has no audio stream: nothing to bleep")
        refuse_other_transcript(given.provenance, transcript_path, info.path,
                                "give the recording it was made from with --media")
        check_transcript_fits(transcript, info)
    out_dir = resolve_out_dir(settings, out) or Path(transcript_path).parent
    stem = transcript_stem(transcript_path)
    check_stem_outputs(transcript_path, out_dir, overwrite=overwrite, keep=(media,), stem=stem,
                       identity=lambda: (transcript_identity(given.provenance, transcript_path)
                                         | (input_identity(media) if media is not None else set())))
    redacted, items = redact_transcript(transcript, options.roster)
    result = RedactJobResult(items=items)
    result.outputs["transcript"] = write_text(out_dir / f"{stem}{REDACTED_TRANSCRIPT_SUFFIX}",
                                              redacted.to_json())
    audio = None
    if info is not None:
        duration = info.duration or transcript.duration
        audio = _audio_section(items, options, duration)
        target = out_dir / f"{stem}.redacted{_media_suffix(info)}"
        result.outputs["media"] = write_redacted_media(
            info, bleep_filter(items, duration, options.audio, options.padding), target, settings,
            reporter)
    result.outputs["report"] = write_report(out_dir / f"{stem}{REPORT_SUFFIX}", items, transcript, audio)
    result.summary = {"counts": redaction_counts(items), "items": len(items),
                      "audio": options.audio if info is not None else None}
    return result


def clear_transcript(transcript: Transcript, name: str, settings: Settings) -> Transcript:
    """`transcript`, or when vidkit redacted it, the clear one it was made from (from the
    private store): a redacted transcript has no names left to find, so redacting it again
    would place no bleep."""
    from vidkit.pipeline.steps import is_redacted, stored_clear

    if not is_redacted(transcript):
        return transcript
    clear = stored_clear(transcript, settings)
    if clear is None:
        raise BadInputError(f"{name} is already redacted and the clear transcript is not in the private "
                            "store (deleted, or made on another machine): transcribe the recording again")
    return clear


def _media_suffix(info: MediaInfo) -> str:
    if info.video is not None:
        return ".mp4"
    assert info.audio is not None
    return ".wav" if info.format == "wav" and info.audio.codec in _PCM_WAV else ".m4a"


def write_redacted_media(info: MediaInfo, audio_filter: str | None, target: Path,
                         settings: Settings, reporter: Reporter) -> Path:
    """Copy `info.path` to `target` with its audio filtered (bleeps) and re-encoded, the video
    stream copied (re-encoded only when MP4 cannot carry it), no identifying metadata."""
    assert info.audio is not None
    if target.suffix == ".wav":
        codec = ["-c:a", info.audio.codec]  # PCM stays PCM: lossless outside the bleeps
    else:
        codec = ["-c:a", "aac", "-b:a", "192k"]
    if info.video is None:
        video = []
    elif info.video.codec in _MP4_VIDEO:
        video = ["-map", "0:v:0", "-c:v", "copy"]
    else:
        burn = settings.section("burn")
        video = ["-map", "0:v:0", *video_args(burn["crf"], burn["preset"])]
    container = ["-movflags", "+faststart"] if target.suffix in (".mp4", ".m4a") else []
    with atomic_path(target) as tmp:
        run_ffmpeg(["-y", "-i", str(Path(info.path).resolve()), *video, "-map", "0:a:0",
                    *(["-af", audio_filter] if audio_filter else []), *codec, *metadata_args(),
                    *container, str(tmp.resolve())],
                   duration=info.duration, on_progress=reporter.stage("Redacting audio", info.duration))
    return target


@dataclass(frozen=True)
class CaptionRedaction:
    transcript: Transcript
    items: list[RedactionItem]
    report: Path
    audio_filter: str | None  # for the burned video's audio; None without --burn
    summary: dict[str, Any]


def caption_privacy(settings: Settings, input_path: Path) -> PrivacyOptions | None:
    """The [privacy] options when a roster is set (for `caption --roster`), else None."""
    if not settings.get("privacy", "roster"):
        return None
    return privacy_options(settings, [(input_path, "the recording's file name")])


def redact_for_captions(input_path: Path, info: MediaInfo, transcript: Transcript,
                        options: PrivacyOptions, out_dir: Path | None, *, burn: bool) -> CaptionRedaction:
    """`vidkit caption --roster`: the transcript redacted before cues are built, the report
    written, and (with --burn) the bleep filter for the same single encode."""
    redacted, items = redact_transcript(transcript, options.roster)
    duration = info.duration or transcript.duration
    audio_filter = None
    audio = None
    if burn and info.audio is not None:
        audio_filter = bleep_filter(items, duration, options.audio, options.padding)
        audio = _audio_section(items, options, duration)
    report = write_report(output_path(input_path, out_dir, REPORT_SUFFIX), items, transcript, audio)
    summary = {"counts": redaction_counts(items), "items": len(items)}
    return CaptionRedaction(redacted, items, report, audio_filter, summary)
