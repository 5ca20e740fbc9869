"""Caption one recording: transcript → cues → sidecars, QC report, optional burn-in."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.captions.build import build_cues
from vidkit.captions.burn import burn_captions
from vidkit.captions.cue import Cue, CueRules
from vidkit.captions.qc import QCReport, check_cues
from vidkit.captions.styles import CaptionStyle, load_style
from vidkit.captions.writers import FORMATS, write_ass, write_plain
from vidkit.errors import BadInputError
from vidkit.media.output import output_path, write_text
from vidkit.media.probe import MediaInfo
from vidkit.hashing import file_sha256
from vidkit.transcript import CAPTION_SKIP_FLAGS
from vidkit.transcript import Transcript, Word

_DEFAULT_FPS = 25.0  # for the 2-frame gap rule when the input has no video


@dataclass(frozen=True)
class CaptionResult:
    cues: list[Cue]
    qc: QCReport
    outputs: dict[str, Path]
    rules: CueRules


def cue_rules(settings: dict[str, Any], style: CaptionStyle, fps: float) -> CueRules:
    """Rules from [captions] settings, then the style's [rules] overrides, then the video fps."""
    known = {f.name for f in fields(CueRules)}
    values = {k: v for k, v in settings.items() if k in known}
    unknown = set(style.rules) - known
    if unknown:
        raise BadInputError(f"caption style {style.name!r} has unknown rules: {', '.join(sorted(unknown))}")
    values.update(style.rules)
    values["fps"] = fps if fps > 0 else _DEFAULT_FPS
    return CueRules(**values)


def build_for(transcript: Transcript, settings: dict[str, Any], fps: float
              ) -> tuple[CaptionStyle, CueRules, list[Word], list[Cue]]:
    """Style, rules, the words captions may show (likely-invented segments left out) and cues."""
    style = load_style(settings["style"])
    rules = cue_rules(settings, style, fps)
    words = transcript.caption_words(CAPTION_SKIP_FLAGS)
    return style, rules, words, build_cues(words, rules)


def parse_formats(formats: Sequence[str]) -> list[str]:
    chosen = [f.strip().lower().lstrip(".") for f in formats if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad:
        raise BadInputError(f"unknown caption format {bad[0]!r}; use {', '.join(FORMATS)}")
    return list(dict.fromkeys(chosen))


def caption(
    info: MediaInfo,
    transcript: Transcript,
    settings: dict[str, Any],
    *,
    out_dir: Path | None,
    formats: Sequence[str],
    burn: bool = False,
    burn_settings: dict[str, Any] | None = None,
    on_burn_progress: Callable[[float], None] | None = None,
    audio_filter: str | None = None,
) -> CaptionResult:
    """Build cues for `info.path` from `transcript` and write the requested outputs.

    `audio_filter` (e.g. a redaction bleep) is applied to the burned video's audio."""
    if burn and info.video is None:
        raise BadInputError(f"{info.path.name} is audio only: --burn needs a video to draw on")
    style, rules, words, cues = build_for(transcript, settings, info.video.fps if info.video else 0.0)
    qc = check_cues(cues, rules, words)
    outputs: dict[str, Path] = {}
    size = info.video.display_size if info.video else (1920, 1080)
    for fmt in parse_formats(formats):
        path = output_path(info.path, out_dir, f".{fmt}")
        if fmt == "ass":
            write_ass(cues, path, style, size[0], size[1], rules.max_line_chars)
        else:
            write_plain(cues, path, fmt)
        outputs[fmt] = path
    qc_path = output_path(info.path, out_dir, artifacts.CAPTIONS_QC)
    qc_data = qc.to_dict()
    # Names the recording (by hash, never by name): outputs of another one of the same name are not replaced silently.
    qc_data["input_sha256"] = file_sha256(info.path)
    # Segments left out as likely invented are listed so a person can restore them.
    qc_data["skipped_segments"] = [
        {"id": s.id, "start": s.start, "end": s.end, "flags": list(s.flags)}
        for s in transcript.segments if CAPTION_SKIP_FLAGS & set(s.flags)
    ]
    write_text(qc_path, json.dumps(qc_data, indent=2, ensure_ascii=False) + "\n")
    outputs["qc"] = qc_path
    if burn:
        burn_settings = burn_settings or {}
        video_path = output_path(info.path, out_dir, artifacts.CAPTIONED)
        burn_captions(info, cues, style, rules.max_line_chars, video_path,
                      crf=burn_settings.get("crf", 20), preset=burn_settings.get("preset", "veryfast"),
                      on_progress=on_burn_progress, audio_filter=audio_filter)
        outputs["video"] = video_path
    return CaptionResult(cues, qc, outputs, rules)
