"""The ffmpeg audio filter that silences or bleeps redacted speech.

Pure: it builds a filter string for `ffmpeg -af`; running ffmpeg is the caller's job.

ffmpeg's timeline option (`enable=EXPR`) switches a filter on for whole audio frames whose
start time satisfies EXPR, and passes every other frame through untouched. So the audio
outside the ranges keeps its samples exactly (the encoder afterwards is the only change).
Three choices follow from that:

- frames are cut to `FRAME_SAMPLES` first, and each range starts `FRAME_SLACK` seconds
  early, so a frame that overlaps the start of a range is covered too (never a leak of
  the first syllable);
- `aeval` (a 1 kHz sine) replaces the frames for a bleep, `volume=0` for a mute; both only
  compute inside the ranges, so hundreds of ranges cost little;
- ranges are split over chained filters of at most `RANGES_PER_FILTER` each, and each
  expression first tests its chunk's overall span (`if` is lazy), which keeps every
  expression short and the per-frame work small for long recordings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

MODES = ("bleep", "mute")
DEFAULT_PADDING = 0.15  # seconds added before and after each range
BLEEP_HZ = 1000
BLEEP_LEVEL = 0.25  # peak amplitude (about -12 dBFS): clearly a bleep, not painfully loud
FRAME_SAMPLES = 512
FRAME_SLACK = FRAME_SAMPLES / 8000  # one frame at the lowest common sample rate, seconds
RANGES_PER_FILTER = 40


class TimedItem(Protocol):
    """Anything with the audio range to silence (a RedactionItem)."""

    audio_start: float
    audio_end: float


def audio_ranges(items: Iterable[TimedItem], duration: float,
                 padding: float = DEFAULT_PADDING) -> list[tuple[float, float]]:
    """The items' audio ranges widened by `padding` seconds each side, clipped to
    [0, duration] (no upper clip when duration <= 0), sorted and merged where they overlap."""
    if padding < 0:
        raise ValueError(f"padding must be 0 or more seconds, got {padding}")
    spans = []
    for item in items:
        start = max(0.0, item.audio_start - padding)
        end = item.audio_end + padding
        if duration > 0:
            end = min(end, duration)
        if end > start:
            spans.append((start, end))
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def bleep_filter(items: Iterable[TimedItem], duration: float, mode: str = "bleep",
                 padding: float = DEFAULT_PADDING) -> str | None:
    """An `ffmpeg -af` filter that mutes or bleeps each item's audio range (seconds) plus
    `padding`; None when there is nothing to redact. `mode` is "bleep" or "mute"."""
    if mode not in MODES:
        raise ValueError(f"audio mode must be one of {', '.join(MODES)}, got {mode!r}")
    ranges = audio_ranges(items, duration, padding)
    if not ranges:
        return None
    if mode == "bleep":
        # One expression for every channel (aeval repeats the last one); `c=same` keeps the layout.
        replace = f"aeval=exprs={BLEEP_LEVEL}*sin(2*PI*{BLEEP_HZ}*t):c=same"
    else:
        replace = "volume=volume=0"
    chain = [f"asetnsamples=n={FRAME_SAMPLES}:p=0"]
    for chunk in _chunks(ranges, RANGES_PER_FILTER):
        chain.append(f"{replace}:enable='{_enable_expression(chunk)}'")
    return ",".join(chain)


def _chunks(ranges: Sequence[tuple[float, float]], size: int) -> Iterable[Sequence[tuple[float, float]]]:
    for index in range(0, len(ranges), size):
        yield ranges[index:index + size]


def _enable_expression(ranges: Sequence[tuple[float, float]]) -> str:
    # A frame is switched on when it starts inside a range, or up to one frame before it.
    terms = "+".join(f"between(t,{_seconds(a - FRAME_SLACK)},{_seconds(b)})" for a, b in ranges)
    if len(ranges) == 1:
        return terms
    low, high = ranges[0][0] - FRAME_SLACK, ranges[-1][1]
    return f"if(between(t,{_seconds(low)},{_seconds(high)}),{terms},0)"


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.4f}".rstrip("0").rstrip(".") or "0"
