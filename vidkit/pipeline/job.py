"""What a job is: a source, a context, and steps that return typed results.

Every command is a short list of steps run over one `Context`: `vidkit blur X` is
`[BlurStep(X)]`, `vidkit run X --preset session` is transcribe, render, clip, describe,
publish. The context probes and hashes each source once, reads the roster once and hands the
transcript one step found or made to the next; a step returns its outputs, a summary that
prints itself as lines and as JSON, and a verdict. The CLI only builds the list and prints.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, ClassVar

from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.media.probe import MediaInfo, probe

OK, UNVERIFIED, SKIPPED, WAITING = "ok", "unverified", "skipped", "waiting"


@dataclass(frozen=True)
class Source:
    """One input file, probed once; its sha256 computed when first asked for, once."""

    path: Path
    info: MediaInfo

    @classmethod
    def open(cls, path: Path) -> Source:
        return cls(Path(path), probe(path))

    @cached_property
    def sha256(self) -> str:
        from vidkit.hashing import file_sha256

        return file_sha256(self.path)

    @property
    def stem(self) -> str:
        return self.path.stem


class Summary(ABC):
    """What a step did, for people (`lines`) and for scripts (`to_json`)."""

    @abstractmethod
    def lines(self) -> list[tuple[str, Any]]:
        """(label, value) rows for the terminal; values are plain text or rich Text."""

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """The `summary` object of `--json` (the same keys commands have always printed)."""


@dataclass
class StepResult:
    step: str
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: Summary | None = None
    verdict: str = OK
    tables: list[Any] = field(default_factory=list)  # rich tables printed after the summary
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)  # more top-level --json keys (publish --dry-run)


class Context:
    """Settings, reporter and output folder of one run, plus what its steps share."""

    def __init__(self, settings: Settings, reporter: Reporter, *, out: Path | None = None,
                 overwrite: bool = False, detectors: Any = None, engines: Any = None):
        from vidkit.faces.detect import Detectors
        from vidkit.pipeline.steps import resolve_out_dir
        from vidkit.transcribe.engines import Engines

        self.settings = settings
        self.reporter = reporter
        self.out = out  # as given with -o (None: the configured folder, else beside the input)
        self.out_dir = resolve_out_dir(settings, out)
        self.overwrite = overwrite
        # Where face detectors and speech engines come from: every step makes them through
        # these, so a caller (or a test) chooses them here rather than patching a module.
        self.detectors: Detectors = detectors or Detectors()
        self.engines: Engines = engines or Engines()
        self.results: list[StepResult] = []
        self._sources: dict[Path, Source] = {}

    def close(self) -> None:
        """Stop what steps started in the background (a face scan ahead of its render)."""
        if "faces" in self.__dict__:
            self.faces.close()

    def source(self, path: Path) -> Source:
        """The input at `path`, probed once per run."""
        key = Path(path).absolute()
        if key not in self._sources:
            self._sources[key] = Source.open(path)
        return self._sources[key]

    @cached_property
    def faces(self):
        """Face scans of this run (vidkit.faces.masking.FaceScans): the publishable video's scan
        of every frame, read again by the clips cut after it."""
        from vidkit.faces.masking import FaceScans

        return FaceScans()

    @cached_property
    def privacy(self):
        """The [privacy] options with the roster read, once; None without a roster."""
        if not self.settings.get("privacy", "roster"):
            return None
        from vidkit.privacy.options import privacy_options

        return privacy_options(self.settings)

    def hide_words(self) -> list[str]:
        """What a stored error line must not hold: the inputs' file names and roster names."""
        words = [w for src in self._sources.values() for w in (src.path.name, src.stem)]
        try:
            privacy = self.privacy
        except Exception:  # noqa: BLE001 - an unusable roster: the error being recorded says so
            privacy = None
        if privacy is not None:
            from vidkit.scrub import roster_words

            words += roster_words(privacy.roster)
        return words

    def result(self, step: str) -> StepResult | None:
        """The result of an earlier step of this run, by name."""
        return next((r for r in reversed(self.results) if r.step == step), None)


class Step(ABC):
    """One unit of work over a context. `parameters` names what changes its outputs (the
    store keys finished steps by them); `run` does the work and returns its result."""

    name: ClassVar[str]
    always_run: ClassVar[bool] = False  # never skipped (its result depends on the world: consent, quota)
    # The earlier steps (by name) whose results or files this one reads; None: all of them.
    # With run_job(overlap=True) a step starts as soon as those have finished.
    needs: ClassVar[tuple[str, ...] | None] = None

    def parameters(self, ctx: Context) -> dict[str, Any]:
        return {}

    def prepare(self, ctx: Context) -> None:
        """Called before the job's first step when this step will run: start background work
        that needs nothing from the steps before it (the render's face scan)."""

    @abstractmethod
    def run(self, ctx: Context) -> StepResult:
        ...


def parameters_hash(step: Step, ctx: Context, before: str = "") -> str:
    """The sha256 of a step's parameters and of the steps before it (`before`), with the
    vidkit version (a new vidkit makes its outputs anew) and where the outputs go: the output
    folder and the recording's stem (a run into another folder, or of a copy under another
    name, makes its own files rather than pointing at the first run's)."""
    import vidkit

    parameters = step.parameters(ctx)  # probes the step's inputs: the recording is known after
    out = str(Path(ctx.out_dir).resolve()) if ctx.out_dir is not None else None
    # The job's recording is the first input the context probed (the same here and on a worker)
    recording = next(iter(ctx._sources.values()), None)
    name = str(Path(out or recording.path.parent).resolve() / recording.stem) if recording else None
    text = json.dumps({"step": step.name, "before": before, "vidkit": vidkit.__version__, "out": out,
                       "name": name, **parameters}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class JobResult:
    command: str
    results: list[StepResult]

    @property
    def outputs(self) -> dict[str, Path]:
        merged: dict[str, Path] = {}
        for result in self.results:
            merged.update(result.outputs)
        return merged

    def payload(self) -> dict[str, Any]:
        """What the CLI prints: one step's summary as it always was; several steps' by name."""
        lines: list[tuple[str, Any]] = []
        tables: list[Any] = []
        for result in self.results:
            if result.summary is not None:
                lines += result.summary.lines()
            tables += result.tables
        extra: dict[str, Any] = {}
        if len(self.results) == 1 and self.results[0].summary is not None:
            summary: dict[str, Any] = self.results[0].summary.to_json()
            extra = self.results[0].extra
        else:
            summary = {"steps": [{"step": r.step, "verdict": r.verdict, "seconds": round(r.seconds, 2),
                                  "summary": r.summary.to_json() if r.summary else None} for r in self.results]}
        return {"command": self.command, **extra, "outputs": self.outputs, "summary": summary,
                "summary_lines": lines, "_tables": tables}


@dataclass
class SkippedSummary(Summary):
    """A step found finished in the store with the same parameters and unchanged outputs."""

    step: str
    finished_at: str | None

    def lines(self) -> list[tuple[str, Any]]:
        return [("skipped", f"done before with the same parameters ({self.finished_at}); "
                            f"its outputs are unchanged")]

    def to_json(self) -> dict[str, Any]:
        return {"skipped": True, "finished_at": self.finished_at}


def run_job(command: str, ctx: Context, steps: list[Step], *, jobs: Any = None, source_sha256: str | None = None,
            force: bool = False, overlap: bool = False) -> JobResult:
    """Run `steps` over `ctx`; a step that fails raises and stops the job.

    With `jobs` (a vidkit.store.JobStore) each step is recorded under the source's sha256 and
    its parameters hash, chained with the steps before it: a step finished before with the
    same parameters, whose outputs still have the same bytes, is skipped and says so; a changed
    parameter re-runs that step and every step after it.

    In order, one at a time; with `overlap`, two at a time where a step does not need the
    other (Step.needs: the session preset's render and clips both need only the words). One
    render leaves about a quarter of two cores idle (the encoder waits for frames, Whisper's
    second listen keeps one core busy): two fill them. The store is written from this thread
    only. A failure ends the job as in order: the steps before the failed one still run to their
    end, the steps after it are stopped at their next progress report (or never started), and
    the earliest failure is raised; a stopped job stops every step."""
    keys: list[tuple[str, str, str] | None] = []
    chain = ""
    for step in steps:  # a step's key needs only settings and the steps before it: known up front
        if jobs is not None and source_sha256 is not None:
            chain = parameters_hash(step, ctx, chain)
            keys.append((source_sha256, step.name, chain))
        else:
            keys.append(None)
    runner = _Runner(ctx, steps, keys, jobs, force)
    try:
        if len(steps) > 1:
            for index, step in enumerate(steps):
                if runner.finished(index) is None:
                    try:
                        step.prepare(ctx)
                    except Exception:  # noqa: BLE001 - only a head start: the step reports it when it runs
                        logging.getLogger(__name__).debug("%s: nothing started ahead", step.name, exc_info=True)
        if overlap and len(steps) > 1:
            runner.overlapped()
        else:
            for index in range(len(steps)):
                runner.record(index, runner.start(index))
    finally:
        ctx.close()
    return JobResult(command, list(ctx.results))


class StepStopped(KeyboardInterrupt):
    """Raised in a step running beside another when the job stops (an earlier step failed, or
    the job was interrupted). A KeyboardInterrupt, as Terminated is: no step's `except Exception`
    keeps it, and a step cleans up as after Ctrl-C (an upload keeps what resuming needs)."""


class _Runner:
    """run_job's bookkeeping: which steps are done, what each returned, the store calls."""

    def __init__(self, ctx: Context, steps: list[Step], keys: list, jobs: Any, force: bool):
        self.ctx, self.steps, self.keys, self.jobs, self.force = ctx, steps, keys, jobs, force
        self.results: dict[int, StepResult] = {}

    def finished(self, index: int):
        step, key = self.steps[index], self.keys[index]
        return None if (key is None or self.force or step.always_run) else self.jobs.finished(*key)

    def start(self, index: int) -> Callable[[], StepResult] | StepResult:
        """The step's result when the store says it is done, else a call that runs it (the
        store told it started)."""
        step, key, ctx = self.steps[index], self.keys[index], self.ctx
        if len(self.steps) > 1:
            ctx.reporter.say(f"step {index + 1}/{len(self.steps)}: {step.name}")
        done = self.finished(index)
        if done is not None:
            return StepResult(step.name, {name: o.path for name, o in done.outputs.items()},
                              SkippedSummary(step.name, done.finished_at), verdict=SKIPPED)
        if key is not None:
            self.jobs.start(*key)

        def run() -> StepResult:
            started = time.perf_counter()
            result = step.run(ctx)
            result.seconds = time.perf_counter() - started
            return result
        return run

    def record(self, index: int, work: Callable[[], StepResult] | StepResult | BaseException) -> None:
        """Run `work` here (or take its result or failure) and tell the store."""
        key = self.keys[index]
        try:
            if isinstance(work, BaseException):
                raise work
            result = work if isinstance(work, StepResult) else work()
        except BaseException as exc:
            if key is not None:
                self.jobs.fail(*key, exc, hide=self.ctx.hide_words())
            raise
        if key is not None and result.verdict != SKIPPED:
            self.jobs.finish(*key, {name: path for name, path in result.outputs.items()
                                    if isinstance(path, Path) and path.is_file()})
        self.results[index] = result
        self.ctx.results[:] = [self.results[i] for i in sorted(self.results)]  # what later steps read

    def ready(self, index: int) -> bool:
        needs = self.steps[index].needs
        earlier = [i for i in range(index) if needs is None or self.steps[i].name in needs]
        return all(i in self.results for i in earlier)

    def overlapped(self, workers: int = 2) -> None:
        """Two steps at a time with the results of running them in order: when a step fails,
        the steps before it still run to their end (in order they would have been done), the
        steps after it are stopped or never started, and the earliest failure is raised."""
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        ctx = self.ctx
        reporter, ctx.reporter = ctx.reporter, _Stoppable(ctx.reporter)
        stopper: _Stoppable = ctx.reporter
        waiting = list(range(len(self.steps)))
        running: dict[Any, int] = {}
        failures: dict[int, BaseException] = {}

        def startable(index: int) -> bool:
            return (not failures or index < min(failures)) and self.ready(index)

        def track(index: int, work: Callable[[], StepResult]) -> Callable[[], StepResult]:
            def run() -> StepResult:
                stopper.mine.index = index  # which step this thread's progress reports belong to
                return work()
            return run

        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vidkit-step")
        try:
            while waiting or running:
                for index in [i for i in waiting if startable(i)]:
                    if len(running) >= workers:
                        break
                    waiting.remove(index)
                    work = self.start(index)
                    if isinstance(work, StepResult):
                        self.record(index, work)  # skipped: what it made is known
                    else:
                        running[pool.submit(track(index, work))] = index
                if not running:
                    if not any(startable(i) for i in waiting):
                        break
                    continue
                done, _ = wait(list(running), timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    index = running.pop(future)
                    try:
                        self.record(index, future.exception() or future.result())
                    except BaseException as exc:  # noqa: BLE001 - kept, raised once the steps before it end
                        failures[index] = exc
                        self._stop_after(min(failures), running, stopper, reporter)
        except BaseException:  # interrupted or stopped here, in the job's thread
            stopper.stop_after = -1
            ctx.close()
            for future, index in running.items():
                try:
                    self.record(index, future.exception() or future.result())
                except BaseException:  # noqa: BLE001 - the interruption is what is raised
                    pass
            raise
        finally:
            pool.shutdown(wait=True)
            ctx.reporter = reporter
        if failures:
            first = min(failures, key=lambda i: (isinstance(failures[i], StepStopped), i))
            raise failures[first]

    def _stop_after(self, failed: int, running: dict[Any, int], stopper: _Stoppable, reporter: Reporter) -> None:
        """Stop the running steps after the failed one; the ones before it go on."""
        stopper.stop_after = failed
        going_on = [self.steps[i].name for i in sorted(running.values()) if i < failed]
        if going_on:
            reporter.say(f"{self.steps[failed].name} failed; finishing {', '.join(going_on)} first, "
                         f"as in order it comes before")
        else:
            self.ctx.close()  # a step waiting for the background face scan stops waiting


class _Stoppable:
    """The reporter of steps running beside each other: a progress report from a step after
    `stop_after` (every step once it is -1: the job was interrupted) raises StepStopped in that
    step, which then cleans up as after Ctrl-C. A step's own thread says which step it is
    (`mine`); a helper thread of a step is stopped only with the whole job."""

    def __init__(self, reporter: Reporter):
        self._reporter = reporter
        self.stop_after: int | None = None
        self.mine = threading.local()

    def update(self, stage: str, done: float, total: float) -> None:
        after = self.stop_after
        if after is not None and (after < 0 or getattr(self.mine, "index", -1) > after):
            raise StepStopped("stopped: an earlier step of the job failed or the job was interrupted")
        self._reporter.update(stage, done, total)

    def stage(self, name: str, total: float) -> Callable[[float], None]:
        return lambda done: self.update(name, done, total)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reporter, name)
