"""`vidkit redact`: a transcript's names and identifying numbers out, and with --media the
recording with them bleeped (caption's and blur's redaction: vidkit.pipeline.caption_redaction).

IO at the edges: read the roster and transcript, write the redacted transcript, the report
and (with media) the bleeped recording. Nothing here logs or raises with roster text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.captions.burn import metadata_args, video_args
from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError
from vidkit.media import MediaInfo, probe
from vidkit.media.ffmpeg import run_ffmpeg
from vidkit.media.output import atomic_path, write_text
from vidkit.origin import check_stem_outputs, input_identity, refuse_other_transcript, transcript_identity
from vidkit.pipeline.steps import TRANSCRIPT_SUFFIX, check_transcript_fits, resolve_out_dir
from vidkit.privacy.bleep import bleep_filter
from vidkit.privacy.redact import RedactionItem, redact_transcript, redaction_counts
from vidkit.pipeline.caption_redaction import REPORT_SUFFIX, audio_section, write_report
from vidkit.privacy.options import privacy_options
from vidkit.transcript import Transcript, load_transcript

REDACTED_TRANSCRIPT_SUFFIX = artifacts.REDACTED_TRANSCRIPT
# Video codecs an MP4 can carry as they are; others are re-encoded with the burn settings.
_MP4_VIDEO = {"h264", "hevc", "mpeg4", "av1", "vp9"}
_PCM_WAV = {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8"}


@dataclass
class RedactJobResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    items: list[RedactionItem] = field(default_factory=list)


def transcript_stem(path: Path) -> str:
    """"session" for session.transcript.json (or session.json)."""
    name = Path(path).name
    for suffix in (TRANSCRIPT_SUFFIX, ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


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
        audio = audio_section(items, options, duration)
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
