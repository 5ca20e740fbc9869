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
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

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
    vidkit version (a new vidkit makes its outputs anew) and the output folder (a run into
    another folder makes its files there, rather than pointing at the first folder's)."""
    import vidkit

    out = str(Path(ctx.out_dir).resolve()) if ctx.out_dir is not None else None
    text = json.dumps({"step": step.name, "before": before, "vidkit": vidkit.__version__, "out": out,
                       **step.parameters(ctx)}, sort_keys=True, default=str)
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
            force: bool = False) -> JobResult:
    """Run `steps` in order over `ctx`; a step that fails raises and stops the job.

    With `jobs` (a vidkit.store.JobStore) each step is recorded under the source's sha256 and
    its parameters hash, chained with the steps before it: a step finished before with the
    same parameters, whose outputs still have the same bytes, is skipped and says so; a changed
    parameter re-runs that step and every step after it."""
    keys: list[tuple[str, str, str] | None] = []
    chain = ""
    for step in steps:  # a step's key needs only settings and the steps before it: known up front
        if jobs is not None and source_sha256 is not None:
            chain = parameters_hash(step, ctx, chain)
            keys.append((source_sha256, step.name, chain))
        else:
            keys.append(None)

    def finished(step: Step, key: tuple[str, str, str] | None):
        return None if (key is None or force or step.always_run) else jobs.finished(*key)

    try:
        if len(steps) > 1:
            for step, key in zip(steps, keys):
                if finished(step, key) is None:
                    try:
                        step.prepare(ctx)
                    except Exception:  # noqa: BLE001 - only a head start: the step reports it when it runs
                        logging.getLogger(__name__).debug("%s: nothing started ahead", step.name, exc_info=True)
        for number, (step, key) in enumerate(zip(steps, keys), 1):
            if len(steps) > 1:
                ctx.reporter.say(f"step {number}/{len(steps)}: {step.name}")
            done = finished(step, key)
            if done is not None:
                ctx.results.append(StepResult(step.name, {name: o.path for name, o in done.outputs.items()},
                                              SkippedSummary(step.name, done.finished_at), verdict=SKIPPED))
                continue
            if key is not None:
                jobs.start(*key)
            started = time.perf_counter()
            try:
                result = step.run(ctx)
            except BaseException as exc:
                if key is not None:
                    jobs.fail(*key, exc, hide=ctx.hide_words())
                raise
            result.seconds = time.perf_counter() - started
            if key is not None:
                jobs.finish(*key, {name: path for name, path in result.outputs.items()
                                   if isinstance(path, Path) and path.is_file()})
            ctx.results.append(result)
    finally:
        ctx.close()
    return JobResult(command, list(ctx.results))
