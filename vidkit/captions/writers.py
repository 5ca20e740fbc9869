"""Write cues as SRT, WebVTT (plain text, YouTube-safe) and ASS (styled, for burn-in) via pysubs2."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pysubs2

from vidkit.captions.cue import Cue
from vidkit.captions.styles import CaptionStyle
from vidkit.media.output import write_text

_TAG = re.compile(r"<[^>]*>|\{[^}]*\}")
_UNSAFE = re.compile(r"[\\{}<>\x00-\x08\x0b-\x1f\x7f]")

FORMATS = ("srt", "vtt", "ass")


def clean_line(text: str) -> str:
    """Drop markup and characters subtitle formats treat as syntax: sidecars stay plain text."""
    return re.sub(r"\s+", " ", _UNSAFE.sub("", _TAG.sub("", text))).strip()


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def plain_file(cues: Sequence[Cue]) -> pysubs2.SSAFile:
    subs = pysubs2.SSAFile()
    for cue in cues:
        text = r"\N".join(clean_line(line) for line in cue.lines)
        subs.append(pysubs2.SSAEvent(start=_ms(cue.start), end=_ms(cue.end), text=text))
    return subs


def karaoke_text(cue: Cue) -> str | None:
    """`{\\kf}` spans, centiseconds counted from the event start; silences get empty spans
    so the highlight waits for the next word. None when words and lines disagree."""
    counts = [len(line.split()) for line in cue.lines]
    if sum(counts) != len(cue.words) or not cue.words:
        return None
    parts: list[str] = []
    cursor = 0  # centiseconds from event start, kept cumulative so rounding never drifts
    index = 0
    for line_no, count in enumerate(counts):
        spans = []
        for word in cue.words[index : index + count]:
            begin = max(cursor, round((word.start - cue.start) * 100))
            end = max(begin + 1, round((word.end - cue.start) * 100))
            if begin > cursor:
                spans.append(f"{{\\kf{begin - cursor}}}")
            spans.append(f"{{\\kf{end - begin}}}{clean_line(word.text)}")
            cursor = end
        index += count
        parts.append(" ".join(spans))
        if line_no < len(counts) - 1:
            parts.append(r"\N")
    return "".join(parts)


def styled_file(cues: Sequence[Cue], style: CaptionStyle, width: int, height: int,
                max_line_chars: int) -> pysubs2.SSAFile:
    """An ASS file whose PlayRes is the video size, so font sizes are real pixels."""
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": str(width), "PlayResY": str(height), "WrapStyle": "0",
                      "ScaledBorderAndShadow": "yes", "YCbCr Matrix": "TV.709",
                      "Title": "vidkit captions"})
    subs.styles = {"Default": style.to_ssastyle(width, height, max_line_chars)}
    for cue in cues:
        text = karaoke_text(cue) if style.karaoke else None
        if text is None:
            text = r"\N".join(clean_line(line) for line in cue.lines)
        subs.append(pysubs2.SSAEvent(start=_ms(cue.start), end=_ms(cue.end), text=text, style="Default"))
    return subs


def write_plain(cues: Sequence[Cue], path: Path, fmt: str) -> Path:
    """SRT or VTT, UTF-8, no markup (YouTube rejects or shows tags literally)."""
    return write_text(path, plain_file(cues).to_string(fmt))


def write_ass(cues: Sequence[Cue], path: Path, style: CaptionStyle, width: int, height: int,
              max_line_chars: int) -> Path:
    return write_text(path, styled_file(cues, style, width, height, max_line_chars).to_string("ass"))
