"""The roster redaction `vidkit caption --roster` (and blur, with a roster) runs before cues are
built: the redacted transcript, the report, and the bleep filter for the same single encode."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.records import RedactionReport
from vidkit.config import Settings
from vidkit.media import MediaInfo
from vidkit.media.output import output_path
from vidkit.privacy.bleep import audio_ranges, bleep_filter
from vidkit.privacy.options import PrivacyOptions, privacy_options
from vidkit.privacy.redact import RedactionItem, redact_transcript, redaction_counts, redaction_report
from vidkit.transcript import Transcript

REPORT_SUFFIX = artifacts.REDACTION_REPORT


def write_report(path: Path, items: list[RedactionItem], transcript: Transcript,
                 audio: dict[str, Any] | None) -> Path:
    return RedactionReport(redaction_report(items, transcript, audio)).save(path)


def audio_section(items: list[RedactionItem], options: PrivacyOptions, duration: float) -> dict[str, Any]:
    ranges = audio_ranges(items, duration, options.padding)
    return {"mode": options.audio, "padding": options.padding,
            "ranges": [[round(a, 3), round(b, 3)] for a, b in ranges]}


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
        audio = audio_section(items, options, duration)
    report = write_report(output_path(input_path, out_dir, REPORT_SUFFIX), items, transcript, audio)
    summary = {"counts": redaction_counts(items), "items": len(items)}
    return CaptionRedaction(redacted, items, report, audio_filter, summary)
