"""`vidkit watch DIR` end to end: locks, log file, store, executor, the loop, the summary."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any, Iterator

from vidkit.config import Settings
from vidkit.errors import BadInputError
from vidkit.watch.watcher import Tally, Watcher, WatchOptions, default_jobs, install_stop

log = logging.getLogger("vidkit.watch")
LOG_NAME = "watch.log"


def watch_folder(options: WatchOptions, settings: Settings) -> Tally:
    from vidkit.pipeline.presets import load_preset
    from vidkit.pipeline.run import check_preset
    from vidkit.store import open_store

    folder = options.folder
    if not folder.is_dir():
        raise BadInputError(f"not a folder: {folder}")
    if options.out_dir.resolve() == folder.resolve():
        raise BadInputError(f"the output folder must not be the watched folder {folder}: give -o OUT (default "
                            f"{folder / 'out'})")
    preset = load_preset(options.preset)
    check_preset(preset, settings)  # a publishing preset without a roster is refused now
    hide = roster_words(settings)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    with _locked(options), _logging(options.out_dir):
        _warn_if_shared(options.store)
        with open_store(options.store) as store:
            spec = settings.get("watch", "executor")
            jobs = options.jobs or settings.get("watch", "jobs") or default_jobs(preset)
            from vidkit.watch.executors import make_executor

            executor = make_executor(spec, jobs, store.path)
            try:
                if executor.name == "dask":
                    executor.check_shared([folder.resolve(), options.out_dir.resolve()])
                log.info("watching %s with preset %s: %d at once on %s%s", folder, preset.name, executor.jobs,
                         executor.name, " (once)" if options.once else "")
                watcher = Watcher(options, settings, hide)
                install_stop(watcher)
                return watcher.run(store, executor)
            finally:
                executor.close()


def _warn_if_shared(store: Path) -> None:
    """The store on SMB/NFS: SQLite's locks are not safe there, so exactly-once is not either
    (vidkit doctor's check; a warning, not a refusal: the filesystem may be told wrongly)."""
    from vidkit.doctor import FAIL, check_store_disk

    check = check_store_disk(store)
    if check.status == FAIL:
        log.warning("%s: %s", check.detail, check.fix)


def roster_words(settings: Settings) -> tuple[str, ...]:
    """The roster's names and their parts (3 letters and more): never in a log or error file."""
    if not settings.get("privacy", "roster"):
        return ()
    from vidkit.privacy.options import privacy_options

    from vidkit.scrub import roster_words as words

    return tuple(sorted(set(words(privacy_options(settings).roster))))


@contextlib.contextmanager
def _locked(options: WatchOptions) -> Iterator[None]:
    """One watcher per store and per output folder: a second one refuses, naming the first,
    or waits with --wait-lock."""
    from filelock import FileLock, Timeout

    # (lock file, what the message names): the store and the output folder, not the lock files
    locks = [(Path(f"{options.store}.watch.lock"), f"the store {options.store}"),
             (options.out_dir / ".vidkit" / "watch.lock", f"the output folder {options.out_dir}")]
    held: list[FileLock] = []
    try:
        for path, what in locks:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(path))
            try:
                lock.acquire(timeout=-1 if options.wait_lock else 0)
            except Timeout:
                owner = _owner(path)
                raise BadInputError(f"another vidkit watch{owner} is using {what}: stop it first, "
                                    "or give --wait-lock to wait for it") from None
            held.append(lock)
            path.with_name(path.name + ".pid").write_text(str(os.getpid()))
        yield
    finally:
        for lock in reversed(held):
            Path(lock.lock_file + ".pid").unlink(missing_ok=True)  # the lock file stays (filelock's way)
            lock.release()


def _owner(lock: Path) -> str:
    try:
        return f" (pid {int(lock.with_name(lock.name + '.pid').read_text())})"
    except (OSError, ValueError):
        return ""


@contextlib.contextmanager
def _logging(out_dir: Path) -> Iterator[None]:
    from vidkit.console import log_to_file

    handler = log_to_file(out_dir / ".vidkit" / LOG_NAME)
    watch_logger = logging.getLogger("vidkit.watch")
    previous = watch_logger.level
    watch_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        watch_logger.setLevel(previous)
        logging.getLogger().removeHandler(handler)
        handler.close()


def tally_payload(tally: Tally, options: WatchOptions) -> dict[str, Any]:
    summary = {"taken": tally.taken, "done": tally.done, "waiting_for_consent": tally.waiting,
               "failed": tally.failed, "retrying": tally.retrying, "seen_before": tally.known}
    lines = [("taken", tally.taken), ("done", tally.done)]
    if tally.waiting:
        lines.append(("waiting for consent", tally.waiting))
    if tally.failed:
        lines.append(("failed", f"{tally.failed} (see {options.folder / 'failed'})"))
    if tally.retrying:
        lines.append(("retries", tally.retrying))
    if tally.known:
        lines.append(("seen before", f"{tally.known} (the same bytes: not processed again)"))
    return {"command": "watch", "outputs": {"log": options.out_dir / ".vidkit" / LOG_NAME}, "summary": summary,
            "summary_lines": lines}
