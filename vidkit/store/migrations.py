"""The store's schema as one ordered list of migrations.

Migration n takes a version n-1 store to version n (`PRAGMA user_version`). A released
migration is never edited: its SQL is what stores in the wild were made with, so a change is a
new migration at the end. Versions 1 and 2 are the publish ledger of earlier vidkit releases
(`ledger.sqlite3`), which is why such a file opens as a store and is migrated in place.

The SQL is written out here, not built from the code's constants (publish states, step
names): those may change, what an old store holds does not.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Callable, Union

Step = Union[str, Callable[[sqlite3.Connection], None]]  # one SQL statement, or a function


@dataclass(frozen=True)
class Migration:
    version: int  # the store's version once this migration has run
    name: str
    steps: tuple[Step, ...]


# Every CREATE says IF NOT EXISTS: an earlier vidkit ran versions 1 and 2 outside a transaction,
# so a file may hold some tables while its version says less. A table that is there but not as
# made is caught by the schema check that follows every migration.
_LEDGER_V1 = (
    """CREATE TABLE IF NOT EXISTS uploads (
    sha256       TEXT PRIMARY KEY,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'uploading', 'sent', 'uploaded', 'published', 'queued',
                                                 'failed')),
    size         INTEGER NOT NULL,           -- bytes of the video file
    session_uri  TEXT,                       -- the resumable upload session, once created
    bytes_sent   INTEGER NOT NULL DEFAULT 0, -- bytes YouTube has acknowledged
    video_id     TEXT,
    privacy      TEXT,                       -- privacyStatus sent
    title        TEXT,
    overrides    TEXT NOT NULL DEFAULT '[]', -- JSON list: "allow-unverified", "no-subjects"
    subjects     TEXT NOT NULL DEFAULT '[]', -- JSON list of subject ids declared for the clip
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    published_at TEXT
)""",
    """CREATE TABLE IF NOT EXISTS upload_steps (
    sha256     TEXT NOT NULL REFERENCES uploads(sha256),
    step       TEXT NOT NULL CHECK (step IN ('captions', 'thumbnail', 'playlist')),
    state      TEXT NOT NULL CHECK (state IN ('started', 'done')),
    result     TEXT,                         -- caption id, playlist item id, ...
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sha256, step)
)""",
    """CREATE TABLE IF NOT EXISTS consents (
    id              INTEGER PRIMARY KEY,
    subject         TEXT NOT NULL,
    scope           TEXT NOT NULL,
    expires         TEXT,                    -- YYYY-MM-DD, last valid day; NULL = no end
    evidence_sha256 TEXT,                    -- the signed form's hash; the form stays elsewhere
    added_at        TEXT NOT NULL,
    revoked_at      TEXT
)""",
    "CREATE INDEX IF NOT EXISTS consents_subject ON consents (subject, scope)",
    """CREATE TABLE IF NOT EXISTS quota (
    day    TEXT NOT NULL,                    -- the date in America/Los_Angeles
    bucket TEXT NOT NULL,                    -- "uploads" (videos.insert calls) or "units"
    units  INTEGER NOT NULL,
    PRIMARY KEY (day, bucket)
)""",
)


def _add_sent_body(db: sqlite3.Connection) -> None:
    """What YouTube was sent, per upload. A function because an earlier vidkit made version-2
    tables before it wrote the version: the columns may already be there."""
    have = {row[1] for row in db.execute("PRAGMA table_info(uploads)")}
    for column in ("body_sha256", "sent_body"):
        if column not in have:
            db.execute(f"ALTER TABLE uploads ADD COLUMN {column} TEXT")


_LEDGER_V2 = (
    _add_sent_body,
    """CREATE TABLE IF NOT EXISTS history (     -- every metadata sent and every override, in order
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL,
    at          TEXT NOT NULL,
    action      TEXT NOT NULL,               -- session, update, set-private, override, new-session
    body_sha256 TEXT,
    detail      TEXT                         -- JSON: changed fields, or who/why of an override
)""",
    "CREATE INDEX IF NOT EXISTS history_sha256 ON history (sha256, id)",
)

# One row per (source, step, parameters): what the job runner did. Only hashes, step names,
# and the output paths the user chose; never names, transcript text or input file names.
_JOBS = (
    """CREATE TABLE IF NOT EXISTS jobs (
    source_sha256  TEXT NOT NULL,            -- the input recording's bytes
    step           TEXT NOT NULL,            -- a step name from the code: transcribe, blur, ...
    params_sha256  TEXT NOT NULL,            -- of the step's parameters (canonical JSON)
    state          TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    outputs        TEXT NOT NULL DEFAULT '{}', -- JSON: name -> {"path", "sha256"}
    error          TEXT,                     -- one line, when failed
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    seconds        REAL,
    vidkit_version TEXT NOT NULL,
    PRIMARY KEY (source_sha256, step, params_sha256)
)""",
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, started_at)",
)

# One row per recording a folder watcher took (`vidkit watch`), known by its bytes: a renamed or
# re-copied file is the same row, a changed file a new one. The path is where the recording
# was last seen, so a clinic can find it; the steps' own records are the jobs table's.
_WATCH = (
    """CREATE TABLE IF NOT EXISTS watch_items (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,       -- the recording's bytes
    path         TEXT NOT NULL,              -- where it was last seen (watched folder, done/, failed/)
    folder       TEXT NOT NULL,              -- the watched folder
    out_dir      TEXT NOT NULL,
    preset       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'waiting')),
    step         TEXT,                       -- the step running, or the one that failed
    progress     REAL,                       -- 0..1 of that step, while running
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_at  REAL NOT NULL DEFAULT 0,    -- epoch seconds: not before (retry backoff)
    error        TEXT,                       -- one line, when failed or waiting to retry
    size         INTEGER,
    duration     REAL,
    added_at     TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    seconds      REAL,
    worker       TEXT                        -- where it ran: local or a Dask worker's address
)""",
    "CREATE INDEX IF NOT EXISTS watch_items_state ON watch_items (state, next_try_at, id)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "publish ledger: uploads, steps, consents, quota", _LEDGER_V1),
    Migration(2, "publish ledger: what was sent, history", _LEDGER_V2),
    Migration(3, "jobs", _JOBS),
    Migration(4, "folder watch items", _WATCH),
)
STORE_VERSION = MIGRATIONS[-1].version


def apply(db: sqlite3.Connection, migration: Migration) -> None:
    """Run one migration's steps on `db`; the caller holds the transaction."""
    for step in migration.steps:
        if callable(step):
            step(db)
        else:
            db.execute(step)
