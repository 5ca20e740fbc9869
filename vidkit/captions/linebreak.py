"""Line breaking inside one cue, and the break classes the cue builder shares.

Rules (DESIGN.md, Netflix English timed-text style): break after punctuation or before a
conjunction/preposition; never split article+noun, adjective/possessive+noun, first+last name,
pronoun+verb or auxiliary/negation+verb unless no other split exists; prefer balanced lines
with the bottom line not much shorter than the top one.

Lengths are counted in characters (`len` of the Python string), spaces included.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from vidkit.captions.cue import CueRules


class Break(IntEnum):
    """How good a break between two words is; lower is better."""

    SENTENCE = 0  # after . ? !
    CLAUSE = 1  # after , ; : or a dash/ellipsis
    BEFORE_CONJUNCTION = 2  # before a conjunction or preposition
    PLAIN = 3
    BOUND = 4  # splits a pair the rules say to keep together


ARTICLES = frozenset({"a", "an", "the"})
DETERMINERS = frozenset(
    "my your his her its our their this that these those whose every each no some any "
    "another other such own same few many several".split()
)
# Adjectives common in speech; without a tagger, a short list keeps the commonest pairs whole.
ADJECTIVES = frozenset(
    "good bad new old big small little great long short high low young first last next "
    "whole real best worst right left".split()
)
PRONOUNS = frozenset("i you he she we they it".split())
AUXILIARIES = frozenset(
    "am is are was were be been being have has had do does did will would shall should can "
    "could must may might not never cannot don't doesn't didn't can't won't wouldn't "
    "shouldn't couldn't isn't aren't wasn't weren't haven't hasn't hadn't mustn't shan't "
    "i'm you're he's she's it's we're they're i've you've we've they've i'll you'll he'll "
    "she'll it'll we'll they'll i'd you'd he'd she'd we'd they'd".split()
)
CONJUNCTIONS = frozenset(
    "and but or nor so yet because that which who whom when where while if unless until "
    "although though since as than whether after before to of in on at for with from about "
    "into onto over under through between without within during against across along "
    "around behind beyond by like upon toward towards".split()
)
# Titles end with a full stop but bind to the name after them; no sentence ends there.
TITLES = frozenset("mr. mrs. ms. dr. prof. st. mt. jr. sr.".split())
ABBREVIATIONS = TITLES | frozenset("e.g. i.e. etc. vs. approx.".split())

_NOT_NOUNS = PRONOUNS | ARTICLES | DETERMINERS | AUXILIARIES | CONJUNCTIONS

_CLOSERS = "\"')]}»”’"
_OPENERS = "\"'([{«“‘"
_SENTENCE_END = ".?!…"


def _core(word: str) -> str:
    """Lower-cased word without surrounding quotes/punctuation, curly apostrophes made straight."""
    return word.replace("’", "'").strip(_OPENERS + _CLOSERS + ".,;:?!…-—–").lower()


def _trailing_mark(word: str) -> str:
    """The punctuation mark a word ends with ("" if none), looking through closing quotes."""
    stripped = word.rstrip(_CLOSERS)
    if stripped.endswith("..."):
        return "…"
    return stripped[-1] if stripped and not stripped[-1].isalnum() else ""


def _is_capitalised(word: str) -> bool:
    letters = word.lstrip(_OPENERS)
    return bool(letters) and letters[0].isupper()


def ends_sentence(word: str) -> bool:
    """True when the word closes a sentence (. ? !), abbreviations like "Dr." excepted."""
    mark = _trailing_mark(word)
    if mark in "?!":
        return bool(mark)
    return mark == "." and word.rstrip(_CLOSERS).lower().lstrip(_OPENERS) not in ABBREVIATIONS


def classify_break(words: Sequence[str], k: int, *, first_starts_sentence: bool = False) -> Break:
    """Class of a break placed before `words[k]` (1 <= k < len(words)).

    The first+last-name rule needs to know whether `words[k-1]` starts a sentence; with no
    earlier word that is unknown, so the pair is kept whole unless `first_starts_sentence`.
    """
    left, right = words[k - 1], words[k]
    if not any(ch.isalnum() for ch in right):
        return Break.BOUND  # never start a line with a stray dash or ellipsis
    mark = _trailing_mark(left)
    left_core = _core(left)
    if mark:
        if left.rstrip(_CLOSERS).lower().lstrip(_OPENERS) in TITLES:
            return Break.BOUND
        if ends_sentence(left):
            return Break.SENTENCE
        if mark in ",;:…—–-":
            return Break.CLAUSE
    else:
        right_core = _core(right)
        # "that they/the/is": "that" is a conjunction there, not a determiner.
        that_conjunction = left_core == "that" and right_core in _NOT_NOUNS
        if left_core in ARTICLES or left_core in ADJECTIVES:
            return Break.BOUND
        if left_core in DETERMINERS and not that_conjunction:
            return Break.BOUND
        if left_core in PRONOUNS or left_core in AUXILIARIES:
            return Break.BOUND
        if left_core != "i" and _is_capitalised(left) and _is_capitalised(right):
            at_sentence_start = ends_sentence(words[k - 2]) if k >= 2 else first_starts_sentence
            if not at_sentence_start:
                return Break.BOUND
    if _core(right) in CONJUNCTIONS:
        return Break.BEFORE_CONJUNCTION
    return Break.PLAIN


# Penalties for break_lines: a bound split costs more than any shape can save.
_BREAK_COST = {
    Break.SENTENCE: 0.0,
    Break.CLAUSE: 1.0,
    Break.BEFORE_CONJUNCTION: 4.0,
    Break.PLAIN: 10.0,
    Break.BOUND: 1000.0,
}
_IMBALANCE_COST = 0.15  # per character of difference between adjacent lines
_TOP_HEAVY_COST = 0.15  # extra, per character a line is longer than the one below it
_EXTRA_LINE_COST = 30.0  # per line beyond the fewest the words need


def min_line_count(words: Sequence[str], max_line_chars: int) -> int:
    """Fewest lines the words fit in, an overlong word taking a line of its own.

    Greedy filling is optimal here because any part of a fitting line also fits.
    """
    full, current = 0, 0  # finished lines, length of the open line (0 = none open)
    for word in words:
        full, current = fill_step(full, current, len(word), max_line_chars)
    return full + (current > 0)


def fill_step(full: int, current: int, size: int, limit: int) -> tuple[int, int]:
    """Greedy line filling, one word of `size` characters at a time: (finished lines, open length)."""
    if size > limit:
        return full + (current > 0) + 1, 0
    if current == 0:
        return full, size
    if current + 1 + size <= limit:
        return full, current + 1 + size
    return full + 1, size


def break_lines(words: Sequence[str], rules: CueRules) -> tuple[str, ...]:
    """Split one cue's words into at most `rules.max_lines` lines of `rules.max_line_chars`.

    Words are joined by single spaces and stay whole: a word longer than the limit gets a
    line of its own (a forced overrun). Raises ValueError when the words need more lines
    than `rules.max_lines`. Pure function.
    """
    words = [w.strip() for w in words if w.strip()]
    if not words:
        return ()
    limit = rules.max_line_chars
    one_line = " ".join(words)
    if len(one_line) <= limit or len(words) == 1:
        return (one_line,)
    fewest = min_line_count(words, limit)
    if fewest > rules.max_lines:
        raise ValueError(
            f"{len(one_line)} characters need {fewest} lines of {limit}; "
            f"only {rules.max_lines} allowed: split the cue first"
        )
    n = len(words)
    prefix = [0]
    for word in words:
        prefix.append(prefix[-1] + len(word))

    def width(a: int, b: int) -> int:
        return prefix[b] - prefix[a] + (b - a - 1)

    break_cost = [0.0] + [_BREAK_COST[classify_break(words, k)] for k in range(1, n)]

    def partitions(start: int, lines_left: int):
        """Line ends for words[start:], every line fitting (an overlong word alone)."""
        for end in range(start + 1, n + 1):
            if end - start > 1 and width(start, end) > limit:
                break
            if end == n:
                yield (n,)
            elif lines_left > 1:
                for rest in partitions(end, lines_left - 1):
                    yield (end, *rest)

    best_cost, best_bounds = float("inf"), (0, n)
    for ends in partitions(0, rules.max_lines):
        bounds = (0, *ends)
        widths = [width(a, b) for a, b in zip(bounds, bounds[1:])]
        cost = sum(break_cost[k] for k in ends[:-1])
        cost += _EXTRA_LINE_COST * (len(ends) - fewest)
        for upper, lower in zip(widths, widths[1:]):
            cost += _IMBALANCE_COST * abs(upper - lower) + _TOP_HEAVY_COST * max(0, upper - lower)
        if cost < best_cost:
            best_cost, best_bounds = cost, bounds
    return tuple(" ".join(words[a:b]) for a, b in zip(best_bounds, best_bounds[1:]))
