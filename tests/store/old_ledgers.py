"""Publish ledgers as earlier vidkit releases made them, built with their own SQL (copied from
vidkit/publish/ledger.py at 5a383a0, version 1, and 25207e4, version 2), to test migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

_V1_TABLES = """
CREATE TABLE IF NOT EXISTS uploads (
    sha256       TEXT PRIMARY KEY,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'uploading', 'sent', 'uploaded', 'published', 'queued',
                                                 'failed')),
    size         INTEGER NOT NULL,
    session_uri  TEXT,
    bytes_sent   INTEGER NOT NULL DEFAULT 0,
    video_id     TEXT,
    privacy      TEXT,
    title        TEXT,
    overrides    TEXT NOT NULL DEFAULT '[]',
    subjects     TEXT NOT NULL DEFAULT '[]',
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    published_at TEXT{extra}
);
CREATE TABLE IF NOT EXISTS upload_steps (
    sha256     TEXT NOT NULL REFERENCES uploads(sha256),
    step       TEXT NOT NULL CHECK (step IN ('captions', 'thumbnail', 'playlist')),
    state      TEXT NOT NULL CHECK (state IN ('started', 'done')),
    result     TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sha256, step)
);
CREATE TABLE IF NOT EXISTS consents (
    id              INTEGER PRIMARY KEY,
    subject         TEXT NOT NULL,
    scope           TEXT NOT NULL,
    expires         TEXT,
    evidence_sha256 TEXT,
    added_at        TEXT NOT NULL,
    revoked_at      TEXT
);
CREATE INDEX IF NOT EXISTS consents_subject ON consents (subject, scope);
"""
_QUOTA = """
CREATE TABLE IF NOT EXISTS quota (
    day    TEXT NOT NULL,
    bucket TEXT NOT NULL,
    units  INTEGER NOT NULL,
    PRIMARY KEY (day, bucket)
);
"""
_HISTORY = """
CREATE TABLE IF NOT EXISTS history (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL,
    at          TEXT NOT NULL,
    action      TEXT NOT NULL,
    body_sha256 TEXT,
    detail      TEXT
);
CREATE INDEX IF NOT EXISTS history_sha256 ON history (sha256, id);
"""
V1 = _V1_TABLES.format(extra="") + _QUOTA
V2 = _V1_TABLES.format(extra=",\n    body_sha256  TEXT,\n    sent_body    TEXT") + _HISTORY + _QUOTA

CLIP = "ab" * 32
NOW = "2025-05-01T10:00:00+00:00"


def make_ledger(path: Path, version: int) -> Path:
    """A ledger of that version holding one published upload, its steps, a consent and quota."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(V1 if version == 1 else V2)
    db.execute("INSERT INTO uploads (sha256, state, size, video_id, privacy, title, subjects, created_at, updated_at, "
               "published_at) VALUES (?, 'published', 1000, 'vid123', 'private', 'Gait training', '[\"P-0042\"]', "
               "?, ?, ?)", (CLIP, NOW, NOW, NOW))
    db.execute("INSERT INTO upload_steps VALUES (?, 'captions', 'done', 'cap1', ?)", (CLIP, NOW))
    db.execute("INSERT INTO consents (subject, scope, expires, added_at) VALUES ('P-0042', 'youtube', NULL, ?)",
               (NOW,))
    db.execute("INSERT INTO quota VALUES ('2025-05-01', 'units', 450)")
    if version == 2:
        db.execute("UPDATE uploads SET body_sha256 = ?, sent_body = ?", ("cd" * 32, '{"snippet": {}}'))
        db.execute("INSERT INTO history (sha256, at, action, body_sha256) VALUES (?, ?, 'session', ?)",
                   (CLIP, NOW, "cd" * 32))
    db.execute(f"PRAGMA user_version={version}")
    db.close()
    return path
