"""Which source frame fills each frame of a clip.

A clip is one or more spans of source time (several when pauses are trimmed out), played back
to back at a constant frame rate. Output frame k of a span shows the latest source frame whose
time is at most half a frame after the span's k-th tick, so a constant-rate source gives its
own frames one for one, and a variable-rate source is resampled to a steady clock (frames
repeat or drop; the audio is cut to the same clock, so it stays in sync).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from vidkit.errors import ProcessingError


@dataclass(frozen=True)
class Span:
    """A kept piece of the source: `start` is the time of its first frame, `frames` at `rate`."""

    start: float
    frames: int
    rate: Fraction

    @property
    def duration(self) -> float:
        return float(self.frames / self.rate)

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class Schedule:
    rate: Fraction
    pts: tuple[int, ...]  # source pts shown by each output frame
    times: tuple[float, ...]  # ... and its source time, seconds
    spans: tuple[Span, ...]

    @property
    def frames(self) -> int:
        return len(self.pts)

    @property
    def duration(self) -> float:
        return float(self.frames / self.rate)

    def clip_ranges(self, start: float, end: float) -> list[tuple[float, float]]:
        """Where source time [start, end) lands in the clip, seconds (empty if it was cut)."""
        found, offset = [], 0.0
        for span in self.spans:
            lo, hi = max(start, span.start), min(end, span.end)
            if hi > lo:
                found.append((offset + lo - span.start, offset + hi - span.start))
            offset += span.duration
        return found

    def span_of(self, index: int) -> int:
        """Which span output frame `index` belongs to."""
        total = 0
        for number, span in enumerate(self.spans):
            total += span.frames
            if index < total:
                return number
        return len(self.spans) - 1


def build_schedule(frames: Sequence[tuple[int, float]], wanted: Sequence[tuple[float, float]],
                   rate: Fraction) -> Schedule:
    """`frames`: (pts, seconds) of the source's video frames, sorted by time; `wanted`: sorted,
    disjoint (start, end) spans in seconds. Each span gets length × rate frames, rounded half
    up (at least one)."""
    if not frames:
        raise ProcessingError("the source has no video frames in the requested range")
    times = [t for _, t in frames]
    step = float(1 / rate)
    half = step / 2
    pts: list[int] = []
    shown: list[float] = []
    spans: list[Span] = []
    for start, end in wanted:
        count = max(1, int((end - start) / step + 0.5 + 1e-9))  # half a frame rounds up
        first = None
        for k in range(count):
            tick = start + k * step
            # latest frame at or before tick + half; before the first frame, the first frame
            at = max(0, bisect.bisect_right(times, tick + half + 1e-9) - 1)
            if first is None:
                first = times[at]
            pts.append(frames[at][0])
            shown.append(times[at])
        spans.append(Span(first, count, rate))
    return Schedule(rate, tuple(pts), tuple(shown), tuple(spans))
