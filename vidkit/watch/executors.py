"""Where recordings are processed: local worker processes (the default) or an existing Dask
cluster (`--executor dask://HOST:PORT`). Both take a Task and give a future of its Outcome.

Local workers are spawned (not forked: the watcher has threads, and the models' runtimes do
not survive a fork), ignore Ctrl-C (the watcher decides when they stop), and die with the
watcher: a watcher killed with -9 leaves no orphan still writing outputs.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from vidkit.errors import BadInputError
from vidkit.watch.work import Outcome, StoreRecorder, Task

TOPIC = "vidkit-watch"  # Dask structured events from workers to the watcher


class LocalExecutor:
    name = "local"

    def __init__(self, jobs: int, store: Path):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.jobs = jobs
        self._stop = context.Event()
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_local_init,
                                        initargs=(self._stop, os.getpid()))
        self.store = store

    def submit(self, task: Task) -> Future:
        return self.pool.submit(_local_run, task)

    def events(self) -> list[dict[str, Any]]:
        return []  # local workers write the store themselves

    def stop(self) -> None:
        """No worker starts another step from now on."""
        self._stop.set()

    def kill(self) -> None:
        """Stop the workers now (SIGTERM: each removes its unfinished files and exits)."""
        for process in list(getattr(self.pool, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


_WORKER: dict[str, Any] = {}
ORPHAN_GRACE = 30.0  # seconds an orphaned worker's running step has to clean up before it ends anyway


def _local_init(stop, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["stop"], _WORKER["parent"] = stop, parent
    if sys.platform.startswith("linux"):
        try:  # the kernel sends SIGTERM when the watcher dies, however it dies
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def orphaned() -> None:  # elsewhere (and in case the watcher died before prctl): look
        import time

        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)  # a running step cleans up: its .part files, its ffmpeg
        time.sleep(ORPHAN_GRACE)  # (a SIGTERM that came during that cleanup was ignored)
        os._exit(1)

    threading.Thread(target=orphaned, name="vidkit-orphan-check", daemon=True).start()


def _local_run(task: Task) -> Outcome:
    from vidkit.interrupts import stop_signals_raise
    from vidkit.watch.work import process

    recorder = _WORKER.get("recorder")
    if recorder is None or recorder.store.path != Path(task.store):
        recorder = _WORKER["recorder"] = StoreRecorder(Path(task.store))
    with stop_signals_raise():
        outcome = process(task, recorder, _WORKER["stop"].is_set, worker=f"local pid {os.getpid()}")
    if os.getppid() != _WORKER["parent"]:
        # The watcher died while this ran (its SIGTERM stopped the step). No one reads the outcome,
        # and waiting for the next task would be for ever: the pool's queues never reach their end
        # while the other workers, spawned with both ends of each pipe, still hold them.
        os._exit(0)
    return outcome


# --- Dask ---------------------------------------------------------------------------------

class DaskExecutor:
    """Tasks on an existing dask.distributed cluster. The store stays here: workers send their
    step records as events (TOPIC), applied by the watcher in its own thread."""

    name = "dask"

    def __init__(self, address: str, *, timeout: float = 10.0):
        try:
            from distributed import Client, Event
        except ImportError:
            raise BadInputError("--executor dask:// needs the distributed package: pip install 'vidkit[dask]'") from None
        target = address.removeprefix("dask://")  # any scheme distributed knows (inproc:// in tests)
        target = target if "://" in target else f"tcp://{target}"
        try:
            self.client = Client(target, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise BadInputError(f"cannot reach the Dask scheduler at {target}: {exc}") from None
        self.address = target
        self._events: queue.Queue = queue.Queue()
        self._seen: set[str] = set()
        # The stop event's name tags this watcher's events too: every client of the cluster
        # receives every topic event, and another watcher's are not for this store.
        self._stop_name = f"vidkit-stop-{uuid.uuid4().hex}"
        self.client.subscribe_topic(TOPIC, self._receive)
        self._stop = Event(self._stop_name, client=self.client)
        workers = self.client.scheduler_info().get("workers", {})
        if not workers:
            raise BadInputError(f"the Dask cluster at {target} has no workers: start some with "
                                f"`dask worker {target} --preload vidkit.worker`")
        # Workers that declare a `vidkit` resource take one task per unit of it; if none does,
        # every worker takes tasks as its threads allow.
        self.resources = {"vidkit": 1} if any("vidkit" in (w.get("resources") or {}) for w in workers.values()) else None
        self.jobs = sum(int((w.get("resources") or {}).get("vidkit", 0)) for w in workers.values()) \
            if self.resources else sum(int(w.get("nthreads", 1)) for w in workers.values())

    def check_shared(self, folders: list[Path]) -> None:
        """Every worker must see the watched and output folders (shared storage): a file the
        watcher writes in the output folder must be readable there."""
        probe = folders[-1] / ".vidkit" / f"shared-{uuid.uuid4().hex}"
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text(probe.name)
        try:
            seen = self.client.run(_sees, [str(f) for f in folders], str(probe), probe.name)
        finally:
            probe.unlink(missing_ok=True)
        blind = {worker: missing for worker, missing in seen.items() if missing}
        if blind:
            worker, missing = sorted(blind.items())[0]
            raise BadInputError(f"Dask worker {worker} cannot see {missing} ({len(blind)} of {len(seen)} workers): "
                                "the watched and output folders must be on storage every worker mounts at the same path")

    def submit(self, task: Task) -> Future:
        return self.client.submit(_dask_run, shipped(task), self._stop_name, pure=False, resources=self.resources,
                                  key=f"vidkit-{task.item_id}-{uuid.uuid4().hex[:8]}")

    def _receive(self, event: Any) -> None:
        event = event[1] if isinstance(event, tuple) else event  # (time, event)
        if isinstance(event, dict) and event.get("session") == self._stop_name:
            self._events.put(event)

    def events(self) -> list[dict[str, Any]]:
        """Events received since the last call, each once."""
        found = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return found
            if event.get("id") not in self._seen:
                self._seen.add(event.get("id"))
                found.append(event)

    def unseen(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Of a finished task's own copy of its events, those the topic has not delivered."""
        fresh = [e for e in events if e.get("id") not in self._seen]
        self._seen.update(e.get("id") for e in fresh)
        return fresh

    def stop(self) -> None:
        self._stop.set()

    def kill(self) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a client whose scheduler is gone
            pass


def shipped(task: Task) -> Task:
    """The task as a worker elsewhere can run it: a worker's working folder is not the
    watcher's, so the preset goes loaded and the roster file by its absolute path (on the
    shared storage, as the recordings are)."""
    from dataclasses import replace

    from vidkit.config import Settings
    from vidkit.pipeline.presets import load_preset

    preset = load_preset(str(task.preset)) if isinstance(task.preset, (str, Path)) else task.preset
    settings = task.settings
    roster = settings.get("privacy", "roster")
    if roster:
        values = {name: dict(section) for name, section in settings.values.items()}
        values["privacy"]["roster"] = str(Path(roster).expanduser().absolute())
        settings = Settings(values, settings.sources)
    return replace(task, preset=preset, settings=settings)


def _sees(folders: list[str], probe: str, token: str) -> str | None:
    """On a worker: the first folder it cannot see, or the probe file if it reads wrong."""
    for folder in folders:
        if not os.path.isdir(folder):
            return folder
    try:
        with open(probe, encoding="utf-8") as handle:
            return None if handle.read() == token else probe
    except OSError:
        return probe


def _dask_run(task: Task, stop_name: str) -> Outcome:
    from dataclasses import replace

    from distributed import Event, get_worker

    from vidkit.watch.work import EventRecorder, process

    worker = get_worker()
    sent: list[dict[str, Any]] = []
    prefix = uuid.uuid4().hex

    def send(event: dict[str, Any]) -> None:
        event = {**event, "id": f"{prefix}-{len(sent)}", "session": stop_name}
        sent.append(event)
        worker.log_event(TOPIC, event)

    stop = Event(stop_name)
    outcome = process(task, EventRecorder(task.done_steps, send), stop.is_set, worker=worker.address)
    return replace(outcome, events=tuple(e for e in sent if e["kind"] != "progress"))


def scheduler_address(executor: str) -> str | None:
    """The scheduler that `watch.executor` / --executor names (dask://HOST:PORT is tcp://HOST:PORT;
    tcp:// and tls:// as they are); None for the local process pool."""
    if executor in ("", "local"):
        return None
    target = executor.removeprefix("dask://")
    if not executor.startswith(("dask://", "tcp://", "tls://")) or not target.split("://")[-1].strip("/"):
        raise BadInputError(f"executor {executor!r} is neither local nor dask://HOST:PORT")
    return target if "://" in target else f"tcp://{target}"


def make_executor(spec: str, jobs: int, store: Path):
    address = scheduler_address(spec)
    return LocalExecutor(jobs, store) if address is None else DaskExecutor(address)
