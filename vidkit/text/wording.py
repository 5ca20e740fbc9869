"""Word-level text tools for choosing clips: normalised tokens, a bag of content words,
cosine similarity and glossary-term counting. Pure functions, no IO."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_DASHES = re.compile(r"[-–—/]")
_NOT_WORD = re.compile(r"[^\w\s]|_")

# Function words and spoken fillers: they say nothing about the topic. "left", "right" and
# "back" stay in: they are content in a therapy session.
STOPWORDS = frozenset("""
a about after again all also am an and any are as at be because been before being both but
by can could did do does doing done down each even for from get gets getting go goes going gonna
good got had has have having he her here him his how i if in into is it its just know let lets
like little lot me more most much my no not now of off ok okay on one only or our out over please
really so some still than that thats the their them then there these they thing things
this those through to too uh um up us very want was way we well were what when where which while
who why will with would yeah yes you your youre
""".split())

# Content words (about 15 s of talk) on each side of a gap compared for a change of topic, in
# clip selection and in chapters alike.
BLOCK_WORDS = 15
_SUFFIXES = ("ingly", "edly", "ing", "ed", "ies", "sses", "es", "s", "ly")
_KEEP_DOUBLE = frozenset("lsz")


def normalise(text: str) -> str:
    """Lowercase words without punctuation, single spaces: "Don't stop, Maria!" → "dont stop maria"."""
    cleaned = _DASHES.sub(" ", text.lower().replace("’", "'"))
    return " ".join(_NOT_WORD.sub("", cleaned).split())


def stem(word: str) -> str:
    """A crude suffix stem so that "steps"/"stepping"/"step" and "balances"/"balance" agree."""
    for suffix in _SUFFIXES:
        if suffix == "s" and word.endswith("ss"):
            break  # "harness", "class": not plurals
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "ss" if suffix == "sses" else "")
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _KEEP_DOUBLE and word[-1] not in "aeiou":
        word = word[:-1]  # "stepp" (from "stepping") → "step"
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]  # "exercise" and "exercis(ing)" meet at "exercis"
    return word


def stems(text: str) -> list[str]:
    """Stems of every word of `text`, stopwords included (glossary terms may hold them)."""
    return [stem(w) for w in normalise(text).split()]


def content_bag(text: str) -> Counter[str]:
    """Stems of the content words (not stopwords, at least 3 letters, not numbers)."""
    words = normalise(text).split()
    return Counter(stem(w) for w in words if len(w) >= 3 and w not in STOPWORDS and not w.isdigit())


def cosine(first: Counter[str], second: Counter[str]) -> float:
    """Cosine similarity of two bags of words, 0 (nothing shared) to 1; 0 when either is empty."""
    if not first or not second:
        return 0.0
    if len(first) > len(second):
        first, second = second, first
    dot = sum(count * second[word] for word, count in first.items() if word in second)
    norm = math.sqrt(sum(c * c for c in first.values())) * math.sqrt(sum(c * c for c in second.values()))
    return dot / norm


def term_patterns(terms: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(term as written, its stems) for each glossary term that has words; duplicates dropped."""
    patterns: dict[tuple[str, ...], str] = {}
    for term in terms:
        key = tuple(stems(term))
        if key and key not in patterns:
            patterns[key] = term.strip()
    return [(name, key) for key, name in patterns.items()]


def find_terms(text: str, patterns: Sequence[tuple[str, tuple[str, ...]]]) -> list[str]:
    """The glossary terms mentioned in `text`, once per mention, in the order they occur."""
    words = stems(text)
    found: list[tuple[int, str]] = []
    for name, key in patterns:
        size = len(key)
        found += [(i, name) for i in range(len(words) - size + 1) if tuple(words[i:i + size]) == key]
    return [name for _, name in sorted(found)]
