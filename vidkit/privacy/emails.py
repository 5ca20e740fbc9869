"""E-mail addresses among transcript words: any address identifies someone, roster or not.

Whisper writes an address as one word ("maria.jansen@example.org,"), splits it where it
heard a pause ("maria.jansen" "@example.org", "maria." "jansen@example.org"), or writes
what was said ("maria dot jansen at example dot org"). All three are found, and an address
is one span over all of its words, so its bleep covers every word.

Spoken addresses need a known top-level domain at the end ("dot org") and a local part that
is not an everyday word, so "look at the screen" and "meet me at home dot com" stay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vidkit.privacy.common_words import COMMON_WORDS
from vidkit.privacy.names import fold

_ADDRESS = re.compile(r"[\w.%+\-]+@(?:[\w\-]+\.)+[^\W\d_]{2,}")
_COMPLETE = re.compile(_ADDRESS.pattern + "$")
AT_WORDS = frozenset({"at", "apenstaartje", "klammeraffe"})
DOT_WORDS = frozenset({"dot", "punt", "punkt"})
CONNECTORS = {"dot": ".", "punt": ".", "punkt": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
TOP_LEVEL_DOMAINS = frozenset(
    "com org net edu gov mil int info biz io co me app dev ai nl de be uk eu fr es it ch at se "
    "no dk fi pl pt ie lu us ca au nz za in jp cn ru br mx".split())
MAX_SPOKEN_PARTS = 6  # words each side of a spoken "at" that may belong to the address

_LABEL = re.compile(r"^[\w][\w.+\-]*$")
_OUTER = "\"'“”‘’«»()[]{}<>.,;:!?…"
_BREAK = ',;:!?…."”)'  # punctuation after a word that ends a spoken address


def find_emails(words: Sequence[str]) -> list[tuple[int, int, str]]:
    """Spans `(first_word, last_word + 1, "email")` of e-mail addresses among `words` (texts
    as transcribed), written or spoken, in order and not overlapping."""
    spans = sorted(set(_written(words)) | set(_spoken(words)))
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end), kind)
        else:
            merged.append((start, end, kind))
    return merged


def _written(words: Sequence[str]) -> list[tuple[int, int, str]]:
    """Addresses with an @, also split over words: runs of words joined where one ends or
    the next starts with @ or a dot are searched as one text."""
    spans = []
    start = 0
    for index in range(1, len(words) + 1):
        if index < len(words) and _glued(words[start:index], words[index]):
            continue
        if any("@" in word for word in words[start:index]):
            spans.extend(_addresses_in(words, start, index))
        start = index
    return spans


def _glued(run: Sequence[str], following: str) -> bool:
    previous = run[-1]
    if previous.endswith("@") or following.startswith(("@", ".")):
        return True
    if not previous.endswith(".") or not following[:1].isalnum() or following[:1].isupper():
        return False  # a space, or a new sentence: not the rest of an address
    # "maria@example.org. then": the address was complete before the full stop.
    return not _COMPLETE.search("".join(run)[:-1])


def _addresses_in(words: Sequence[str], start: int, end: int) -> list[tuple[int, int, str]]:
    text, owners = "", []
    for index in range(start, end):
        text += words[index]
        owners += [index] * len(words[index])
    return [(owners[m.start()], owners[m.end() - 1] + 1, "email") for m in _ADDRESS.finditer(text)]


def _spoken(words: Sequence[str]) -> list[tuple[int, int, str]]:
    """"maria dot jansen at example dot org", "m.jansen at example.org"."""
    tokens = [fold(word).strip(_OUTER) for word in words]
    spans = []
    for at, token in enumerate(tokens):
        if token not in AT_WORDS or at == 0 or _ends_phrase(words[at - 1]):
            continue
        local = _local_part(words, tokens, at)
        domain = _domain(words, tokens, at)
        if local is None or domain is None:
            continue
        first, local_text = local
        end, domain_text = domain
        if _ADDRESS.fullmatch(f"{local_text}@{domain_text}"):
            spans.append((first, end, "email"))
    return spans


def _ends_phrase(word: str) -> bool:
    return not word or word[-1] in _BREAK


def _local_part(words: Sequence[str], tokens: Sequence[str], at: int) -> tuple[int, str] | None:
    first = at - 1
    if not _LABEL.match(tokens[first]):
        return None
    text, joined = tokens[first], False
    while (first >= 2 and at - first < MAX_SPOKEN_PARTS and tokens[first - 1] in CONNECTORS
           and _LABEL.match(tokens[first - 2]) and not _ends_phrase(words[first - 2])
           and not _ends_phrase(words[first - 1])):
        text = tokens[first - 2] + CONNECTORS[tokens[first - 1]] + text
        first, joined = first - 2, True
    written = any(ch in tokens[at - 1] for ch in "._+")
    if not (joined or written) and (text in COMMON_WORDS or len(text) < 2):
        return None  # "look at", "me at", a spelled letter: not an address
    return first, text


def _domain(words: Sequence[str], tokens: Sequence[str], at: int) -> tuple[int, str] | None:
    last = at + 1
    if last >= len(tokens) or not _LABEL.match(tokens[last]):
        return None
    text = tokens[last]
    while (last + 2 < len(tokens) and last - at < MAX_SPOKEN_PARTS and tokens[last + 1] in DOT_WORDS
           and _LABEL.match(tokens[last + 2]) and not _ends_phrase(words[last])
           and not _ends_phrase(words[last + 1])):
        text += "." + tokens[last + 2]
        last += 2
    if "." not in text or text.rsplit(".", 1)[-1] not in TOP_LEVEL_DOMAINS:
        return None
    return last + 1, text
