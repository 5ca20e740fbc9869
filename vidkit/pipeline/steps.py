"""One call per user-facing job: read inputs, run stages, write outputs, return what was made.

The CLI only parses flags and prints; everything it reports comes from these results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit.captions.run import CaptionResult, caption, parse_formats
from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError
from vidkit.media import MediaInfo, probe
from vidkit.media.output import output_path, write_text
from vidkit.transcribe import TranscribeOptions, transcribe_file
from vidkit.transcript import Transcript, load_transcript

TRANSCRIPT_SUFFIX = ".transcript.json"
TRANSCRIPT_FORMATS = ("txt", "srt", "vtt")


@dataclass
class JobResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    transcript: Transcript | None = None
    captions: CaptionResult | None = None


def resolve_out_dir(settings: Settings, out: Path | None) -> Path | None:
    """-o/--out, else [output] dir, else None (next to the input)."""
    if out is not None:
        return out
    configured = settings.get("output", "dir")
    return Path(configured).expanduser() if configured else None


def transcribe_job(input_path: Path, settings: Settings, reporter: Reporter,
                   out: Path | None = None) -> JobResult:
    """`vidkit transcribe`: writes `<stem>.transcript.json` and any extra formats."""
    out_dir = resolve_out_dir(settings, out)
    formats = [f.strip().lower() for f in settings.get("transcribe", "formats") if f.strip()]
    bad = [f for f in formats if f not in TRANSCRIPT_FORMATS]
    if bad:
        raise BadInputError(f"unknown transcript format {bad[0]!r}; use {', '.join(TRANSCRIPT_FORMATS)}")
    info = probe(input_path)
    options = TranscribeOptions.from_settings(settings.section("transcribe"))
    started = time.perf_counter()
    labels = {"audio": "Reading audio", "speech": "Transcribing"}
    transcript = transcribe_file(input_path, options,
                                 lambda stage, done, total: reporter.update(labels[stage], done, total))
    elapsed = time.perf_counter() - started
    result = JobResult(transcript=transcript)
    path = output_path(input_path, out_dir, TRANSCRIPT_SUFFIX)
    write_text(path, transcript.to_json())
    result.outputs["transcript"] = path
    if "txt" in formats:
        lines = [s.text.strip() for s in transcript.segments if s.text.strip()]
        result.outputs["txt"] = write_text(output_path(input_path, out_dir, ".txt"), "\n".join(lines) + "\n")
    sidecars = [f for f in formats if f in ("srt", "vtt")]
    if sidecars:
        captions = caption(info, transcript, settings.section("captions"), out_dir=out_dir, formats=sidecars)
        result.outputs.update({k: v for k, v in captions.outputs.items() if k in sidecars})
    result.summary = transcript_summary(transcript, elapsed)
    return result


def transcript_summary(transcript: Transcript, elapsed: float) -> dict[str, Any]:
    flagged = [s for s in transcript.segments if s.flags]
    audio = transcript.provenance.get("audio_seconds") or transcript.duration
    return {
        "language": transcript.language,
        "duration": transcript.duration,
        "segments": len(transcript.segments),
        "words": len(transcript.words),
        "flagged_segments": [
            {"id": s.id, "start": s.start, "end": s.end, "flags": list(s.flags)} for s in flagged
        ],
        "model": transcript.provenance.get("model", {}).get("name"),
        "seconds": round(elapsed, 2),
        "real_time_factor": round(elapsed / audio, 3) if audio else None,
    }


def find_output(input_path: Path, out_dir: Path | None, suffix: str) -> Path | None:
    """An existing `<stem><suffix>` for this input: in the output folder, else beside the input."""
    for folder in (out_dir, Path(input_path).parent):
        if folder is not None:
            candidate = output_path(input_path, folder, suffix)
            if candidate.is_file():
                return candidate
    return None


def find_transcript(input_path: Path, out_dir: Path | None) -> Path | None:
    return find_output(input_path, out_dir, TRANSCRIPT_SUFFIX)


def obtain_transcript(input_path: Path, info: MediaInfo, settings: Settings, reporter: Reporter,
                      out: Path | None, transcript_path: Path | None) -> JobResult:
    """The given transcript, else `<stem>.transcript.json` if present, else a new transcription."""
    result = JobResult()
    transcript_path = transcript_path or find_transcript(input_path, resolve_out_dir(settings, out))
    if transcript_path is not None:
        result.transcript = load_transcript(transcript_path)
        check_transcript_fits(result.transcript, info)
    else:
        made = transcribe_job(input_path, settings, reporter, out)
        result.transcript = made.transcript
        result.outputs.update(made.outputs)
        result.summary["transcription"] = made.summary
    return result


def caption_job(input_path: Path, settings: Settings, reporter: Reporter, *,
                out: Path | None = None, transcript_path: Path | None = None,
                burn: bool = False) -> JobResult:
    """`vidkit caption`: cues from a transcript (made first if there is none), sidecars, QC, burn-in."""
    out_dir = resolve_out_dir(settings, out)
    info = probe(input_path)
    if burn and info.video is None:
        raise BadInputError(f"{info.path.name} is audio only: --burn needs a video to draw on")
    formats = parse_formats(settings.get("captions", "formats"))
    # Lazy: redact_job imports this module. The roster is read first so a bad one fails fast.
    from vidkit.pipeline.redact_job import caption_privacy, redact_for_captions
    privacy = caption_privacy(settings)
    result = obtain_transcript(input_path, info, settings, reporter, out, transcript_path)
    transcript = result.transcript
    assert transcript is not None
    redaction = None
    if privacy is not None:  # names never reach a cue, a sidecar or the burned picture
        redaction = redact_for_captions(input_path, info, transcript, privacy, out_dir, burn=burn)
        transcript = redaction.transcript
        result.outputs["redaction"] = redaction.report
        result.summary["redaction"] = redaction.summary
    captions = caption(info, transcript, settings.section("captions"), out_dir=out_dir,
                       formats=formats, burn=burn, burn_settings=settings.section("burn"),
                       on_burn_progress=reporter.stage("Burning captions", info.duration),
                       audio_filter=redaction.audio_filter if redaction else None)
    result.captions = captions
    result.outputs.update(captions.outputs)
    result.summary["qc"] = captions.qc.to_dict().get("summary", {})
    return result


def check_transcript_fits(transcript: Transcript, info: MediaInfo) -> None:
    # A transcript of another recording would put captions at wrong times: refuse it.
    words = transcript.words
    if words and info.duration and words[-1].end > info.duration + 1.0:
        raise BadInputError(
            f"the transcript runs to {words[-1].end:.1f} s but {info.path.name} lasts "
            f"{info.duration:.1f} s: is it the transcript of another file?"
        )
