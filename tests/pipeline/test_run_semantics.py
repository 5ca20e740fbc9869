"""run_job with a store (issue 11 points 1 and 4): a step done before with the same parameters
and unchanged outputs is skipped and says so; a changed parameter re-runs that step and every
step after it; a deleted or edited output re-runs its step; a failure is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from vidkit.config import load_settings
from vidkit.console import Reporter
from vidkit.pipeline.job import SKIPPED, Context, Step, StepResult, run_job
from vidkit.pipeline.summaries import RedactSummary
from vidkit.store import JobStore, open_store

SOURCE = "ab" * 32


@dataclass
class Write(Step):
    """Writes `<folder>/<label>.txt` holding `value`; counts its runs."""

    folder: Path
    label: str
    value: str
    runs: list
    name = "write"

    def parameters(self, ctx: Context) -> dict:
        return {"label": self.label, "value": self.value}

    def run(self, ctx: Context) -> StepResult:
        self.runs.append(self.label)
        path = self.folder / f"{self.label}.txt"
        path.write_text(self.value)
        return StepResult(self.name, {self.label: path}, RedactSummary({}, 0, None))


class Boom(Step):
    name = "boom"

    def run(self, ctx):
        raise RuntimeError("disk full")


def _run(tmp_path, steps, out=None, **kw):
    ctx = Context(load_settings(), Reporter(quiet=True), out=out or tmp_path)
    with open_store(tmp_path / "store.sqlite3") as store:
        return run_job("test", ctx, steps, jobs=JobStore(store), source_sha256=SOURCE, **kw)


def _steps(tmp_path, runs, first="a", second="b"):
    return [Write(tmp_path, "one", first, runs), Write(tmp_path, "two", second, runs)]


def test_a_rerun_with_the_same_parameters_skips_every_step(tmp_path):
    runs = []
    _run(tmp_path, _steps(tmp_path, runs))
    assert runs == ["one", "two"]
    again = _run(tmp_path, _steps(tmp_path, runs))
    assert runs == ["one", "two"]  # nothing ran again
    assert [r.verdict for r in again.results] == [SKIPPED, SKIPPED]
    assert again.payload()["summary_lines"][0][0] == "skipped" and "done before" in again.payload()["summary_lines"][0][1]
    assert again.outputs["two"] == tmp_path / "two.txt"  # later steps still see the outputs


def test_a_changed_parameter_reruns_that_step_and_the_ones_after(tmp_path):
    runs = []
    _run(tmp_path, _steps(tmp_path, runs))
    runs.clear()
    _run(tmp_path, _steps(tmp_path, runs, first="changed"))
    assert runs == ["one", "two"]
    runs.clear()
    _run(tmp_path, _steps(tmp_path, runs, first="changed", second="also"))
    assert runs == ["two"]


def test_a_deleted_or_edited_output_reruns_its_step(tmp_path):
    runs = []
    _run(tmp_path, _steps(tmp_path, runs))
    runs.clear()
    (tmp_path / "two.txt").write_text("edited by hand")
    _run(tmp_path, _steps(tmp_path, runs))
    assert runs == ["two"]
    runs.clear()
    (tmp_path / "one.txt").unlink()
    _run(tmp_path, _steps(tmp_path, runs))
    assert runs == ["one"]  # two's parameters and output are unchanged
    runs.clear()
    _run(tmp_path, _steps(tmp_path, runs), force=True)
    assert runs == ["one", "two"]


def test_a_failure_is_recorded_and_the_steps_before_stay_done(tmp_path):
    runs = []
    ctx = Context(load_settings(), Reporter(quiet=True), out=tmp_path)
    with open_store(tmp_path / "store.sqlite3") as store:
        jobs = JobStore(store)
        with pytest.raises(RuntimeError):
            run_job("test", ctx, [Write(tmp_path, "one", "a", runs), Boom()], jobs=jobs, source_sha256=SOURCE)
        states = {r.step: (r.state, r.error) for r in jobs.list(SOURCE)}
    assert states["write"][0] == "done"
    assert states["boom"][0] == "failed" and "disk full" in states["boom"][1]


def test_a_run_into_another_output_folder_makes_its_own_files(tmp_path):
    """The same recording and parameters, another -o: nothing is skipped, so the second folder
    gets its outputs instead of pointing at the first folder's."""
    runs = []
    _run(tmp_path, _steps(tmp_path, runs), out=tmp_path / "a")
    (tmp_path / "b").mkdir()
    second = _run(tmp_path, _steps(tmp_path / "b", runs), out=tmp_path / "b")
    assert runs == ["one", "two", "one", "two"]
    assert all(r.verdict != SKIPPED for r in second.results)
    assert (tmp_path / "b" / "one.txt").is_file()
    again = _run(tmp_path, _steps(tmp_path / "b", runs), out=tmp_path / "b")
    assert [r.verdict for r in again.results] == [SKIPPED, SKIPPED]
