"""Does a file name or a short text (a title, a phrase) identify someone on the roster?

With a roster, whatever vidkit writes or shows must hold no roster name. Outputs are named
after the recording (`<stem>.clip01.mp4`) and titles are drawn on thumbnails and sent to
YouTube, so these are checked before any work, with the rules transcripts are redacted by
(`spans.identifying_spans`). Messages never repeat what was checked.

`find_identifying` is the one scan of free text: it says what identifies someone and where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vidkit.errors import BadInputError
from vidkit.privacy.names import fold, name_parts, sentence_starts
from vidkit.privacy.roster import Roster
from vidkit.privacy.spans import identifying_spans, name_flags

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_LETTERS = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"\S+")
_EDGE_LEAD, _EDGE_TRAIL = re.compile(r"^[^\w]*"), re.compile(r"[^\w]*$")
_LEADING = "@+#"  # kept at the start of what a finding shows: a handle's @, a phone's +


@dataclass(frozen=True)
class Finding:
    """Something in a text that identifies someone: `kind` ("name", "email", "phone",
    "date_of_birth", "record_number"), the matched `text` and its offsets in the checked text
    (`text == checked[start:end]`). repr leaves the text out, so a logged Finding names no one."""

    kind: str
    text: str = field(repr=False)
    start: int
    end: int


def find_identifying(text: str, roster: Roster | None, *, language: str | None = None) -> list[Finding]:
    """What in `text` (a title, description, file name or log line) identifies someone, in order:
    roster names (as words, handles such as "@mjansen" or spelled out "J-A-N-S-E-N"; none when
    `roster` is None), e-mail addresses (any), and phone numbers, dates of birth and record
    numbers read in `language` (None: every language vidkit has number words for). The rules
    are those transcripts are redacted by; each finding spans whole words, less their outer
    punctuation ("Maria Jansen," -> "Maria Jansen")."""
    tokens = list(_TOKEN.finditer(text))
    words = [token.group() for token in tokens]
    findings = []
    for first, last, kind in identifying_spans(words, [True] + [False] * (len(words) - 1), roster, language):
        start, end = tokens[first].start(), tokens[last - 1].end()
        while start < end - 1 and not text[start].isalnum() and text[start] not in _LEADING:
            start += 1
        while end > start + 1 and not text[end - 1].isalnum():
            end -= 1
        findings.append(Finding(kind, text[start:end], start, end))
    return findings


def _names_in(words: list[str], roster: Roster) -> bool:
    starts = sentence_starts(words, [True] + [False] * (len(words) - 1)) if words else []
    return any(name_flags(words, starts, roster))


def name_in_file_name(name: str, roster: Roster) -> bool:
    """Whether a file name holds a roster name: as words ("maria_jansen", "MariaJansen"), a
    whole name run together ("mariajansen"), a handle ("mjansen") or spelled out ("J-A-N-S-E-N")."""
    if _names_in(_LETTERS.findall(_CAMEL.sub(" ", name)), roster):
        return True
    letters = "".join(_LETTERS.findall(fold(name)))
    return any(len(parts) > 1 and "".join(parts) in letters
               for person in roster.people for full in person.names for parts in [name_parts(full)])


def identifies(text: str, roster: Roster) -> bool:
    """Whether `text` holds a roster name, an e-mail address, or a phone number, date of birth
    or record number (see `find_identifying`)."""
    return bool(find_identifying(text, roster))


def hide_identifying(text: str, roster: Roster) -> str:
    """`text` (an error or log line) with roster names as [name] (one per word) and e-mail
    addresses, phone numbers, dates of birth and record numbers as [redacted]; spacing kept."""
    tokens = list(_TOKEN.finditer(text))
    words = [t.group() for t in tokens]
    if not words:
        return text
    shown = list(words)
    for start, end, kind in identifying_spans(words, [True] + [False] * (len(words) - 1), roster, None):
        # The punctuation around a hidden word stays ("(Anna Visser)" -> "([name] [name])")
        lead, trail = _EDGE_LEAD.match(words[start]).group(), _EDGE_TRAIL.search(words[end - 1]).group()
        if kind == "name":
            shown[start:end] = [_EDGE_LEAD.match(w).group() + "[name]" + _EDGE_TRAIL.search(w).group()
                                for w in words[start:end]]
        else:
            shown[start:end] = [lead + "[redacted]" + trail] + [""] * (end - start - 1)
    pieces, at = [], 0
    for token, word in zip(tokens, shown):
        pieces.append(text[at:token.start()] if word or not pieces else "")
        pieces.append(word)
        at = token.end()
    pieces.append(text[at:])
    return "".join(pieces)


def refuse_named_file(name: str, roster: Roster, what: str) -> None:
    """BadInputError when the file name `name` (`what` says which file) holds a roster name."""
    if name_in_file_name(name, roster):
        raise BadInputError(f"{what} holds a name from the roster, and the outputs are named after it: "
                            "rename the file (to the session date, say, or a subject code such as P-0042) "
                            "and run again")


def refuse_identifying_text(text: str | None, roster: Roster, what: str) -> None:
    """BadInputError when `text` (`what` says which: "--title") identifies someone
    (`find_identifying`)."""
    if text and find_identifying(text, roster):
        raise BadInputError(f"{what} holds a name from the roster, an e-mail address or a number that "
                            "identifies someone; with a roster nothing vidkit writes or shows may: leave it out")


# Words recordings are named with that are nobody's name ("p12_visit3_baseline_take2").
_FILE_NAME_WORDS = frozenset("""
visit visits trial baseline followup follow pre post intake discharge week day month stroke ankle hip
recording record video audio camera cam take final edit raw export copy new old version part
feb mar apr jun jul aug sep sept oct nov dec january february march april june july august
september october november december monday tuesday wednesday thursday friday saturday sunday
""".split())


def file_name_roster(name: str) -> Roster | None:
    """The parts of a recording's file name as a one-person roster ("jan_smit_2024" -> jan,
    smit), matched like roster names: a file name often is the patient's name. Digits, parts
    under 3 letters and everyday words ("session", "walk") are left out; None when nothing is left."""
    from vidkit.privacy.common_words import COMMON_WORDS, NAME_WORDS

    everyday = (COMMON_WORDS - NAME_WORDS) | _FILE_NAME_WORDS
    parts = [p for p in _LETTERS.findall(_CAMEL.sub(" ", name))
             if len(p) >= 3 and fold(p) not in everyday and not fold(p).startswith("clip")]
    if not parts:
        return None
    from vidkit.privacy.roster import Person

    return Roster((Person((" ".join(parts),)),))


def refuse_file_name_words(text: str | None, file_name: str, what: str) -> None:
    """BadInputError when `text` holds a part of the recording's file name (`jan_smit_2024`:
    "Jan Smit: gait training"), found like a roster name; the parts are not repeated."""
    parts = file_name_roster(file_name)
    if text and parts is not None and _names_in(text.split(), parts):
        raise BadInputError(f"{what} holds a part of the recording's file name, which may be a patient's "
                            "name: leave it out")


def names_in_text(text: str, roster: Roster) -> bool:
    """Whether the words of `text` hold a name of `roster` (no number rules)."""
    return _names_in(text.split(), roster)


def refuse_title(text: str | None, recording: str, roster: Roster | None, what: str) -> None:
    """A title is drawn on cards and thumbnails and sent to YouTube: refused when it holds a
    part of the recording's file name `recording` ("jan_smit_2024": "Jan Smit: gait training")
    and, with a roster, a roster name, an e-mail or an identifying number."""
    if roster is not None:
        refuse_identifying_text(text, roster, what)
    refuse_file_name_words(text, recording, what)
