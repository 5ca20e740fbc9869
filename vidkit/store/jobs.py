"""What the job runner did: one row per (source sha256, step name, parameters hash).

A step is `running` from `start()` until `finish()` (done, with its outputs) or `fail()`
(with one line of error). `finished()` is how a re-run skips work: the step is done AND every
output it recorded is still there with the same sha256; a deleted or edited output means the
step runs again. Parameters are compared by hash, so a changed setting is a different row.

Only hashes, step names, times, the vidkit version and the output paths the user chose are
stored: never roster names, transcript text or the input's file name. Error lines are passed
through `hide` and the secret scrubber for that reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from vidkit import __version__
from vidkit.store.db import Store
from vidkit.store.migrations import MIGRATIONS

RUNNING, DONE, FAILED = "running", "done", "failed"
JOBS_VERSION = next(m.version for m in MIGRATIONS if m.name == "jobs")  # the store version that made the table
ERROR_CHARS = 500
HIDDEN = "<hidden>"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_STEP = re.compile(r"[a-z][a-z0-9_.-]{0,63}")  # a name from the code, never free text


@dataclass(frozen=True)
class Output:
    path: Path
    sha256: str


@dataclass(frozen=True)
class StepRecord:
    source_sha256: str
    step: str
    params_sha256: str
    state: str
    outputs: dict[str, Output]
    error: str | None
    started_at: str
    finished_at: str | None
    seconds: float | None
    vidkit_version: str

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["outputs"] = {name: {"path": str(o.path), "sha256": o.sha256} for name, o in self.outputs.items()}
        return data


def params_sha256(params: Mapping[str, Any]) -> str:
    """The hash a step's parameters are known by: canonical JSON (sorted keys, paths as text)."""
    text = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class JobStore:
    """The jobs table of an open store. Each write is one transaction, so two processes (a
    runner and a folder watcher) can share the store."""

    def __init__(self, store: Store):
        self.store = store

    def get(self, source_sha256: str, step: str, params: str) -> StepRecord | None:
        """The row as recorded, whatever its state (None before this store had jobs)."""
        if self.store.version < JOBS_VERSION:
            return None
        row = self.store.db.execute("SELECT * FROM jobs WHERE source_sha256 = ? AND step = ? AND params_sha256 = ?",
                                    _key(source_sha256, step, params)).fetchone()
        return _record(row) if row else None

    def finished(self, source_sha256: str, step: str, params: str) -> StepRecord | None:
        """The record if the step is done and each output still has the bytes it was made with."""
        from vidkit.hashing import file_sha256

        record = self.get(source_sha256, step, params)
        if record is None or record.state != DONE:
            return None
        for output in record.outputs.values():
            try:
                if not output.path.is_file() or file_sha256(output.path) != output.sha256:
                    return None
            except OSError:
                return None
        return record

    def start(self, source_sha256: str, step: str, params: str) -> StepRecord:
        """Mark the step running (a new row, or a re-run replacing the old one): one transaction."""
        key = _key(source_sha256, step, params)
        with self.store.transaction() as db:
            db.execute("INSERT INTO jobs (source_sha256, step, params_sha256, state, outputs, started_at, "
                       "vidkit_version) VALUES (?, ?, ?, 'running', '{}', ?, ?) "
                       "ON CONFLICT (source_sha256, step, params_sha256) DO UPDATE SET state = 'running', "
                       "outputs = '{}', error = NULL, started_at = excluded.started_at, finished_at = NULL, "
                       "seconds = NULL, vidkit_version = excluded.vidkit_version", (*key, _now(), __version__))
            row = db.execute("SELECT * FROM jobs WHERE source_sha256 = ? AND step = ? AND params_sha256 = ?",
                             key).fetchone()
        return _record(row)

    def finish(self, source_sha256: str, step: str, params: str, outputs: Mapping[str, Path | str]) -> StepRecord:
        """Mark the step done with its outputs (name -> path), each recorded with its sha256."""
        from vidkit.hashing import file_sha256

        recorded = {}
        for name, path in outputs.items():
            path = Path(path).resolve()
            if not path.is_file():
                raise ValueError(f"output {name} is not a file: {path}")
            recorded[name] = {"path": str(path), "sha256": file_sha256(path)}
        return self._end(_key(source_sha256, step, params), DONE, json.dumps(recorded, ensure_ascii=False), None)

    def fail(self, source_sha256: str, step: str, params: str, error: str | BaseException,
             hide: Iterable[str] = ()) -> StepRecord:
        """Mark the step failed with one line of `error`; each text in `hide` (the input's file
        name and stem, roster names) becomes <hidden>, secrets become [secret]."""
        from vidkit.scrub import one_line

        text = one_line(error, hide, ERROR_CHARS, HIDDEN)
        return self._end(_key(source_sha256, step, params), FAILED, "{}", text)

    def forget(self, source_sha256: str) -> int:
        """Drop every step of one source (it will run again); the number of rows dropped."""
        _digest(source_sha256, "source sha256")
        with self.store.transaction() as db:
            return db.execute("DELETE FROM jobs WHERE source_sha256 = ?", (source_sha256,)).rowcount

    def _end(self, key: tuple[str, str, str], state: str, outputs: str, error: str | None) -> StepRecord:
        now = _now()
        with self.store.transaction() as db:
            row = db.execute("SELECT started_at FROM jobs WHERE source_sha256 = ? AND step = ? AND params_sha256 = ?",
                             key).fetchone()
            started = row["started_at"] if row else now  # never started here (forgotten meanwhile)
            seconds = round((datetime.fromisoformat(now) - datetime.fromisoformat(started)).total_seconds(), 3)
            db.execute("INSERT INTO jobs (source_sha256, step, params_sha256, state, outputs, error, started_at, "
                       "finished_at, seconds, vidkit_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (source_sha256, step, params_sha256) DO UPDATE SET state = excluded.state, "
                       "outputs = excluded.outputs, error = excluded.error, finished_at = excluded.finished_at, "
                       "seconds = excluded.seconds, vidkit_version = excluded.vidkit_version",
                       (*key, state, outputs, error, started, now, seconds, __version__))
            row = db.execute("SELECT * FROM jobs WHERE source_sha256 = ? AND step = ? AND params_sha256 = ?",
                             key).fetchone()
        return _record(row)

    def list(self, source_sha256: str | None = None, *, state: str | None = None) -> list[StepRecord]:
        """Rows, oldest start first; of one source and/or in one state if given."""
        if self.store.version < JOBS_VERSION:
            return []
        where, params = [], []
        if source_sha256 is not None:
            where.append("source_sha256 = ?")
            params.append(_digest(source_sha256, "source sha256"))
        if state is not None:
            if state not in (RUNNING, DONE, FAILED):
                raise ValueError(f"unknown job state {state!r}")
            where.append("state = ?")
            params.append(state)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.store.db.execute(f"SELECT * FROM jobs {clause} ORDER BY started_at, rowid", params).fetchall()
        return [_record(row) for row in rows]


def _digest(value: str, what: str) -> str:
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        raise ValueError(f"{what} must be 64 lower-case hex digits, not {value!r}")
    return value


def _key(source_sha256: str, step: str, params: str) -> tuple[str, str, str]:
    """The row's key, checked: hashes and a code name only, so no file or person name slips in."""
    if not isinstance(step, str) or not _STEP.fullmatch(step):
        raise ValueError(f"a step name is lower-case letters, digits, '_', '-' or '.', not {step!r}")
    return _digest(source_sha256, "source sha256"), step, _digest(params, "parameters hash")


def _record(row) -> StepRecord:
    data = dict(row)
    data["outputs"] = {name: Output(Path(o["path"]), o["sha256"]) for name, o in json.loads(data["outputs"]).items()}
    return StepRecord(**data)
