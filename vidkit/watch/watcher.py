"""`vidkit watch DIR`: every recording that lands in DIR processed exactly once.

The loop: find media files (watchdog events wake it; `--poll` scans every few seconds for
SMB/NFS shares, where events do not arrive; a full scan at start-up either way), wait until
each is stable (vidkit.watch.files), claim it in the store by its sha256 (vidkit.watch.items),
hand it to an executor (local processes or Dask), and when it is back: done (or waiting for
consent), retried later (transient failure), or failed/ with `<name>.error.txt`.

SIGTERM, SIGINT (Ctrl-C) and SIGHUP stop the taking of new work: running recordings finish
their current step (up to `watch.stop_timeout`, then their workers are stopped, removing their
unfinished files) and go back to the queue; the watcher exits 0. A watcher killed outright
leaves its items `running`; the next one puts them back in the queue, and their finished steps
are skipped (the jobs table records each step as it ends).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit.config import Settings
from vidkit.errors import BadInputError
from vidkit.watch import files as watch_files
from vidkit.watch.items import DONE, FAILED, WAITING, Item, Items
from vidkit.watch.work import Outcome, Task, apply_event

log = logging.getLogger("vidkit.watch")


@dataclass
class WatchOptions:
    folder: Path
    out_dir: Path
    preset: str
    store: Path
    once: bool = False
    jobs: int = 0  # 0: default_jobs()
    poll: bool = False
    wait_lock: bool = False


@dataclass
class Tally:
    taken: int = 0
    done: int = 0
    waiting: int = 0
    failed: int = 0
    retrying: int = 0
    known: int = 0  # seen again: the same bytes were taken before
    outcomes: list[dict[str, Any]] = field(default_factory=list)


class Watcher:
    def __init__(self, options: WatchOptions, settings: Settings, hide: tuple[str, ...] = ()):
        self.options, self.settings, self.hide = options, settings, hide
        section = settings.section("watch")
        self.settle = float(section["settle_seconds"])
        self.poll_seconds = float(section["poll_seconds"])
        self.recursive = bool(section["recursive"])
        self.retries = int(section["retries"])
        self.backoff = float(section["backoff_seconds"])
        self.on_done = section["on_done"]
        if self.on_done not in ("keep", "move"):
            raise BadInputError(f"watch.on_done {self.on_done!r}: use keep or move")
        self.stop_timeout = float(section["stop_timeout"])
        self.executor_spec = section["executor"]
        self.folder = options.folder.resolve()
        self.out_dir = options.out_dir.resolve()
        self.settler = watch_files.Settler(self.settle)
        self.claimed: dict[Path, tuple[int, int]] = {}  # path -> (size, mtime_ns) when claimed
        self.doubtful: set[Path] = set()  # stable but not opening: bad input, or a copy that paused
        self.running: dict[Future, Item] = {}
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.tally = Tally()

    # --- the loop --------------------------------------------------------------------------

    def run(self, store, executor) -> Tally:
        from vidkit.store import JobStore
        from vidkit.pipeline.presets import load_preset

        self.items, self.jobs = Items(store), JobStore(store)
        self.preset = load_preset(self.options.preset)
        self.executor = executor
        back = self.items.recover(self.folder)
        if back:
            log.info("%d recording(s) left running by an earlier watcher: queued again, finished steps kept", back)
        observer = None if self.options.once else self._observe()
        try:
            while not self.stopping.is_set():
                self._scan()
                self._apply_events()
                self._harvest()
                self._submit()
                if self.options.once and self._idle():
                    break
                self.wake.wait(self._sleep())
                self.wake.clear()
        finally:
            if observer is not None:
                observer.stop()
        if self.stopping.is_set():
            self._drain()
        return self.tally

    def _sleep(self) -> float:
        if self.running or self.settler.unsettled() or self.doubtful:
            return 0.5
        wait = self.poll_seconds if (self.options.poll or self.options.once) else 30.0
        retry = self.items.next_try(self.folder)  # no event comes when a backoff ends: wake for it
        return wait if retry is None else min(wait, max(0.1, retry - time.time()))

    def _idle(self) -> bool:
        """--once: nothing running, nothing ready, no file still settling."""
        return (not self.running and not self.settler.unsettled() and not self.doubtful
                and not self.items.ready(self.folder, 1))

    def _observe(self):
        if self.options.poll:
            return None  # the loop scans every poll_seconds
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            log.warning("watchdog is not installed: scanning every %.0f s instead", self.poll_seconds)
            self.options.poll = True
            return None
        wake = self.wake

        class Wake(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                wake.set()

        observer = Observer()
        observer.schedule(Wake(), str(self.folder), recursive=self.recursive)
        observer.daemon = True
        observer.start()
        return observer

    # --- finding and claiming ----------------------------------------------------------------

    def _scan(self) -> None:
        skip = (self.out_dir,) if self.out_dir.is_relative_to(self.folder) else ()
        present = set()
        for path in watch_files.candidates(self.folder, recursive=self.recursive, skip=skip):
            present.add(path)
            seen = self.settler.observe(path)
            if seen is None or self.claimed.get(path) == (seen.size, seen.mtime_ns):
                continue
            if not self.settler.stable(path):
                continue
            self._consider(path, seen)
        for gone in set(self.settler.seen) - present:
            self.settler.forget(gone)
        for gone in set(self.claimed) - present:
            del self.claimed[gone]
        self.doubtful &= present

    def _consider(self, path: Path, seen) -> None:
        from vidkit.hashing import file_sha256

        try:
            duration, size = watch_files.readable(path)
        except BadInputError as exc:
            if self.settler.quiet_for(path) < self.settle * watch_files.BAD_AFTER_SETTLES:
                self.doubtful.add(path)
                return  # perhaps still arriving: give it longer before calling it bad
            self.doubtful.discard(path)
            item, new = self._claim(path, file_sha256(path), seen.size, None)
            if new:
                self._fail(item, str(exc), None)
            return
        self.doubtful.discard(path)
        self._claim(path, file_sha256(path), size, duration)

    def _claim(self, path: Path, sha256: str, size: int, duration: float | None) -> tuple[Item, bool]:
        item, new = self.items.claim(sha256, path, self.folder, self.out_dir, self.options.preset,
                                     size=size, duration=duration)
        stat = path.stat()
        self.claimed[path] = (stat.st_size, stat.st_mtime_ns)
        if new:
            self.tally.taken += 1
            log.info("#%d %s: taken (%s)", item.id, path.name, _size(size))
        elif item.state in (DONE, WAITING, FAILED):
            self.tally.known += 1
            same = "" if item.path == path else f", the same bytes as {item.path.name}"
            log.info("#%d %s: already %s%s: not processed again", item.id, path.name, item.state, same)
        return item, new

    # --- running --------------------------------------------------------------------------

    def _submit(self) -> None:
        busy = {item.id for item in self.running.values()}
        room = max(0, self.executor.jobs - len(self.running))
        if room == 0 or self.stopping.is_set():
            return
        for item in self.items.ready(self.folder, room + len(busy)):
            if item.id in busy or len(self.running) >= self.executor.jobs:
                continue
            if not item.path.is_file():
                self._fail(item, f"the recording is gone from {item.path.parent}", None, move=False)
                continue
            try:
                options = self._run_options(item)
            except BadInputError as exc:
                self._fail(item, str(exc), None)
                continue
            task = Task(item.id, item.sha256, item.path, self.out_dir, self.options.preset, self.settings,
                        store=self.options.store if self.executor.name == "local" else None,
                        done_steps=self._done_steps(item) if self.executor.name != "local" else {},
                        hide=self.hide, options=options)
            self.items.start(item.id, self.executor.name)
            log.info("#%d %s: started (attempt %d)", item.id, item.path.name, item.attempts + 1)
            self.running[self.executor.submit(task)] = item

    def _run_options(self, item: Item):
        """The run's options for one recording: the people named in its `<stem>.subjects.txt`
        (for the consent gate), and this watcher's store as the publish ledger."""
        from vidkit.pipeline.run import RunOptions

        subjects = watch_files.subjects_beside(item.path)
        return RunOptions(subjects=subjects, ledger=self.options.store, store=self.options.store)

    def _done_steps(self, item: Item) -> dict[str, Any]:
        return {f"{r.step}:{r.params_sha256}": r.to_dict() for r in self.jobs.list(item.sha256, state="done")}

    def _apply_events(self, events: list[dict[str, Any]] | None = None) -> None:
        for event in events if events is not None else self.executor.events():
            try:
                apply_event(event, self.jobs, self.items)
            except Exception as exc:  # noqa: BLE001 - a bad event must not stop the watcher
                log.warning("could not record a worker event (%s): %s", event.get("kind"), exc)

    def _harvest(self) -> None:
        for future in [f for f in self.running if f.done()]:
            item = self.running.pop(future)
            try:
                outcome: Outcome = future.result()
            except BaseException as exc:  # noqa: BLE001 - a worker process died, the cluster went away
                from vidkit.watch.work import one_line

                outcome = Outcome(item.id, False, 0.0, None, f"the worker stopped: {one_line(exc, self.hide)}",
                                  "transient")
            if outcome.events and hasattr(self.executor, "unseen"):
                self._apply_events(self.executor.unseen(list(outcome.events)))
            self._settle_outcome(self.items.get(item.id) or item, outcome)

    def _settle_outcome(self, item: Item, outcome: Outcome) -> None:
        if outcome.ok:
            self._finish(item, outcome)
        elif outcome.kind == "stopped":
            self.items.requeue(item.id, interrupted=True)
            log.info("#%d %s: stopped before %s; queued again", item.id, item.path.name, outcome.step or "its end")
        elif outcome.kind == "bad-input" or item.attempts > self.retries:
            self._fail(item, outcome.error or "failed", outcome.step, seconds=outcome.seconds)
        else:
            delay = self.backoff * 2 ** max(0, item.attempts - 1)
            self.items.retry_later(item.id, outcome.error or "failed", outcome.step, delay)
            self.tally.retrying += 1
            log.warning("#%d %s: %s failed (%s); retry %d of %d in %.0f s", item.id, item.path.name,
                        outcome.step or "a step", outcome.error, item.attempts, self.retries, delay)

    def _finish(self, item: Item, outcome: Outcome) -> None:
        state = DONE
        if self.preset.publishes:
            state = self._publish(item)
            if state is None:
                return
        path = self._move(item.path, "done") if self.on_done == "move" else None
        self.items.finish(item.id, state, seconds=round(outcome.seconds, 3), path=path)
        self.tally.done += state == DONE
        self.tally.waiting += state == WAITING
        log.info("#%d %s: %s in %.1f s", item.id, item.path.name,
                 "done" if state == DONE else "waiting for consent", outcome.seconds)

    def _publish(self, item: Item) -> str | None:
        """The preset's publish step, here (the ledger is in this store): the steps the worker
        made are found done and skipped, publishing runs as `vidkit run` would run it."""
        from vidkit.console import Reporter
        from vidkit.pipeline.job import WAITING as STEP_WAITING, Context, run_job
        from vidkit.pipeline.run import steps_for

        ctx = Context(self.settings, Reporter(quiet=True), out=self.out_dir)
        try:
            ctx.source(item.path)
            # the same options as the worker's (so its steps are found done), and this watcher's
            # store as the publish ledger (consents, uploads), as `vidkit run --ledger`
            options = self._run_options(item)
            job = run_job(f"watch {self.preset.name}", ctx, steps_for(self.preset, item.path, options),
                          jobs=self.jobs, source_sha256=item.sha256)
        except Exception as exc:  # noqa: BLE001 - as a worker's failure
            from vidkit.watch.work import classify, one_line

            self._settle_outcome(item, Outcome(item.id, False, 0.0, "publish", one_line(exc, self.hide), classify(exc)))
            return None
        return WAITING if any(r.verdict == STEP_WAITING for r in job.results) else DONE

    def _fail(self, item: Item, error: str, step: str | None, *, seconds: float | None = None,
              move: bool = True) -> None:
        from vidkit.watch.work import one_line

        error = one_line(Exception(error), self.hide)
        path = self._move(item.path, "failed", note=f"{step or 'taking the file'}: {error}") if move else None
        self.items.fail(item.id, error, step, path=path, seconds=seconds)
        self.tally.failed += 1
        log.error("#%d %s: failed%s: %s", item.id, item.path.name, f" in {step}" if step else "", error)

    def _move(self, path: Path, folder: str, note: str | None = None) -> Path | None:
        """`path` into DIR/<folder>/ (a free name), with `<name>.error.txt` beside it when a
        note is given; None when the file is not there to move."""
        target_dir = self.folder / folder
        if not path.is_file():
            return None
        target_dir.mkdir(exist_ok=True)
        target = target_dir / path.name
        number = 1
        while target.exists():
            target = target_dir / f"{path.stem}.{number}{path.suffix}"
            number += 1
        os.replace(path, target)  # same file system: atomic; the bytes are never rewritten
        subjects = watch_files.subjects_file(path)
        if subjects.is_file():
            os.replace(subjects, watch_files.subjects_file(target))
        self.claimed.pop(path, None)
        self.settler.forget(path)
        if note is not None:
            from vidkit.media.output import atomic_path

            with atomic_path(target_dir / f"{target.name}.error.txt") as part:
                Path(part).write_text(note + "\n", encoding="utf-8")
        return target

    # --- stopping -------------------------------------------------------------------------

    def stop(self, *_: Any) -> None:
        if not self.stopping.is_set():
            log.info("stopping: no new recordings; running steps may finish for %.0f s", self.stop_timeout)
        self.stopping.set()
        self.wake.set()

    def _drain(self) -> None:
        self.executor.stop()
        deadline = time.monotonic() + self.stop_timeout
        while self.running and time.monotonic() < deadline:
            self._apply_events()
            self._harvest()
            time.sleep(0.2)
        if self.running:
            log.warning("%d recording(s) still running after %.0f s: stopping their workers", len(self.running),
                        self.stop_timeout)
            self.executor.kill()
            self._apply_events()
            for item in self.running.values():
                self.items.requeue(item.id, interrupted=True)
            self.running.clear()
        self.executor.close()


def default_jobs(preset: Any) -> int:
    """Recordings at once: the cores over what one recording's steps keep busy (a preset's
    `cores`, 2 for the face and render work, whose detector, decoder and encoder overlap), and
    no more than the memory allows at about 1 GiB each."""
    cores = os.cpu_count() or 1
    per_job = max(1, preset.cores)
    jobs = max(1, cores // per_job)
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
        jobs = min(jobs, max(1, memory // (1 << 30)))
    except (ValueError, OSError, AttributeError):
        pass
    return jobs


def install_stop(watcher: Watcher) -> None:
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), watcher.stop)


def _size(size: int | None) -> str:
    return f"{(size or 0) / (1 << 20):.1f} MiB"

