"""Does a file name or a short text (a title, a phrase) identify someone on the roster?

With a roster, whatever vidkit writes or shows must hold no roster name. Outputs are named
after the recording (`<stem>.clip01.mp4`) and titles are drawn on thumbnails and sent to
YouTube, so these are checked before any work, with the rules transcripts are redacted by
(`names.find_names`, `patterns.find_patterns`). Messages never repeat what was checked.
"""

from __future__ import annotations

import re

from vidkit.errors import BadInputError
from vidkit.privacy.names import find_names, fold, name_parts, sentence_starts
from vidkit.privacy.roster import Roster

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_LETTERS = re.compile(r"[^\W\d_]+")


def _names_in(words: list[str], roster: Roster) -> bool:
    starts = sentence_starts(words, [True] + [False] * (len(words) - 1)) if words else []
    return any(find_names(words, starts, roster))


def name_in_file_name(name: str, roster: Roster) -> bool:
    """Whether a file name holds a roster name: as words ("maria_jansen", "MariaJansen") or a
    whole name run together ("mariajansen")."""
    if _names_in(_LETTERS.findall(_CAMEL.sub(" ", name)), roster):
        return True
    letters = "".join(_LETTERS.findall(fold(name)))
    return any(len(parts) > 1 and "".join(parts) in letters
               for person in roster.people for full in person.names for parts in [name_parts(full)])


def identifies(text: str, roster: Roster) -> bool:
    """Whether `text` holds a roster name, or a phone number, date of birth or record number."""
    from vidkit.privacy.patterns import find_patterns

    words = text.split()
    return bool(words) and (_names_in(words, roster) or bool(find_patterns(words, None)))


def hide_identifying(text: str, roster: Roster) -> str:
    """`text` (an error or log line) with roster names as [name] and phone numbers, dates of
    birth and record numbers as [redacted]; spacing kept."""
    from vidkit.privacy.patterns import find_patterns

    tokens = list(re.finditer(r"\S+", text))
    words = [t.group() for t in tokens]
    if not words:
        return text
    shown = list(words)
    for start, end, _ in find_patterns(words, None):
        shown[start:end] = ["[redacted]"] + [""] * (end - start - 1)
    for index, named in enumerate(find_names(words, sentence_starts(words, [True] + [False] * (len(words) - 1)),
                                             roster)):
        if named and shown[index] == words[index]:
            shown[index] = "[name]"
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
                            "rename the file (e.g. to the session date or a subject id like P-0042) "
                            "and run again")


def refuse_identifying_text(text: str | None, roster: Roster, what: str) -> None:
    """BadInputError when `text` (`what` says which: "--title") identifies someone."""
    if text and identifies(text, roster):
        raise BadInputError(f"{what} holds a name from the roster or a number that identifies someone; "
                            "with a roster nothing vidkit writes or shows may: leave it out")
