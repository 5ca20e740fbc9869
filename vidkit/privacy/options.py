"""The [privacy] settings of a run, checked, with the roster read (once per unchanged file).

Every step that redacts names asks for these; errors never hold roster text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vidkit.config import Settings
from vidkit.console import hide_in_messages
from vidkit.errors import BadInputError
from vidkit.privacy.bleep import MODES
from vidkit.privacy.identifying import hide_identifying, refuse_named_file
from vidkit.privacy.roster import Roster, RosterError, parse_roster


@dataclass(frozen=True)
class PrivacyOptions:
    roster: Roster
    audio: str  # bleep | mute
    padding: float  # seconds
    roster_sha256: str = ""  # of the roster file's bytes: records name the roster by it, never by its names


def privacy_options(settings: Settings, files: Sequence[tuple[Path | None, str]] = ()) -> PrivacyOptions:
    """The [privacy] settings checked, with the roster read; BadInputError when unusable, or
    when one of `files` ((path, what it is)), after which outputs are named, names a person
    of the roster."""
    section = settings.section("privacy")
    if not section["roster"]:
        raise BadInputError("no roster: give --roster FILE (one person per line) "
                            "or set privacy.roster in vidkit.toml")
    if section["audio"] not in MODES:
        raise BadInputError(f"unknown audio mode {section['audio']!r}; use {' or '.join(MODES)}")
    if not 0 <= section["padding"] <= 5:
        raise BadInputError(f"padding must be 0 to 5 seconds, got {section['padding']}")
    roster_path = Path(section["roster"]).expanduser()
    options = PrivacyOptions(read_roster(roster_path), section["audio"], float(section["padding"]),
                             _sha256_of(roster_path))
    hide_in_messages(lambda text: hide_identifying(text, options.roster))
    for path, what in files:
        if path is not None:
            refuse_named_file(Path(path).name, options.roster, what)
    return options


def _sha256_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


_ROSTERS: dict[tuple[str, int, int], Roster] = {}


def read_roster(path: Path) -> Roster:
    """Read and parse a roster file (UTF-8); errors name the file and a line number only.
    Parsed once per process while the file is unchanged (every step of a job asks for it)."""
    try:
        stat = Path(path).stat()
        key = (str(Path(path).absolute()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _ROSTERS:
        return _ROSTERS[key]
    roster = _read_roster(path)
    if key is not None:
        _ROSTERS[key] = roster
    return roster


def _read_roster(path: Path) -> Roster:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RosterError(f"roster not found: {path}") from None
    except IsADirectoryError:
        raise RosterError(f"roster is a folder, not a file: {path}") from None
    except OSError as exc:
        raise RosterError(f"cannot read roster {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RosterError(f"{path}, line {line}: not UTF-8 text; save the roster as UTF-8") from None
    return parse_roster(text, source=str(path))
