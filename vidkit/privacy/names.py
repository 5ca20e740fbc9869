"""Find roster names among transcript words.

Words and names are compared folded: lower case, accents removed (José = Jose), punctuation
and a possessive 's dropped, a plural/genitive s or es tried off (Marias, Jansens).
A word is a name of roster person P when one of these holds:

1. **exact**: it equals one of P's name parts (first, last, alias; hyphenated parts apart);
2. **spelling**: both are 5+ letters, similarity >= 0.8 (one edit in 5-9 letters, two in 10+),
   and they share the first letter or the sound key (Jansen ~ Janssen, Marie ~ Maria);
3. **sound**: the same sound key (Soundex-like), similarity >= 0.5 and 4+ letters, where the
   word reads as a name: capitalised mid-sentence, or next to another name of P
   (ASR hears "Maria Jansen" as "Maria Johnson"; "Jansson" mid-sentence).

Everyday words (`common_words.COMMON_WORDS`: "mark", "will", "more", "meter") never match by
rules 2-3. A roster name that is itself an everyday word (Will, Grace, Mark) matches by rule
1 only where it is capitalised or next to another name of the same person: "Grace, lift
your knee" is redacted, "with grace" is not. Name particles (van, de, der, ...) and
lower-case sound-alikes count only next to another name of the same person. A false positive
costs a word in the captions; a miss leaks a name, so where speech and spelling disagree
(sentence-initial "Will you...") the rule errs towards redacting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from vidkit.privacy.common_words import COMMON_WORDS
from vidkit.privacy.roster import Roster

SPELLING_SIMILARITY = 0.8
SOUND_SIMILARITY = 0.5
PARTICLES = frozenset("van von der den de del della di da du la le ter ten te het bin ibn al el "
                      "st mac mc".split())

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
                       "þ": "th", "ı": "i", "’": "'", "‘": "'"})
_SPLIT = re.compile(r"[\s\-‐–—/]+")
_SOUND_CLASSES = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"),
                  **dict.fromkeys("dt", "3"), "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}
_SENTENCE_END = ".?!…"
_CLOSERS = "\"')]}»”’"

_NONE, _WEAK, _STRONG = 0, 1, 2


def fold(text: str) -> str:
    """Lower case without accents: "José" -> "jose", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_parts(text: str) -> list[str]:
    """The folded parts of a word or name: split at spaces and hyphens, outer punctuation and
    a possessive 's removed, inner apostrophes and dots dropped ("O'Brien's" -> ["obrien"])."""
    folded = fold(text)
    parts = []
    for piece in _SPLIT.split(folded):
        piece = _strip_outer(piece)
        if piece.endswith("'s"):
            piece = piece[:-2]
        piece = re.sub(r"[^\w]|_", "", piece)
        if piece:
            parts.append(piece)
    return parts


def _strip_outer(text: str) -> str:
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] != "'":
        end -= 1
    core = text[start:end]
    return core[:-1] if core.endswith("'") else core  # "Jansens'" -> "jansens"


def sound_key(word: str) -> str:
    """A Soundex-like key over folded letters: consonant classes, repeats merged unless a
    vowel separates them, a leading vowel marked "0" ("jansen", "johnson" -> "2525")."""
    key = "0" if word[:1] in "aeiouy" else ""
    previous = None
    for ch in word:
        code = _SOUND_CLASSES.get(ch)
        if code is None:
            if ch not in "hw":
                previous = None
            continue
        if code != previous:
            key += code
        previous = code
    return key


def similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / longer length: 1.0 equal, 0.0 nothing alike."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1.0 - previous[-1] / max(len(a), len(b))


def _inflections(part: str) -> list[str]:
    forms = [part]
    if part.endswith("es") and len(part) > 4:
        forms.append(part[:-2])
    if part.endswith("s") and len(part) > 3:
        forms.append(part[:-1])
    return forms


@dataclass(frozen=True)
class _NamePart:
    text: str
    person: int
    weak: bool  # a particle: a name only next to another name
    common: bool  # an everyday word too: a name only when it reads as one


def _roster_parts(roster: Roster) -> list[_NamePart]:
    parts: dict[tuple[str, int], _NamePart] = {}
    for person, entry in enumerate(roster.people):
        for name in entry.names:
            for part in name_parts(name):
                if len(part) < 2:  # an initial
                    continue
                parts[(part, person)] = _NamePart(part, person, part in PARTICLES, part in COMMON_WORDS)
    return list(parts.values())


def _is_capitalised(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return bool(letters) and letters[0].isupper()


def sentence_starts(words: Sequence[str], segment_starts: Sequence[bool]) -> list[bool]:
    """Whether each word opens a sentence: first of its segment, or after . ? ! …"""
    starts = []
    for index, word in enumerate(words):
        previous = words[index - 1].rstrip(_CLOSERS) if index else ""
        starts.append(segment_starts[index] or not previous or previous[-1] in _SENTENCE_END)
    return starts


def _evidence(word: str, sentence_start: bool, parts: Sequence[_NamePart]) -> dict[int, int]:
    """Per roster person, how strongly `word` is one of their names (_NONE/_WEAK/_STRONG)."""
    found: dict[int, int] = {}
    capitalised = _is_capitalised(word)
    for form in name_parts(word):
        forms = _inflections(form)
        everyday = form in COMMON_WORDS
        for part in parts:
            level = _NONE
            if part.text in forms:
                level = _WEAK if part.weak or (part.common and not capitalised) else _STRONG
            elif not everyday and not part.weak and len(form) >= 4 and len(part.text) >= 4:
                level = _fuzzy_level(forms, part.text, capitalised and not sentence_start)
            if level > found.get(part.person, _NONE):
                found[part.person] = level
    return {person: level for person, level in found.items() if level}


def _fuzzy_level(forms: Sequence[str], name: str, reads_as_name: bool) -> int:
    level = _NONE
    name_key = sound_key(name)
    for form in forms:
        score = similarity(form, name)
        same_sound = sound_key(form) == name_key
        if (min(len(form), len(name)) >= 5 and score >= SPELLING_SIMILARITY
                and (form[0] == name[0] or same_sound)):
            return _STRONG
        if same_sound and score >= SOUND_SIMILARITY and len(form) >= 4:
            level = _STRONG if reads_as_name else _WEAK
    return level


def _joined_evidence(first: str, second: str, parts: Sequence[_NamePart]) -> set[int]:
    """People one of whose names the two words spell together ("Jan sen" -> jansen)."""
    joined = "".join(name_parts(first) + name_parts(second))
    forms = _inflections(joined)
    return {p.person for p in parts if not p.weak and not p.common and len(p.text) >= 5
            and p.text in forms}


def find_names(words: Sequence[str], starts: Sequence[bool], roster: Roster) -> list[bool]:
    """For each word (text as transcribed), whether it is (part of) a roster name.

    `starts[i]` says word i opens a sentence (see `sentence_starts`)."""
    parts = _roster_parts(roster)
    evidence = [_evidence(word, start, parts) for word, start in zip(words, starts)]
    named: list[set[int]] = [{p for p, level in found.items() if level == _STRONG} for found in evidence]
    for index in range(len(words) - 1):
        if not named[index] and not named[index + 1]:
            people = _joined_evidence(words[index], words[index + 1], parts)
            named[index] |= people
            named[index + 1] |= people
    # Weak evidence counts next to a name of the same person; repeat so chains grow
    # ("Maria van der Berg": van, der).
    changed = True
    while changed:
        changed = False
        for index, found in enumerate(evidence):
            neighbours = set()
            if index > 0:
                neighbours |= named[index - 1]
            if index + 1 < len(words):
                neighbours |= named[index + 1]
            people = {p for p in found if p in neighbours} - named[index]
            if people:
                named[index] |= people
                changed = True
    return [bool(people) for people in named]
