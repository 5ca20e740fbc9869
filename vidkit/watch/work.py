"""One recording's work, as it runs on a worker (a local process, or a Dask worker).

`process(task)` runs the preset's steps that make files (everything but publishing, which
the watcher runs itself: it needs the publish ledger, which never leaves the watcher's disk)
through the job model, so each step is recorded as it finishes and a restarted job resumes at
the first step not done. It returns an Outcome and never raises: an exception would have to
be pickled back to the watcher, and the watcher needs its kind (bad input or transient) and
the step it came from, not the exception.

Step records reach the store through a Recorder: in a local process it is the store itself
(SQLite on the same disk); on a Dask worker it is a snapshot of the finished steps taken by
the watcher, and events that the watcher applies (the store has one writer).
"""

from __future__ import annotations

import errno
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from vidkit.config import Settings
from vidkit.console import Reporter

PUBLISH = "publish"  # the step that stays with the watcher
TRANSIENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.ETIMEDOUT, errno.ECONNRESET, errno.ECONNREFUSED,
                    errno.ECONNABORTED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EAGAIN,
                    errno.ESTALE, errno.ENOMEM, errno.EBUSY}
TRANSIENT_TEXT = ("no space left", "disk quota", "input/output error", "connection reset", "timed out",
                  "stale file handle", "cannot allocate memory", "broken pipe")


@dataclass(frozen=True)
class Task:
    item_id: int
    sha256: str
    path: Path
    out_dir: Path
    preset: Any  # a built-in name or a preset file, or the Preset itself (`vidkit run --executor`)
    settings: Settings
    store: Path | None = None  # local: the worker records steps in the store; None: as events
    done_steps: dict[str, Any] = field(default_factory=dict)  # events mode: (step, params) -> record dict
    hide: tuple[str, ...] = ()  # words no error line may hold (roster names)
    options: Any = None  # `vidkit run`'s RunOptions (flags over the preset); None: the preset as it is


@dataclass(frozen=True)
class Outcome:
    item_id: int
    ok: bool
    seconds: float
    step: str | None = None  # the step that failed
    error: str | None = None  # one line
    kind: str | None = None  # "bad-input", "transient", "failed", "stopped"
    worker: str = "local"
    events: tuple = ()  # Dask: the step records sent as events (in case the topic lost one)
    steps: tuple = ()  # what each step did, as plain data (`vidkit run --executor` prints it)


class Stopped(Exception):
    """The watcher is stopping: no new step is started."""


def process(task: Task, recorder: Any, should_stop: Callable[[], bool] = lambda: False,
            worker: str = "local") -> Outcome:
    """Run the task's preset (all but publishing) over its recording."""
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.presets import load_preset
    from vidkit.pipeline.run import RunOptions, steps_for

    started = time.perf_counter()
    current = {"step": None}
    try:
        preset = load_preset(task.preset) if isinstance(task.preset, (str, Path)) else task.preset
        options = task.options or RunOptions()
        reporter = ProgressReporter(lambda step, fraction: recorder.progress(task.item_id, step, fraction))
        ctx = Context(task.settings, reporter, out=task.out_dir, overwrite=options.overwrite)
        ctx.source(task.path)
        steps = [s for s in steps_for(preset, task.path, options) if s.name != PUBLISH]
        guarded = [_Guard(step, should_stop, current) for step in steps]
        job = run_job(f"watch {preset.name}", ctx, guarded, jobs=recorder.jobs, source_sha256=task.sha256,
                      force=options.force)
        return Outcome(task.item_id, True, time.perf_counter() - started, worker=worker,
                       steps=tuple(step_data(result) for result in job.results))
    except Stopped:
        return Outcome(task.item_id, False, time.perf_counter() - started, current["step"], "stopped", "stopped",
                       worker)
    except BaseException as exc:  # noqa: BLE001 - reported, never lost: see the module doc
        line = one_line(exc, task.hide)
        full = disk_full(exc, {"output folder": task.out_dir, "temporary folder": Path(tempfile.gettempdir())})
        if full is not None:
            line = one_line(Exception(f"{full}: {line}"), task.hide)
        return Outcome(task.item_id, False, time.perf_counter() - started, current["step"], line, classify(exc),
                       worker)


def step_data(result: Any) -> dict[str, Any]:
    """A StepResult as plain data, to travel back from a worker (its rich tables stay there)."""
    summary = result.summary
    return {"step": result.step, "verdict": result.verdict, "seconds": result.seconds,
            "outputs": {name: str(path) for name, path in result.outputs.items()},
            "lines": [(str(label), str(value)) for label, value in (summary.lines() if summary else [])],
            "summary": summary.to_json() if summary else None}


def done_steps(jobs: Any, sha256: str) -> dict[str, Any]:
    """A recording's finished steps as a worker's EventRecorder reads them: (step:params) -> record."""
    return {f"{r.step}:{r.params_sha256}": r.to_dict() for r in jobs.list(sha256, state="done")}


def classify(exc: BaseException) -> str:
    """bad-input (never retried), transient (retried with backoff), stopped, or failed (retried
    too: a failure vidkit cannot explain may be the machine's; it ends in failed/ after the
    retries)."""
    from vidkit.errors import BadInputError

    if isinstance(exc, KeyboardInterrupt):
        return "stopped"
    if isinstance(exc, BadInputError):
        return "bad-input"
    if type(exc).__name__ == "UnverifiedOutput":
        return "bad-input"  # faces still found after masking: the same again on every retry
    chain = [exc, exc.__cause__, exc.__context__]
    for error in chain:
        if isinstance(error, OSError) and error.errno in TRANSIENT_ERRNOS:
            return "transient"
        if isinstance(error, (MemoryError, ConnectionError, TimeoutError)):
            return "transient"
    text = str(exc).lower()
    if any(part in text for part in TRANSIENT_TEXT):
        return "transient"
    return "failed"


def disk_full(exc: BaseException, folders: dict[str, Path]) -> str | None:
    """For a full disk (ENOSPC or EDQUOT anywhere in the exception's chain), which disk: the
    folders the work writes to, with their free space. A failed write() names no file, so
    "[Errno 28] No space left on device" alone does not say where to make room."""
    seen, chain = set(), [exc]
    while chain:
        error = chain.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            break
        chain += [error.__cause__, error.__context__]
    else:
        return None
    free = []
    for what, folder in folders.items():
        try:
            free.append(f"{what} {folder}: {shutil.disk_usage(folder).free / (1 << 20):.1f} MiB free")
        except OSError:
            free.append(f"{what} {folder}")
    return f"no space left on the disk ({', '.join(free)})"


def one_line(exc: BaseException, hide: tuple[str, ...] = ()) -> str:
    """The error as one line, roster names and secrets hidden (vidkit.scrub.one_line)."""
    from vidkit.scrub import one_line as line

    return line(exc, hide)


class _Guard:
    """A step that first checks whether the watcher is stopping, and says which step runs."""

    def __init__(self, step, should_stop: Callable[[], bool], current: dict):
        self.step, self.should_stop, self.current = step, should_stop, current
        self.name = step.name
        self.always_run = step.always_run

    def parameters(self, ctx):
        return self.step.parameters(ctx)

    def run(self, ctx):
        if self.should_stop():
            raise Stopped()
        self.current["step"] = self.name
        return self.step.run(ctx)


class ProgressReporter(Reporter):
    """A reporter that prints nothing and hands each stage's progress to `send(step, fraction)`,
    at most once a second per stage (and always at its end)."""

    def __init__(self, send: Callable[[str, float], None], every: float = 1.0):
        super().__init__(quiet=True)
        self.send, self.every = send, every
        self._last: dict[str, float] = {}

    def update(self, stage: str, done: float, total: float) -> None:
        now = time.monotonic()
        fraction = done / total if total > 0 else 0.0
        if fraction < 1.0 and now - self._last.get(stage, 0.0) < self.every:
            return
        self._last[stage] = now
        try:
            self.send(stage, fraction)
        except Exception:  # noqa: BLE001 - progress is a courtesy: never fail the work for it
            pass


# --- recorders ----------------------------------------------------------------------------

class StoreRecorder:
    """A local worker's recorder: the store itself (jobs and the item's progress)."""

    def __init__(self, store_path: Path):
        from vidkit.store import JobStore, open_store
        from vidkit.watch.items import Items

        self.store = open_store(store_path)
        self.jobs = JobStore(self.store)
        self.items = Items(self.store)

    def progress(self, item_id: int, step: str, fraction: float) -> None:
        self.items.progress(item_id, step, fraction)

    def close(self) -> None:
        self.store.close()


class EventRecorder:
    """A Dask worker's recorder: the steps the watcher found done (with their outputs' sha256,
    checked here on the shared disk), and every change sent to the watcher as an event."""

    def __init__(self, done_steps: dict[str, Any], send: Callable[[dict[str, Any]], None]):
        self.jobs = _EventJobs(done_steps, send)
        self.send = send

    def progress(self, item_id: int, step: str, fraction: float) -> None:
        self.send({"kind": "progress", "item": item_id, "step": step, "fraction": fraction})

    def close(self) -> None:
        pass


class _EventJobs:
    """JobStore's four calls that run_job makes, over a snapshot and events."""

    def __init__(self, done_steps: dict[str, Any], send: Callable[[dict[str, Any]], None]):
        self.done_steps, self.send = done_steps, send

    def finished(self, source_sha256: str, step: str, params: str):
        from vidkit.hashing import file_sha256
        from vidkit.store.jobs import Output, StepRecord

        found = self.done_steps.get(f"{step}:{params}")
        if found is None:
            return None
        for output in found["outputs"].values():
            path = Path(output["path"])
            if not path.is_file() or file_sha256(path) != output["sha256"]:
                return None
        outputs = {name: Output(Path(o["path"]), o["sha256"]) for name, o in found["outputs"].items()}
        return StepRecord(**{**found, "outputs": outputs})

    def start(self, source_sha256: str, step: str, params: str) -> None:
        self.send({"kind": "start", "sha256": source_sha256, "step": step, "params": params})

    def finish(self, source_sha256: str, step: str, params: str, outputs: dict[str, Path]) -> None:
        self.send({"kind": "finish", "sha256": source_sha256, "step": step, "params": params,
                   "outputs": {name: str(path) for name, path in outputs.items()}})

    def fail(self, source_sha256: str, step: str, params: str, error: Any, hide=()) -> None:
        self.send({"kind": "fail", "sha256": source_sha256, "step": step, "params": params,
                   "error": one_line(error if isinstance(error, BaseException) else Exception(str(error)),
                                     tuple(hide))})


def apply_event(event: dict[str, Any], jobs: Any, items: Any) -> None:
    """The watcher's side of EventRecorder: one event into the store."""
    kind = event.get("kind")
    if kind == "progress":
        items.progress(int(event["item"]), str(event["step"]), float(event["fraction"]))
    elif kind == "start":
        jobs.start(event["sha256"], event["step"], event["params"])
    elif kind == "finish":
        jobs.finish(event["sha256"], event["step"], event["params"], event["outputs"])
    elif kind == "fail":
        jobs.fail(event["sha256"], event["step"], event["params"], event["error"])
