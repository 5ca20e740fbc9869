"""Cue and the rules cues are built to (DESIGN.md, Netflix English timed-text style)."""

from __future__ import annotations

from dataclasses import dataclass

from vidkit.transcript import Word


@dataclass(frozen=True)
class CueRules:
    max_line_chars: int = 42
    max_lines: int = 2
    max_cps: float = 20.0  # characters per second, spaces counted, line breaks not
    min_duration: float = 5 / 6  # seconds
    max_duration: float = 7.0  # seconds
    min_gap_frames: int = 2
    fps: float = 25.0  # frame rate used for the gap rule
    close_gap: float = 0.5  # gaps shorter than this are closed to min_gap_frames
    low_probability: float = 0.5  # words below are listed by QC

    @property
    def min_gap(self) -> float:
        return self.min_gap_frames / self.fps


@dataclass(frozen=True)
class Cue:
    """One caption event: `lines` are displayed stacked; `words` keep their own timings."""

    start: float
    end: float
    lines: tuple[str, ...]
    words: tuple[Word, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def chars(self) -> int:
        """Characters counted for reading speed: line breaks count as one space."""
        return len(" ".join(self.lines))

    @property
    def cps(self) -> float:
        return self.chars / self.duration if self.duration > 0 else float("inf")
