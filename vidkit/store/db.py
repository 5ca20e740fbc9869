"""The vidkit store: one SQLite file for the publish ledger and the job runner's records.

Opened with `open_store()`. The file is created mode 0600 before SQLite opens it (SQLite would
use the umask; it gives its -wal/-shm files the main file's mode), then runs in WAL mode with
synchronous=FULL and foreign keys on, so every commit survives a crash and two processes can
write (each waits up to BUSY_SECONDS for the other). Opening migrates the file to this vidkit's
version in one transaction and then checks its tables against what the migrations make; a
store from a newer vidkit is refused, never written.

Read-only opening (--dry-run, --status) writes nothing: no schema, no version, no -wal/-shm
files. With no -wal beside it the file is read as it is on disk (`immutable=1`); with one, a
writer is at work and its WAL is shared (`mode=ro`).

SQLite's locking needs a local disk: on SMB/NFS two writers can corrupt the file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import platformdirs

from vidkit.errors import BadInputError, ProcessingError
from vidkit.store.migrations import MIGRATIONS, STORE_VERSION, apply

STORE_FILE = "vidkit.sqlite3"
EARLIER_LEDGER = "ledger.sqlite3"  # the publish ledger of vidkit before the store: versions 1-2
BUSY_SECONDS = 10.0


def default_store_path() -> Path:
    """`vidkit.sqlite3` in the user data dir. An earlier vidkit's `ledger.sqlite3` there, with
    no `vidkit.sqlite3` beside it, is the store: it is opened and migrated in place, never
    copied (a copy would split consents and history between two files) nor renamed (a rename
    could leave a -wal behind, or race a run that still has it open)."""
    folder = Path(platformdirs.user_data_dir("vidkit"))
    store, earlier = folder / STORE_FILE, folder / EARLIER_LEDGER
    return earlier if earlier.is_file() and not store.exists() else store


class Store:
    """An open store: `db` is the sqlite3 connection (autocommit, rows as sqlite3.Row)."""

    def __init__(self, path: Path, db: sqlite3.Connection, *, read_only: bool, version: int):
        self.path, self.db, self.read_only, self.version = path, db, read_only, version

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: the write lock is taken first, so a read inside it is
        never stale and two processes never deadlock upgrading a read to a write."""
        if self.read_only:
            raise ValueError(f"the store {self.path} was opened read-only")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> Store:
    """The store at `path` (default: default_store_path()), migrated and checked.

    Opening is tried again while another vidkit holds the lock, for up to BUSY_SECONDS: SQLite
    waits by itself for most locks, but answers "busy" at once where waiting could deadlock
    (two processes opening a new store together, one turning it to WAL while the other reads:
    seen about once in thirty runs of tests/store/test_jobs.py)."""
    path = Path(path) if path else default_store_path()
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            return _open(path, read_only)
        except _Busy:
            if time.monotonic() >= deadline:
                raise ProcessingError(f"the vidkit store {path} stayed locked by another vidkit for "
                                      f"{BUSY_SECONDS:.0f} s; try again when it has finished") from None
            time.sleep(0.05)


class _Busy(Exception):
    """The store was locked by another process."""


def _open(path: Path, read_only: bool) -> Store:
    db = None
    try:
        db = _connect_read_only(path) if read_only else _connect(path)
        version = _version(db)
        _refuse_newer(path, version)
        if version == 0:
            _refuse_foreign(db, path)
        if not read_only:  # only now that it is ours: WAL mode is written into the file's header
            _narrow(path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            if version < STORE_VERSION:
                version = _migrate(db, path)
        _check_schema(db, path, version)
        return Store(path, db, read_only=read_only, version=version)
    except sqlite3.OperationalError as exc:
        _close(db)
        if "locked" in str(exc) or "busy" in str(exc):
            raise _Busy() from None
        raise BadInputError(f"{path} is not a vidkit store ({exc})") from None
    except sqlite3.DatabaseError as exc:
        _close(db)
        raise BadInputError(f"{path} is not a vidkit store ({exc})") from None
    except BaseException:
        _close(db)
        raise


def _close(db: sqlite3.Connection | None) -> None:
    if db is not None:
        db.close()


def _connect(path: Path) -> sqlite3.Connection:
    _create_private(path)
    db = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_SECONDS)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys=ON")
    return db


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BadInputError(f"no vidkit store at {path}")
    busy = Path(f"{path}-wal").exists()  # a writer is at work: share its WAL
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if busy else 'immutable=1'}"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_SECONDS)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys=ON")
    return db


def _version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def _refuse_newer(path: Path, version: int) -> None:
    if version > STORE_VERSION:
        raise BadInputError(f"{path} was written by a newer vidkit (store version {version}, this one knows "
                            f"{STORE_VERSION}): upgrade vidkit")


def _refuse_foreign(db: sqlite3.Connection, path: Path) -> None:
    """A version-0 file may be new (empty) or half made by an earlier vidkit; tables vidkit
    never makes mean it is some other program's database, which must not be written to."""
    foreign = sorted(set(_schema(db)[0]) - set(expected_schema(STORE_VERSION)[0]))
    if foreign:
        raise BadInputError(f"{path} is not a vidkit store (it holds tables vidkit does not make: "
                            f"{', '.join(foreign)}); pass another file")


def _migrate(db: sqlite3.Connection, path: Path) -> int:
    """Every missing migration and the new version, in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _version(db)  # again, under the lock: another process may have just migrated
        _refuse_newer(path, version)
        for migration in MIGRATIONS:
            if migration.version > version:
                apply(db, migration)
        db.execute(f"PRAGMA user_version={STORE_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return STORE_VERSION


Schema = tuple[dict[str, dict[str, str]], frozenset[str]]  # table -> column -> type; index names


def _schema(db: sqlite3.Connection) -> Schema:
    rows = db.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    tables = {}
    for kind, name in rows:
        if kind == "table":
            quoted = name.replace('"', '""')
            tables[name] = {c[1]: c[2].upper() for c in db.execute(f'PRAGMA table_info("{quoted}")')}
    return tables, frozenset(name for kind, name in rows if kind == "index")


@lru_cache(maxsize=None)
def expected_schema(version: int) -> Schema:
    """What the migrations up to `version` make, read from an empty in-memory database."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in MIGRATIONS:
            if migration.version <= version:
                apply(db, migration)
        return _schema(db)
    finally:
        db.close()


def _check_schema(db: sqlite3.Connection, path: Path, version: int) -> None:
    """Refuse a store missing a table, column or index its version should have (a damaged
    file, or one edited by hand) with one line that names what is missing."""
    tables, indexes = _schema(db)
    want_tables, want_indexes = expected_schema(version)
    problems = []
    for table, columns in want_tables.items():
        if table not in tables:
            problems.append(f"table {table} is missing")
            continue
        for column, kind in columns.items():
            if column not in tables[table]:
                problems.append(f"column {table}.{column} is missing")
            elif tables[table][column] != kind:
                problems.append(f"column {table}.{column} is {tables[table][column] or 'untyped'}, not {kind}")
    problems += [f"index {name} is missing" for name in sorted(want_indexes - indexes)]
    if problems:
        raise BadInputError(f"{path} is a damaged vidkit store (version {version}): {'; '.join(problems)}; "
                            f"restore it from a backup, or move it aside to start an empty one")


def _create_private(path: Path) -> None:
    """Create the file owner-only before SQLite opens it (it would use the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise BadInputError(f"cannot create the vidkit store {path}: {exc.strerror}") from None
    os.close(fd)


def _narrow(path: Path) -> None:
    """An existing store others can read (copied with cp, say) becomes owner-only, with its
    -wal/-shm (SQLite gives new ones the main file's mode)."""
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):  # not ours to change, or gone: nothing to do
            if stat.S_IMODE(name.stat().st_mode) & 0o077:
                name.chmod(0o600)
