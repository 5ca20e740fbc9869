"""Quality check of cues against the caption rules, telling forced from avoidable breaches.

A violation is `forced` when the words themselves made it unavoidable for this cue, given
where the next cue starts: an overlong single word, speech too fast for all the time up to
the next cue, no room before the next cue, a single word longer than `max_duration`.
Gap and overlap violations are never forced. Times are seconds; comparisons allow
`TOLERANCE` seconds (or cps) of rounding.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from vidkit.captions.cue import Cue, CueRules
from vidkit.transcript import Word

TOLERANCE = 1e-6

RULES = ("line_length", "line_count", "cps", "min_duration", "max_duration", "gap", "overlap")


@dataclass(frozen=True)
class Violation:
    """One cue breaking one rule: `value` against `limit` (characters, lines, cps or seconds)."""

    cue_index: int
    rule: str
    value: float
    limit: float
    forced: bool
    reason: str


@dataclass(frozen=True)
class LowProbabilityWord:
    """A word the recogniser was unsure of; `cue_index` is None when no cue shows it."""

    start: float
    end: float
    text: str
    probability: float
    cue_index: int | None


@dataclass(frozen=True)
class QCReport:
    cue_count: int
    violations: tuple[Violation, ...]
    low_probability_words: tuple[LowProbabilityWord, ...]

    @property
    def unforced(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if not v.forced)

    @property
    def ok(self) -> bool:
        """True when every violation was forced by the words."""
        return not self.unforced

    @property
    def summary(self) -> dict[str, int]:
        return {
            "cues": self.cue_count,
            "violations": len(self.violations),
            "unforced_violations": len(self.unforced),
            "low_probability_words": len(self.low_probability_words),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "summary": self.summary,
            "violations": [asdict(v) for v in self.violations],
            "low_probability_words": [asdict(w) for w in self.low_probability_words],
        }


def check_cues(
    cues: Sequence[Cue], rules: CueRules, words: Sequence[Word] | None = None
) -> QCReport:
    """Check every cue against every rule and list low-probability words.

    `words` defaults to the words the cues hold; pass the transcript's words to also list
    unsure words that no cue shows.
    """
    violations: list[Violation] = []
    for index, cue in enumerate(cues):
        following = cues[index + 1] if index + 1 < len(cues) else None
        violations.extend(_check_cue(index, cue, following, rules))
    held = {_key(w): i for i, cue in enumerate(cues) for w in cue.words}
    if words is None:
        words = [w for cue in cues for w in cue.words]
    starts = [c.start for c in cues]

    def cue_of(word: Word) -> int | None:
        key = _key(word)
        return held[key] if key in held else _cue_at(cues, starts, word)

    low = tuple(
        LowProbabilityWord(w.start, w.end, w.text.strip(), w.probability, cue_of(w))
        for w in words
        if w.probability < rules.low_probability and w.text.strip()
    )
    return QCReport(len(cues), tuple(violations), low)


def _key(word: Word) -> tuple[float, float, str]:
    return (word.start, word.end, word.text.strip())


def _cue_at(cues: Sequence[Cue], starts: list[float], word: Word) -> int | None:
    """Index of the cue on screen at the word's start, if any (cues sorted by start)."""
    index = bisect_right(starts, word.start + TOLERANCE) - 1
    if index >= 0 and word.start <= cues[index].end + TOLERANCE:
        return index
    return None


def _room(cue: Cue, following: Cue | None, rules: CueRules) -> float:
    """Longest this cue could stay up: to the next cue less the gap, capped (seconds)."""
    room = rules.max_duration
    if following is not None:
        room = min(room, following.start - rules.min_gap - cue.start)
    return room


def _check_cue(index: int, cue: Cue, following: Cue | None, rules: CueRules) -> list[Violation]:
    found = []

    def add(rule: str, value: float, limit: float, forced: bool, reason: str) -> None:
        found.append(Violation(index, rule, value, limit, forced, reason))

    limit = rules.max_line_chars
    long_lines = [line for line in cue.lines if len(line) > limit]
    if long_lines:
        word_texts = {w.text.strip() for w in cue.words}
        single = all(" " not in line or line in word_texts for line in long_lines)
        reason = (
            "a single word is longer than a line"
            if single
            else "a line with several words is too long: break it elsewhere or split the cue"
        )
        add("line_length", max(map(len, long_lines)), limit, single, reason)

    if len(cue.lines) > rules.max_lines:
        add("line_count", len(cue.lines), rules.max_lines, False, "too many lines: split the cue")

    room = _room(cue, following, rules)
    if cue.cps > rules.max_cps + TOLERANCE:
        forced = room <= 0 or cue.chars / room > rules.max_cps + TOLERANCE
        reason = (
            "speech too fast even with all the time up to the next cue"
            if forced
            else "extend the cue into the silence after it or split it differently"
        )
        add("cps", cue.cps, rules.max_cps, forced, reason)

    if cue.duration < rules.min_duration - TOLERANCE:
        forced = following is not None and room < rules.min_duration - TOLERANCE
        reason = "the next cue starts too soon" if forced else "extend the cue"
        add("min_duration", cue.duration, rules.min_duration, forced, reason)

    if cue.duration > rules.max_duration + TOLERANCE:
        forced = any(w.end - w.start > rules.max_duration + TOLERANCE for w in cue.words)
        reason = "a single word lasts longer" if forced else "shorten or split the cue"
        add("max_duration", cue.duration, rules.max_duration, forced, reason)

    if following is not None:
        gap = following.start - cue.end
        if gap < -TOLERANCE:
            add("overlap", -gap, 0.0, False, "overlaps the next cue: end it earlier")
        elif gap < rules.min_gap - TOLERANCE:
            add("gap", gap, rules.min_gap, False, "too close to the next cue: end it earlier")
    return found
