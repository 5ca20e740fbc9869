"""`vidkit status`, `retry`, `forget`: the watch items of the store, read and changed."""

from __future__ import annotations

import contextlib
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from rich.table import Table
from rich.text import Text

from vidkit.errors import BadInputError
from vidkit.watch.items import FAILED, QUEUED, RUNNING, STATES, WAITING, Item, Items

LABELS = {QUEUED: "queued", RUNNING: "running", "done": "done", FAILED: "failed", WAITING: "waiting for consent"}
COLOURS = {QUEUED: "cyan", RUNNING: "yellow", "done": "green", FAILED: "red", WAITING: "magenta"}


@contextlib.contextmanager
def _items(ledger: Path | None, *, read_only: bool) -> Iterator[Items | None]:
    from vidkit.store import default_store_path, open_store

    path = Path(ledger) if ledger else default_store_path()
    if read_only and not path.exists():
        yield None  # nothing watched yet: say so, create nothing
        return
    with open_store(path, read_only=read_only) as store:
        yield Items(store) if store.version >= 4 else None


def status_payload(ledger: Path | None, folder: Path | None, *, print_table: bool) -> dict[str, Any]:
    with _items(ledger, read_only=True) as items:
        rows = items.list(folder=folder.resolve() if folder else None) if items else []
    counts = {LABELS[state]: sum(1 for item in rows if item.state == state) for state in STATES}
    if print_table:
        from vidkit.console import stderr

        stderr.print(status_table(rows) if rows else "no recordings taken yet (vidkit watch FOLDER)")
    return {"command": "status", "outputs": {}, "summary": {"counts": counts, "recordings": [_json(i) for i in rows]},
            "summary_lines": [(label, count) for label, count in counts.items() if count]}


def _json(item: Item) -> dict[str, Any]:
    data = item.to_json()
    data["state_label"] = LABELS[item.state]
    data["elapsed"] = _elapsed(item)
    return data


def _elapsed(item: Item) -> float | None:
    if item.seconds is not None:
        return item.seconds
    if item.state == RUNNING and item.started_at:
        started = datetime.fromisoformat(item.started_at)
        return round((datetime.now(timezone.utc) - started).total_seconds(), 1)
    return None


def status_table(rows: list[Item]) -> Table:
    table = Table(title="vidkit watch", title_justify="left")
    for column in ("#", "recording", "state", "step", "time", "detail"):
        table.add_column(column, overflow="fold")
    for item in rows:
        step = item.step or ""
        if item.state == RUNNING and item.progress is not None:
            step += f" {item.progress:.0%}"
        detail = item.error or ""
        if item.state == QUEUED and item.next_try_at > time.time():
            detail = f"retry {item.attempts} in {item.next_try_at - time.time():.0f} s: {detail}"
        elapsed = _elapsed(item)
        table.add_row(str(item.id), Text(item.path.name), Text(LABELS[item.state], style=COLOURS[item.state]),
                      Text(step), "" if elapsed is None else _duration(elapsed), Text(detail))
    return table


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}:{rest:02d}" if minutes else f"{seconds:.1f} s"


def follow_status(ledger: Path | None, folder: Path | None) -> None:
    """The table, refreshed every 2 s until Ctrl-C."""
    from rich.live import Live

    from vidkit.console import stderr

    def table() -> Any:
        with _items(ledger, read_only=True) as items:
            rows = items.list(folder=folder.resolve() if folder else None) if items else []
        return status_table(rows) if rows else Text("no recordings taken yet")

    with Live(table(), console=stderr, refresh_per_second=1) as live:
        try:
            while True:
                time.sleep(2.0)
                live.update(table())
        except KeyboardInterrupt:
            pass


def retry_items(ledger: Path | None, ref: str | None, every_failed: bool) -> dict[str, Any]:
    if bool(ref) == every_failed:
        raise BadInputError("give a JOB (its number from `vidkit status`) or --failed")
    with _items(ledger, read_only=False) as items:
        assert items is not None
        chosen = items.list(state=FAILED) if every_failed else [items.find(ref or "")]
        queued = []
        for item in chosen:
            if item.state not in (FAILED, QUEUED):
                raise BadInputError(f"#{item.id} is {LABELS[item.state]}: only a failed recording can be retried")
            items.requeue(item.id, reset_attempts=True, path=_back_from_failed(item))
            queued.append(item.id)
    lines = [("queued again", ", ".join(f"#{n}" for n in queued) if queued else "none failed")]
    return {"command": "retry", "outputs": {}, "summary": {"queued": queued}, "summary_lines": lines}


def _back_from_failed(item: Item) -> Path | None:
    """The recording moved from failed/ back into its watched folder (its error note removed)."""
    path = item.path
    if path.parent.name != "failed" or path.parent.parent != item.folder or not path.is_file():
        return None
    target = item.folder / path.name
    if target.exists():
        raise BadInputError(f"cannot move #{item.id} back: {target} exists")
    os.replace(path, target)
    path.with_name(path.name + ".error.txt").unlink(missing_ok=True)
    from vidkit.watch.files import subjects_file

    if subjects_file(path).is_file() and not subjects_file(target).exists():  # its subjects, if kept beside it
        os.replace(subjects_file(path), subjects_file(target))
    return target


def forget_item(ledger: Path | None, ref: str) -> dict[str, Any]:
    from vidkit.store import JobStore

    with _items(ledger, read_only=False) as items:
        assert items is not None
        item = items.find(ref)
        if item.state == RUNNING:
            raise BadInputError(f"#{item.id} is running: stop the watcher first")
        steps = JobStore(items.store).forget(item.sha256)
        items.forget(item.id)
    return {"command": "forget", "outputs": {}, "summary": {"forgotten": item.id, "steps": steps},
            "summary_lines": [("forgotten", f"#{item.id} and {steps} step record(s); it runs again if seen")]}
