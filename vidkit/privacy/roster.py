"""The roster: the people whose names must not appear in any output.

Format (UTF-8 text, one person per line):

    # comments start with '#', blank lines are ignored
    Maria Jansen
    José van der Berg | Joe, Pepe
    Will Peters, Billy

The first name on a line is the person's full name; more names after a `|` or a comma are
aliases (nicknames, maiden names, other spellings). Names hold letters, spaces, hyphens,
apostrophes and full stops only.

Errors name the line number, never the line: roster entries must not reach a log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vidkit.errors import BadInputError

_SEPARATORS = re.compile(r"[|,]")
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[\s.'’\-]+[^\W\d_]+)*[.'’]?$")


class RosterError(BadInputError):
    """The roster file is unusable; the message gives a line number, never a name."""


@dataclass(frozen=True)
class Person:
    """One roster line: the full name first, then aliases. Not shown by repr (no names in logs)."""

    names: tuple[str, ...] = field(repr=False)

    def __repr__(self) -> str:
        return f"Person({len(self.names)} names)"


@dataclass(frozen=True)
class Roster:
    people: tuple[Person, ...] = field(repr=False)

    def __repr__(self) -> str:
        return f"Roster({len(self.people)} people)"

    def __len__(self) -> int:
        return len(self.people)


def parse_roster(text: str, source: str = "roster") -> Roster:
    """Parse roster text (see the module docstring); `source` names the file in errors."""
    people = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        names = [name.strip() for name in _SEPARATORS.split(content)]
        if not names[0]:
            raise RosterError(f"{source}, line {number}: the line starts with an alias; "
                              "put the full name first")
        names = [" ".join(name.split()) for name in names if name]
        if not all(_NAME_CHARS.match(name) for name in names):
            raise RosterError(f"{source}, line {number}: a name holds digits or symbols; use "
                              "letters, spaces, hyphens and apostrophes (the line is not shown, "
                              "to keep names out of logs)")
        people.append(Person(tuple(names)))
    if not people:
        raise RosterError(f"{source} has no names: add one person per line, e.g. 'First Last'")
    return Roster(tuple(people))
