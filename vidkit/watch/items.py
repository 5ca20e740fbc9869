"""The recordings a folder watcher took, in the store's `watch_items` table.

A recording is known by the sha256 of its bytes, so claiming is exactly-once: a renamed or
re-copied file finds its row (and is not processed again), a changed file is a new row. The
states:

    queued  -> running -> done | waiting (for consent: the publish step queued it)
                       -> queued again (a transient failure: next_try_at after a backoff;
                          or the watcher stopped or died while it ran)
                       -> failed (bad input, or out of retries)

Only the watcher writes this table (a Dask worker never opens the store); `vidkit status`,
`retry` and `forget` read and change it from other processes, one transaction each.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vidkit.errors import BadInputError
from vidkit.store.db import Store

QUEUED, RUNNING, DONE, FAILED, WAITING = "queued", "running", "done", "failed", "waiting"
STATES = (QUEUED, RUNNING, DONE, FAILED, WAITING)
WATCH_VERSION = 4  # the store version that made the table


@dataclass(frozen=True)
class Item:
    id: int
    sha256: str
    path: Path
    folder: Path
    out_dir: Path
    preset: str
    state: str
    step: str | None
    progress: float | None
    attempts: int
    next_try_at: float
    error: str | None
    size: int | None
    duration: float | None
    added_at: str
    started_at: str | None
    finished_at: str | None
    seconds: float | None
    worker: str | None

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for key in ("path", "folder", "out_dir"):
            data[key] = str(data[key])
        return data


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Items:
    """The watch_items table of an open store."""

    def __init__(self, store: Store):
        if store.version < WATCH_VERSION:
            raise BadInputError(f"the store {store.path} is from an older vidkit: open it once read-write to migrate it")
        self.store = store

    # --- reading ---------------------------------------------------------------------------

    def get(self, item_id: int) -> Item | None:
        row = self.store.db.execute("SELECT * FROM watch_items WHERE id = ?", (item_id,)).fetchone()
        return _item(row) if row else None

    def by_sha256(self, sha256: str) -> Item | None:
        row = self.store.db.execute("SELECT * FROM watch_items WHERE sha256 = ?", (sha256,)).fetchone()
        return _item(row) if row else None

    def find(self, ref: str) -> Item:
        """An item by id (`12`) or by the start of its sha256 (at least 8 hex digits)."""
        ref = ref.strip().lower()
        if ref.isdigit() and len(ref) < 8:
            found = self.get(int(ref))
            if found is not None:
                return found
        elif len(ref) >= 8 and all(c in "0123456789abcdef" for c in ref):
            rows = self.store.db.execute("SELECT * FROM watch_items WHERE sha256 LIKE ?", (ref + "%",)).fetchall()
            if len(rows) == 1:
                return _item(rows[0])
            if len(rows) > 1:
                raise BadInputError(f"{ref} names {len(rows)} recordings: give more of the sha256")
        raise BadInputError(f"no recording {ref!r} in the store: see `vidkit status`")

    def list(self, state: str | None = None, folder: Path | None = None) -> list[Item]:
        where, params = [], []
        if state is not None:
            where.append("state = ?")
            params.append(state)
        if folder is not None:
            where.append("folder = ?")
            params.append(str(folder))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.store.db.execute(f"SELECT * FROM watch_items {clause} ORDER BY id", params).fetchall()
        return [_item(row) for row in rows]

    def ready(self, folder: Path, limit: int) -> list[Item]:
        """Queued items of `folder` whose retry time has come, oldest first."""
        rows = self.store.db.execute(
            "SELECT * FROM watch_items WHERE state = 'queued' AND folder = ? AND next_try_at <= ? ORDER BY id LIMIT ?",
            (str(folder), time.time(), limit)).fetchall()
        return [_item(row) for row in rows]

    def next_try(self, folder: Path) -> float | None:
        """When the first queued item of `folder` may run (time.time() seconds); None if none is queued."""
        row = self.store.db.execute("SELECT MIN(next_try_at) FROM watch_items WHERE state = 'queued' AND folder = ?",
                                    (str(folder),)).fetchone()
        return row[0]

    # --- writing (one transaction each) ------------------------------------------------------

    def claim(self, sha256: str, path: Path, folder: Path, out_dir: Path, preset: str, *,
              size: int | None, duration: float | None) -> tuple[Item, bool]:
        """The row for these bytes, made queued if new: (item, True when new). A known one only
        learns where the file is now."""
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM watch_items WHERE sha256 = ?", (sha256,)).fetchone()
            if row is not None:
                if row["path"] != str(path) and not Path(row["path"]).exists():  # renamed or moved
                    db.execute("UPDATE watch_items SET path = ? WHERE id = ?", (str(path), row["id"]))
                return _item(db.execute("SELECT * FROM watch_items WHERE id = ?", (row["id"],)).fetchone()), False
            cursor = db.execute(
                "INSERT INTO watch_items (sha256, path, folder, out_dir, preset, state, size, duration, added_at) "
                "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
                (sha256, str(path), str(folder), str(out_dir), preset, size, duration, now_text()))
            return _item(db.execute("SELECT * FROM watch_items WHERE id = ?", (cursor.lastrowid,)).fetchone()), True

    def start(self, item_id: int, worker: str) -> None:
        self._set(item_id, state=RUNNING, step=None, progress=None, error=None, started_at=now_text(),
                  finished_at=None, seconds=None, worker=worker, attempts_plus=1)

    def progress(self, item_id: int, step: str, fraction: float | None) -> None:
        self._set(item_id, step=step, progress=None if fraction is None else round(min(max(fraction, 0.0), 1.0), 4))

    def finish(self, item_id: int, state: str, *, seconds: float | None, path: Path | None = None) -> None:
        assert state in (DONE, WAITING)
        fields: dict[str, Any] = dict(state=state, step=None, progress=None, error=None, finished_at=now_text(),
                                      seconds=seconds)
        if path is not None:
            fields["path"] = str(path)
        self._set(item_id, **fields)

    def retry_later(self, item_id: int, error: str, step: str | None, delay: float) -> None:
        self._set(item_id, state=QUEUED, error=error, step=step, progress=None, next_try_at=time.time() + delay)

    def fail(self, item_id: int, error: str, step: str | None, *, path: Path | None = None,
             seconds: float | None = None) -> None:
        fields: dict[str, Any] = dict(state=FAILED, error=error, step=step, progress=None, finished_at=now_text(),
                                      seconds=seconds)
        if path is not None:
            fields["path"] = str(path)
        self._set(item_id, **fields)

    def requeue(self, item_id: int, *, reset_attempts: bool = False, path: Path | None = None,
                interrupted: bool = False) -> None:
        """Back in the queue now (retry, or a stop before it finished: `interrupted`, that
        attempt not counted, as in recover)."""
        fields: dict[str, Any] = dict(state=QUEUED, progress=None, next_try_at=0.0)
        if reset_attempts:
            fields.update(attempts=0, error=None)
        if path is not None:
            fields["path"] = str(path)
        self._set(item_id, attempts_plus=-1 if interrupted and not reset_attempts else 0, **fields)

    def recover(self, folder: Path) -> int:
        """Items left running by a watcher that died: queued again (their finished steps are in
        the jobs table and are skipped); how many. The interrupted attempt is not counted: it
        did not fail, and restarts (a reboot, a kill) must not use up the retries a transient
        failure gets."""
        with self.store.transaction() as db:
            return db.execute("UPDATE watch_items SET state = 'queued', progress = NULL, next_try_at = 0, "
                              "attempts = MAX(attempts - 1, 0) WHERE state = 'running' AND folder = ?",
                              (str(folder),)).rowcount

    def forget(self, item_id: int) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM watch_items WHERE id = ?", (item_id,))

    def _set(self, item_id: int, attempts_plus: int = 0, **fields: Any) -> None:
        assignments = [f"{name} = ?" for name in fields]
        if attempts_plus:
            assignments.append(f"attempts = MAX(attempts + {int(attempts_plus)}, 0)")
        with self.store.transaction() as db:
            db.execute(f"UPDATE watch_items SET {', '.join(assignments)} WHERE id = ?", (*fields.values(), item_id))


def _item(row) -> Item:
    data = dict(row)
    for key in ("path", "folder", "out_dir"):
        data[key] = Path(data[key])
    return Item(**data)
