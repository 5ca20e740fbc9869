"""`vidkit run INPUT... --executor dask://HOST:PORT`: each input's steps but publishing as one
task on an existing Dask cluster (the watcher's task: vidkit.watch.work.process), and
publishing here, in the process that holds the store, as the watcher does (Watcher._publish).

It lives beside the watcher, not in vidkit.pipeline.run: the watcher's work imports the job
layer, and the job layer never imports back.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError, ProcessingError
from vidkit.pipeline.job import Context, JobResult, StepResult, Summary, run_job
from vidkit.pipeline.presets import Preset
from vidkit.pipeline.run import RunOptions, check_preset, steps_for
from vidkit.watch.work import PUBLISH, Outcome, Task, apply_event, done_steps, one_line


def run_on_cluster(inputs: list[Path], preset: Preset, settings: Settings, reporter: Reporter, out: Path | None,
                   options: RunOptions, address: str) -> list[JobResult]:
    from vidkit.store import JobStore, open_store
    from vidkit.watch.executors import make_executor
    from vidkit.watch.run import roster_words

    if not inputs:
        raise BadInputError("give one or more recordings to run the preset on (or --list-presets)")
    check_preset(preset, settings)
    hide = roster_words(settings)
    # Absolute paths: a worker's working folder is not this one, and the steps' parameters
    # (which name the output folder) must hash the same there and here.
    paths = [Path(p).absolute() for p in inputs]
    contexts = [Context(settings, reporter, out=out.absolute() if out else None, overwrite=options.overwrite)
                for _ in paths]
    sources = [ctx.source(path) for ctx, path in zip(contexts, paths)]  # a bad input fails here
    outs = [Path(ctx.out_dir or path.parent).absolute() for ctx, path in zip(contexts, paths)]
    with open_store(options.store) as store:
        jobs = JobStore(store)
        executor = make_executor(address, 0, store.path)  # dask://, tcp:// or tls://: checked there
        try:
            executor.check_shared(sorted({p.parent for p in paths}) + sorted(set(outs)))
            running = {}
            for number, (path, source, out_dir) in enumerate(zip(paths, sources, outs)):
                task = Task(number, source.sha256, path, out_dir, preset, settings,
                            done_steps={} if options.force else done_steps(jobs, source.sha256), hide=hide,
                            options=options)
                running[executor.submit(task)] = number
            reporter.say(f"{len(paths)} recording(s) sent to {executor.address} ({executor.jobs} at once)")
            return _collect(executor, running, jobs, paths, outs, preset, settings, reporter, options, hide)
        except KeyboardInterrupt:
            executor.stop()  # no worker starts another step of these recordings
            raise
        finally:
            executor.close()


def _collect(executor, running: dict, jobs, paths: list[Path], outs: list[Path], preset: Preset,
             settings: Settings, reporter: Reporter, options: RunOptions, hide: tuple[str, ...]) -> list[JobResult]:
    """Wait for every task, recording the workers' steps as they come; one line per input."""
    results: dict[int, JobResult] = {}
    failures: list[tuple[Path, Outcome]] = []

    def record(events: list[dict[str, Any]]) -> None:
        for event in events:
            if event.get("kind") != "progress":  # one line per input is the progress here
                apply_event(event, jobs, None)

    while running:
        record(executor.events())
        for future in [f for f in running if f.done()]:
            number = running.pop(future)
            path = paths[number]
            try:
                outcome: Outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - the cluster gave up on it (workers died, ...)
                outcome = Outcome(number, False, 0.0, None, f"the cluster lost it: {one_line(exc, hide)}",
                                  "transient")
            record(executor.unseen(list(outcome.events)))
            if outcome.ok and preset.publishes:
                outcome, publish = _publish(path, outs[number], preset, settings, options, jobs, outcome, hide)
            else:
                publish = []
            if outcome.ok:
                results[number] = JobResult(f"run {preset.name}", [_result(s) for s in outcome.steps] + publish)
                reporter.say(f"{path.name}: done in {outcome.seconds:.1f} s on {outcome.worker}")
            else:
                failures.append((path, outcome))
                where = f" in {outcome.step}" if outcome.step else ""
                reporter.say(f"{path.name}: failed{where}: {outcome.error}")
        if running:
            time.sleep(0.2)
    record(executor.events())
    if failures:
        path, outcome = failures[0]
        error = BadInputError if all(o.kind == "bad-input" for _, o in failures) else ProcessingError
        where = f" in {outcome.step}" if outcome.step else ""
        raise error(f"{len(failures)} of {len(paths)} recording(s) failed; {path.name}{where}: {outcome.error}")
    return [results[number] for number in sorted(results)]


def _publish(path: Path, out_dir: Path, preset: Preset, settings: Settings, options: RunOptions, jobs,
             outcome: Outcome, hide: tuple[str, ...]) -> tuple[Outcome, list[StepResult]]:
    """The preset's publish step, here: the steps the worker made are found done and skipped."""
    from dataclasses import replace

    from vidkit.watch.work import classify

    ctx = Context(settings, Reporter(quiet=True), out=out_dir, overwrite=options.overwrite)
    try:
        source = ctx.source(path)
        job = run_job(f"run {preset.name}", ctx, steps_for(preset, path, options), jobs=jobs,
                      source_sha256=source.sha256)
    except Exception as exc:  # noqa: BLE001 - reported as a worker's failure is
        return replace(outcome, ok=False, step=PUBLISH, error=one_line(exc, hide), kind=classify(exc)), []
    return outcome, [r for r in job.results if r.step == PUBLISH]


class RemoteSummary(Summary):
    """A step's summary as it came back from a worker (plain lines and its JSON)."""

    def __init__(self, lines: list[tuple[str, str]], data: dict[str, Any] | None):
        self._lines, self._data = [tuple(line) for line in lines], data or {}

    def lines(self) -> list[tuple[str, Any]]:
        return list(self._lines)

    def to_json(self) -> dict[str, Any]:
        return self._data


def _result(step: dict[str, Any]) -> StepResult:
    return StepResult(step["step"], {name: Path(p) for name, p in step["outputs"].items()},
                      RemoteSummary(step["lines"], step["summary"]), verdict=step["verdict"],
                      seconds=step["seconds"])
