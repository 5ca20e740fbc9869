"""run_job(overlap=True), as `vidkit run` runs presets: a step starts when the steps it needs
(Step.needs) are done, two at a time; later steps read earlier results as before; results keep
the steps' order; a failure ends the job as in order: a step before the failed one runs to its
end, a step after it is stopped at its next progress report, and the failure is the error
raised; the store is written for every step (from the job's thread: SQLite)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vidkit.config import load_settings
from vidkit.console import Reporter
from vidkit.pipeline.job import SKIPPED, Context, Step, StepResult, StepStopped, run_job
from vidkit.pipeline.summaries import RedactSummary
from vidkit.store import JobStore, open_store

SOURCE = "cd" * 32


@dataclass
class Meet(Step):
    """Waits until `others` steps are inside run() at once (a barrier), then writes a file."""

    folder: Path
    label: str
    barrier: threading.Barrier
    name: str = "meet"
    needs = ("first",)
    threads: list = field(default_factory=list)

    def parameters(self, ctx: Context) -> dict:
        return {"label": self.label}

    def run(self, ctx: Context) -> StepResult:
        self.threads.append(threading.get_ident())
        self.barrier.wait(timeout=2)  # raises BrokenBarrierError unless the other step runs too
        path = self.folder / f"{self.label}.txt"
        path.write_text(self.label)
        return StepResult(self.label, {self.label: path}, RedactSummary({}, 0, None))


@dataclass
class First(Step):
    folder: Path
    name = "first"

    def run(self, ctx: Context) -> StepResult:
        path = self.folder / "first.txt"
        path.write_text("first")
        return StepResult(self.name, {"first": path}, RedactSummary({}, 0, None))


@dataclass
class Last(Step):
    """Needs every step before it (needs = None): reads their results."""

    seen: list
    name = "last"

    def run(self, ctx: Context) -> StepResult:
        self.seen.extend(r.step for r in ctx.results)
        return StepResult(self.name, {}, RedactSummary({}, 0, None))


@dataclass
class Busy(Step):
    """Reports progress until stopped (or `seconds`): what a long render does."""

    seconds: float = 10.0
    name = "busy"
    needs = ()
    stopped: list = field(default_factory=list)

    def run(self, ctx: Context) -> StepResult:
        progress = ctx.reporter.stage("busy", self.seconds)
        started = time.monotonic()
        try:
            while time.monotonic() - started < self.seconds:
                progress(time.monotonic() - started)
                time.sleep(0.01)
        except StepStopped:
            self.stopped.append(time.monotonic() - started)
            raise
        return StepResult(self.name, {}, RedactSummary({}, 0, None))


@dataclass
class Fails(Step):
    name = "fails"
    needs = ()

    def run(self, ctx: Context) -> StepResult:
        time.sleep(0.2)
        raise RuntimeError("the encoder stopped")


def _run(tmp_path, steps, **kw):
    ctx = Context(load_settings(), Reporter(quiet=True), out=tmp_path)
    with open_store(tmp_path / "store.sqlite3") as store:
        jobs = JobStore(store)
        try:
            return run_job("test", ctx, steps, jobs=jobs, source_sha256=SOURCE, **kw), None
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            return None, (exc, {r.step: (r.state, r.error) for r in jobs.list(SOURCE)})


def _steps(tmp_path, seen):
    barrier = threading.Barrier(2)
    return [First(tmp_path), Meet(tmp_path, "render", barrier, name="render"),
            Meet(tmp_path, "clip", barrier, name="clip"), Last(seen)]


def test_steps_that_need_only_an_earlier_one_run_at_once_and_results_keep_the_order(tmp_path):
    seen = []
    steps = _steps(tmp_path, seen)
    job, failed = _run(tmp_path, steps, overlap=True)
    assert failed is None
    assert steps[1].threads != steps[2].threads  # on two threads, inside run() together (the barrier)
    assert [r.step for r in job.results] == ["first", "render", "clip", "last"]
    assert seen == ["first", "render", "clip"]  # the last step saw every result before it


def test_in_order_the_same_steps_would_wait_for_each_other_forever(tmp_path):
    """The barrier really tests running at once: without overlap the first Meet step times out."""
    job, failed = _run(tmp_path, _steps(tmp_path, []))
    assert job is None and isinstance(failed[0], threading.BrokenBarrierError)


def test_a_rerun_skips_every_step_with_overlap_too(tmp_path):
    _run(tmp_path, _steps(tmp_path, []), overlap=True)
    job, failed = _run(tmp_path, _steps(tmp_path, []), overlap=True)
    assert failed is None and [r.verdict for r in job.results] == [SKIPPED] * 4
    assert [r.step for r in job.results] == ["first", "render", "clip", "last"]


def test_a_failure_stops_the_step_after_it_and_is_the_error_raised(tmp_path):
    busy = Busy()
    job, (exc, states) = _run(tmp_path, [Fails(), busy, Last([])], overlap=True)
    assert isinstance(exc, RuntimeError) and "encoder stopped" in str(exc)
    assert busy.stopped and busy.stopped[0] < 2.0  # stopped at its next report, not after 10 s
    assert states["fails"][0] == "failed" and "encoder stopped" in states["fails"][1]
    assert states["busy"][0] == "failed" and "stopped" in states["busy"][1]
    assert "last" not in states  # never started


def test_a_step_before_the_failed_one_runs_to_its_end_as_in_order(tmp_path):
    """In order the earlier step would have been done before the later one failed: beside it,
    it still is (a render is not thrown away because a clip could not be chosen)."""
    busy = Busy(seconds=1.0)
    job, (exc, states) = _run(tmp_path, [busy, Fails(), Last([])], overlap=True)
    assert isinstance(exc, RuntimeError) and "encoder stopped" in str(exc)
    assert not busy.stopped
    assert states["busy"][0] == "done" and states["fails"][0] == "failed"
    assert "last" not in states


def test_a_step_before_the_failed_one_that_has_not_started_still_runs(tmp_path):
    """Steps: first, then `after_first` (needs first), then `fails` (needs nothing): `fails`
    may start and fail before `after_first` could start; in order `after_first` came first, so
    it still runs, and nothing after `fails` does."""
    seen = []

    @dataclass
    class AfterFirst(Step):
        name = "after_first"
        needs = ("first",)

        def run(self, ctx: Context) -> StepResult:
            seen.append(self.name)
            return StepResult(self.name, {}, RedactSummary({}, 0, None))

    @dataclass
    class SlowFirst(First):
        def run(self, ctx: Context) -> StepResult:
            time.sleep(0.5)  # `fails` fails (0.2 s) before this ends
            return super().run(ctx)

    job, (exc, states) = _run(tmp_path, [SlowFirst(tmp_path), AfterFirst(), Fails(), Last([])], overlap=True)
    assert isinstance(exc, RuntimeError)
    assert seen == ["after_first"] and states["after_first"][0] == "done"
    assert "last" not in states


@pytest.mark.parametrize("overlap", [False, True])
def test_the_json_of_a_job_lists_the_steps_in_their_order(tmp_path, overlap):
    job, failed = _run(tmp_path, [First(tmp_path), Last([])], overlap=overlap)
    assert [s["step"] for s in job.payload()["summary"]["steps"]] == ["first", "last"]


def test_a_failed_job_leaves_no_video_without_its_record(tmp_path):
    """The render and the clips side by side, with a verifier that always finds a face: both
    end unverified, the first failure stops the other step where it is, and every video left
    in the folder has its record (one kept for review says verified: false); none is left as
    if it were a finished output."""
    import json

    from tests.conftest import make_video
    from tests.pipeline.test_injection import FixedWords
    from tests.privacy.test_verification import AlwaysFinds, Blind
    from vidkit.faces.detect import Detectors
    from vidkit.pipeline.clip_select import ClipRequest
    from vidkit.pipeline.job_steps import ClipStep, TranscribeStep
    from vidkit.pipeline.render_step import RenderStep
    from vidkit.transcribe.engines import Engines

    video = make_video(tmp_path / "v.mp4", seconds=4.0, size="320x240")
    (tmp_path / "vidkit.toml").write_text("[blur]\ndetector = 'blind'\nverifier = 'always'\nverify_every = 1\n")
    settings = load_settings(cwd=tmp_path, config=tmp_path / "vidkit.toml")
    out = tmp_path / "out"
    ctx = Context(settings, Reporter(quiet=True), out=out, detectors=Detectors({"blind": Blind, "always": AlwaysFinds}),
                  engines=Engines({"faster-whisper": FixedWords}))
    steps = [TranscribeStep(video), RenderStep(video), ClipStep(video, ClipRequest(ranges=("0.5-2.0", "2.0-3.5")))]
    with pytest.raises(Exception, match="still found after masking"):
        run_job("test", ctx, steps, overlap=True)
    for made in out.glob("*.mp4"):
        record = made.with_suffix(".json") if made.name.endswith(".publish.mp4") else \
            made.with_name(made.name.replace(".mp4", ".clip.json"))
        assert record.is_file(), f"{made.name} has no record"
        assert json.loads(record.read_text())["privacy"]["verified"] is False
