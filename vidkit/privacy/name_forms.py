"""Roster names written other than as plain words: handles and spelled-out names.

`names.find_names` reads a word as one name. People also give their name as a handle or a
user name ("maria_jansen84", "MariaJansen", "@mjansen", "jansen_m") or spell it out, and
Whisper writes that as "J-A-N-S-E-N", "J. A. N. S. E. N." or one letter per word.

- **handles**: a word with `_ . @ #`, digits or a CamelCase step inside is cut into its letter
  runs, which are read as words by `find_names` ("maria_jansen84" -> maria, jansen); any word
  is a name when, folded and with only its letters kept, it holds a first and a last name of
  one person run together ("mariajansen", "annavanderberg"), or it is a last name with the
  person's initial before it ("mjansen"), or a hyphenated roster name run together
  ("annemarie"). Names are never searched inside other words one by one: "annual" does not
  hold Anna, "mariachi" does not hold Maria.
- **spelled out**: words made of single letters, alone or over consecutive words, are joined;
  where the letters spell a roster name (folded: "J O S E" is José), every word of it is a
  name, so the item and its bleep cover all of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vidkit.privacy.common_words import COMMON_WORDS
from vidkit.privacy.names import PARTICLES, find_names, fold, name_parts
from vidkit.privacy.roster import Roster

MIN_RUN_TOGETHER = 6  # letters of a first+last name found inside a longer word
MIN_INITIAL_SURNAME = 4  # letters of a last name that takes an initial ("mjansen")
MIN_SPELLED_INSIDE = 3  # letters of a name found inside longer spelled-out letters
SHORT_RUNS = 3  # a handle with no more letters than this is a name only if one run is a name part

_CAMEL = re.compile(r"(?<=[^\W\d_])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])")
_LETTER_RUNS = re.compile(r"[^\W\d_]+")
_HANDLE_MARKS = re.compile(r"[_@#]|[^\W_]\.[^\W_]|[^\W\d_]\d|\d[^\W\d_]|[a-z][A-Z]")
_SPELLING_GAPS = re.compile(r"[\s.\-‐–,·]+")
_OUTER = "\"'“”‘’«»()[]{}<>,;:!?…"


@dataclass(frozen=True)
class _Forms:
    whole: frozenset[str]  # what a word's letters, or one of its letter runs, may equal
    inside: re.Pattern[str] | None  # full names run together, searched inside words
    spelled: frozenset[str]  # what spelled-out letters may spell
    parts: frozenset[str]  # every name part, particles too


def _letters(text: str) -> str:
    return "".join(_LETTER_RUNS.findall(fold(text)))


def _forms(roster: Roster) -> _Forms:
    whole: set[str] = set()
    inside: set[str] = set()
    spelled: set[str] = set()
    parts: set[str] = set()
    for person in roster.people:
        given: set[str] = set()
        family: set[str] = set()
        for name in person.names:
            words = name.split()
            parts.update(name_parts(name))
            spelled.update(p for p in name_parts(name) if len(p) >= 2 and p not in PARTICLES)
            for word in words:
                if "-" in word and len(_letters(word)) >= 5:  # Anne-Marie -> "annemarie"
                    whole.add(_letters(word))
                    spelled.add(_letters(word))
            given.add(_letters(words[0]))
            given.update(name_parts(words[0]))
            if len(words) > 1:
                family.add(_letters("".join(words[1:])))  # "van der Berg" -> "vanderberg"
                for word in words[1:]:
                    if fold(word) not in PARTICLES:
                        family.add(_letters(word))
                        family.update(p for p in name_parts(word) if p not in PARTICLES)
        given = {g for g in given if len(g) >= 2}
        family = {f for f in family if len(f) >= 2}
        together = {g + f for g in given for f in family}
        whole |= together
        inside |= {t for t in together if len(t) >= MIN_RUN_TOGETHER}
        whole |= {g[0] + f for g in given for f in family if len(f) >= MIN_INITIAL_SURNAME}
    whole -= COMMON_WORDS
    pattern = re.compile("|".join(sorted(map(re.escape, inside), key=len, reverse=True))) if inside else None
    return _Forms(frozenset(whole), pattern, frozenset(spelled), frozenset(parts))


def find_name_forms(words: Sequence[str], roster: Roster) -> list[bool]:
    """For each word (text as transcribed), whether it is a roster name written as a handle,
    run together, or spelled out (see the module docstring). Linear in the words."""
    forms = _forms(roster)
    found = _spelled(words, forms)
    handles: dict[int, list[str]] = {}  # word index -> its letter runs, read as words below
    for index, word in enumerate(words):
        if found[index]:
            continue
        letters = _letters(word)
        if len(letters) < 2:
            continue
        if _matches_whole(letters, forms) or (forms.inside is not None and forms.inside.search(letters)):
            found[index] = True
            continue
        core = word.strip(_OUTER).rstrip(".")
        if _HANDLE_MARKS.search(core):
            runs = _LETTER_RUNS.findall(_CAMEL.sub(" ", core))
            if any(_matches_whole(fold(run), forms) for run in runs):
                found[index] = True
            elif len("".join(runs)) > SHORT_RUNS or any(fold(run) in forms.parts for run in runs):
                handles[index] = runs  # "12th", "10am", "e.g.": too short to be a name, unless one is
    for index in _names_among_runs(handles, roster):
        found[index] = True
    return found


def _names_among_runs(handles: dict[int, list[str]], roster: Roster) -> set[int]:
    """The handles one of whose letter runs `find_names` reads as a name; one call for all of
    them (a "|" between handles keeps each one's runs apart), so the cost stays linear."""
    runs: list[str] = []
    starts: list[bool] = []
    owners: list[int] = []
    for index, pieces in handles.items():
        for number, piece in enumerate(pieces):
            runs.append(piece)
            starts.append(number == 0)
            owners.append(index)
        runs.append("|")
        starts.append(True)
        owners.append(-1)
    return {owner for owner, named in zip(owners, find_names(runs, starts, roster)) if named and owner >= 0}


def _matches_whole(letters: str, forms: _Forms) -> bool:
    return letters in forms.whole or (letters.endswith("s") and letters[:-1] in forms.whole)


def _spelled(words: Sequence[str], forms: _Forms) -> list[bool]:
    """For each word, whether it is (a letter of) a roster name spelled out: "J-A-N-S-E-N",
    "J. A. N. S. E. N.", or one letter per word over consecutive words."""
    found = [False] * len(words)
    run_letters, owners = "", []
    for index, word in enumerate([*words, ""]):
        letters = _spelled_letters(word) if index < len(words) else None
        if letters is not None:
            run_letters += letters
            owners += [index] * len(letters)
            continue
        for start, end in _names_in_letters(run_letters, forms.spelled):
            for owner in owners[start:end]:
                found[owner] = True
        run_letters, owners = "", []
    return found


def _spelled_letters(word: str) -> str | None:
    """The folded letters of a word made only of single letters ("J-A-N", "J.", "n,"), else None."""
    pieces = [p for p in _SPELLING_GAPS.split(word.strip(_OUTER)) if p]
    if pieces and all(len(p) == 1 and p.isalpha() for p in pieces):
        return fold("".join(pieces))
    return None


def _names_in_letters(letters: str, names: frozenset[str]) -> list[tuple[int, int]]:
    if len(letters) < 2:
        return []
    found = []
    for name in names:
        if name == letters:
            found.append((0, len(letters)))
        elif len(name) >= MIN_SPELLED_INSIDE:
            at = letters.find(name)
            while at >= 0:
                found.append((at, at + len(name)))
                at = letters.find(name, at + 1)
    return found
