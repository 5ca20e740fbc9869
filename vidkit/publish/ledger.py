"""The publish ledger: the tables of the vidkit store that remember every upload, consent and
quota unit. The file is the store (vidkit.store: one SQLite file, also for the job runner),
which creates, migrates and checks it; `--ledger PATH` names that file.

Crash safety comes from committing every state change at once (autocommit, WAL,
synchronous=FULL): whatever vidkit was doing when it was killed, the next run reads where it
stopped. The file is created with mode 0600 (SQLite gives its -wal/-shm files the same mode);
it holds titles and consent records, never file names or tokens.

Upload states (keyed by the clip's sha256):
  pending    gates passed, nothing sent yet
  uploading  a resumable session exists (session_uri), bytes_sent acknowledged by YouTube
  sent       the last chunk went out; its answer (the video id) has not been read yet
  uploaded   YouTube has the video (video_id); captions/thumbnail/playlist may be missing
  published  the video and every step are done; publishing it again does nothing
  queued     YouTube's quota or upload limit was reached; a later run carries on
  failed     stopped on an error that a retry did not fix (last_error says which)
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vidkit.store.db import EARLIER_LEDGER, default_store_path, open_store
from vidkit.store.migrations import STORE_VERSION

STATES = ("pending", "uploading", "sent", "uploaded", "published", "queued", "failed")
STEPS = ("captions", "thumbnail", "playlist")
LEDGER_FILE = EARLIER_LEDGER  # where an earlier vidkit kept the ledger; default_store_path() finds it
SCHEMA_VERSION = STORE_VERSION  # the ledger's tables are the store's migrations 1 and 2


def default_ledger_path() -> Path:
    return default_store_path()


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class UploadRecord:
    sha256: str
    state: str
    size: int
    session_uri: str | None
    bytes_sent: int
    video_id: str | None
    privacy: str | None
    title: str | None
    overrides: list[str]
    subjects: list[str]
    last_error: str | None
    created_at: str
    updated_at: str
    published_at: str | None
    body_sha256: str | None = None
    sent_body: str | None = None
    steps: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # step -> (state, result)

    def done(self, step: str) -> bool:
        return self.steps.get(step, ("", None))[0] == "done"

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("steps", "session_uri", "sent_body")}
        data["session"] = bool(self.session_uri)
        data["steps"] = {step: state for step, (state, _) in self.steps.items()}
        return data


@dataclass(frozen=True)
class Consent:
    id: int
    subject: str
    scope: str
    expires: str | None
    evidence_sha256: str | None
    added_at: str
    revoked_at: str | None

    def valid_on(self, day: str) -> bool:
        return self.revoked_at is None and (self.expires is None or self.expires >= day)


class Ledger:
    """The ledger at `path` (created 0600 on first use); use as a context manager."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False):
        """The ledger is the vidkit store's publish tables: `path` is the store file (see
        vidkit.store, which migrates and checks it). `read_only` (--dry-run, --status) writes
        nothing at all: no schema, no -wal/-shm files when none exist."""
        self.store = open_store(path, read_only=read_only)
        self.path, self.read_only = self.store.path, read_only
        self._db = self.store.db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # uploads -------------------------------------------------------------------------------

    def upload(self, sha256: str) -> UploadRecord | None:
        row = self._db.execute("SELECT * FROM uploads WHERE sha256 = ?", (sha256,)).fetchone()
        return self._record(row) if row else None

    def uploads(self) -> list[UploadRecord]:
        rows = self._db.execute("SELECT * FROM uploads ORDER BY updated_at DESC, sha256").fetchall()
        return [self._record(row) for row in rows]

    def begin_upload(self, sha256: str, *, size: int, overrides: list[str], subjects: list[str]) -> UploadRecord:
        """Create the record (state pending) or add this run's overrides and subjects. The title
        and privacy columns say what YouTube was sent (`sent`), never what a run meant to send."""
        now = utc_now()
        existing = self.upload(sha256)
        if existing is None:
            self._db.execute(
                "INSERT INTO uploads (sha256, state, size, overrides, subjects, created_at, updated_at) "
                "VALUES (?, 'pending', ?, ?, ?, ?, ?)",
                (sha256, size, json.dumps(overrides), json.dumps(subjects), now, now))
        else:
            merged = sorted(set(existing.overrides) | set(overrides))
            self._db.execute("UPDATE uploads SET overrides = ?, subjects = ?, updated_at = ? WHERE sha256 = ?",
                             (json.dumps(merged), json.dumps(subjects), now, sha256))
        record = self.upload(sha256)
        assert record is not None
        return record

    _UPDATABLE = {"session_uri", "bytes_sent", "video_id", "last_error", "published_at", "privacy", "title",
                  "body_sha256", "sent_body"}

    def sent(self, sha256: str, body: dict[str, Any], action: str, detail: dict[str, Any] | None = None) -> None:
        """Record that YouTube was sent `body` (snippet + status) for this clip: the record then
        says what the video says, and the history keeps every version."""
        text = json.dumps(body, sort_keys=True, ensure_ascii=False)
        digest = body_sha256(body)
        self.update(sha256, title=body.get("snippet", {}).get("title"),
                    privacy=body.get("status", {}).get("privacyStatus"), body_sha256=digest, sent_body=text)
        self.note(sha256, action, digest, detail)

    def note(self, sha256: str, action: str, body_digest: str | None = None,
             detail: dict[str, Any] | None = None) -> None:
        self._db.execute("INSERT INTO history (sha256, at, action, body_sha256, detail) VALUES (?, ?, ?, ?, ?)",
                         (sha256, utc_now(), action, body_digest,
                          json.dumps(detail, ensure_ascii=False) if detail is not None else None))

    def history(self, sha256: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE sha256 = ?", (sha256,)) if sha256 else ("", ())
        rows = self._db.execute(f"SELECT * FROM history {where} ORDER BY id", params).fetchall()
        return [{**dict(row), "detail": json.loads(row["detail"]) if row["detail"] else None} for row in rows]

    def by_subject(self, subject: str) -> list[UploadRecord]:
        """Uploads that declared `subject` and reached YouTube (they have a video id)."""
        return [r for r in self.uploads() if subject in r.subjects and r.video_id]

    def update(self, sha256: str, state: str | None = None, **fields: Any) -> None:
        """Set the state and/or columns of one upload, committed at once."""
        unknown = set(fields) - self._UPDATABLE
        if unknown:
            raise ValueError(f"unknown upload fields: {sorted(unknown)}")
        if state is not None:
            if state not in STATES:
                raise ValueError(f"unknown upload state {state!r}")
            fields["state"] = state
        fields["updated_at"] = utc_now()
        columns = ", ".join(f"{name} = ?" for name in fields)
        self._db.execute(f"UPDATE uploads SET {columns} WHERE sha256 = ?", (*fields.values(), sha256))

    def step(self, sha256: str, step: str, state: str, result: str | None = None) -> None:
        self._db.execute(
            "INSERT INTO upload_steps (sha256, step, state, result, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (sha256, step) DO UPDATE SET state = excluded.state, result = excluded.result, "
            "updated_at = excluded.updated_at", (sha256, step, state, result, utc_now()))

    def _record(self, row: sqlite3.Row) -> UploadRecord:
        data = dict(row)
        data["overrides"] = json.loads(data["overrides"])
        data["subjects"] = json.loads(data["subjects"])
        steps = self._db.execute("SELECT step, state, result FROM upload_steps WHERE sha256 = ?",
                                 (data["sha256"],)).fetchall()
        return UploadRecord(**data, steps={s["step"]: (s["state"], s["result"]) for s in steps})

    # consents ------------------------------------------------------------------------------

    def add_consent(self, subject: str, scope: str, expires: str | None, evidence_sha256: str | None) -> Consent:
        cursor = self._db.execute(
            "INSERT INTO consents (subject, scope, expires, evidence_sha256, added_at) VALUES (?, ?, ?, ?, ?)",
            (subject, scope, expires, evidence_sha256, utc_now()))
        return self._consents("WHERE id = ?", (cursor.lastrowid,))[0]

    def consents(self, subject: str | None = None) -> list[Consent]:
        if subject is None:
            return self._consents("", ())
        return self._consents("WHERE subject = ?", (subject,))

    def revoke_consent(self, subject: str, scope: str | None = None) -> int:
        query = "UPDATE consents SET revoked_at = ? WHERE subject = ? AND revoked_at IS NULL"
        params: tuple[Any, ...] = (utc_now(), subject)
        if scope is not None:
            query += " AND scope = ?"
            params += (scope,)
        return self._db.execute(query, params).rowcount

    def valid_consent(self, subject: str, scope: str, day: str) -> Consent | None:
        """The consent with the latest end that covers `scope` on `day` (YYYY-MM-DD), if any."""
        found = [c for c in self._consents("WHERE subject = ? AND scope = ?", (subject, scope)) if c.valid_on(day)]
        found.sort(key=lambda c: c.expires or "9999-12-31", reverse=True)
        return found[0] if found else None

    def _consents(self, where: str, params: tuple[Any, ...]) -> list[Consent]:
        rows = self._db.execute(f"SELECT * FROM consents {where} ORDER BY subject, id", params).fetchall()
        return [Consent(**dict(row)) for row in rows]

    # quota ---------------------------------------------------------------------------------

    def quota_used(self, day: str) -> dict[str, int]:
        rows = self._db.execute("SELECT bucket, units FROM quota WHERE day = ?", (day,)).fetchall()
        return {row["bucket"]: row["units"] for row in rows}

    def charge(self, day: str, bucket: str, units: int) -> None:
        self._db.execute("INSERT INTO quota (day, bucket, units) VALUES (?, ?, ?) ON CONFLICT (day, bucket) "
                         "DO UPDATE SET units = units + excluded.units", (day, bucket, units))


def body_sha256(body: dict[str, Any]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
