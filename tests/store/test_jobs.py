"""The jobs table: a step is finished only while its outputs keep their bytes, failures are
recorded without names, parameters are part of the key, and two processes can write at once."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from vidkit import __version__
from vidkit.store import DONE, FAILED, RUNNING, JobStore, open_store, params_sha256

SOURCE = "12" * 32
OTHER = "34" * 32
PARAMS = params_sha256({"model": "tiny.en", "language": "en"})


@pytest.fixture
def jobs(tmp_path):
    with open_store(tmp_path / "store" / "vidkit.sqlite3") as store:
        yield JobStore(store)


def _outputs(tmp_path):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "a.json").write_text('{"segments": []}')
    (out / "a.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n")
    return {"transcript": out / "a.json", "captions": out / "a.srt"}


def test_a_finished_step_is_found_with_its_outputs(jobs, tmp_path):
    assert jobs.finished(SOURCE, "transcribe", PARAMS) is None
    started = jobs.start(SOURCE, "transcribe", PARAMS)
    assert started.state == RUNNING and started.finished_at is None
    assert jobs.finished(SOURCE, "transcribe", PARAMS) is None  # running is not finished
    outputs = _outputs(tmp_path)
    done = jobs.finish(SOURCE, "transcribe", PARAMS, outputs)
    assert done.state == DONE and done.error is None and done.vidkit_version == __version__
    assert done.seconds is not None and done.seconds >= 0 and done.finished_at >= done.started_at
    found = jobs.finished(SOURCE, "transcribe", PARAMS)
    assert found == done
    assert {name: o.path for name, o in found.outputs.items()} == {n: p.resolve() for n, p in outputs.items()}
    assert len(found.outputs["captions"].sha256) == 64


def test_a_changed_or_deleted_output_means_not_finished(jobs, tmp_path):
    outputs = _outputs(tmp_path)
    jobs.start(SOURCE, "caption", PARAMS)
    jobs.finish(SOURCE, "caption", PARAMS, outputs)
    original = outputs["captions"].read_text()
    outputs["captions"].write_text(original.replace("hello", "hullo"))
    assert jobs.finished(SOURCE, "caption", PARAMS) is None
    outputs["captions"].write_text(original)  # the same bytes again: finished again
    assert jobs.finished(SOURCE, "caption", PARAMS) is not None
    outputs["transcript"].unlink()
    assert jobs.finished(SOURCE, "caption", PARAMS) is None
    assert jobs.get(SOURCE, "caption", PARAMS).state == DONE  # the row says what was done


def test_other_parameters_or_another_source_are_not_finished(jobs, tmp_path):
    jobs.start(SOURCE, "blur", params_sha256({"mode": "pixelate", "padding": 0.2}))
    jobs.finish(SOURCE, "blur", params_sha256({"padding": 0.2, "mode": "pixelate"}), _outputs(tmp_path))
    assert jobs.finished(SOURCE, "blur", params_sha256({"mode": "pixelate", "padding": 0.2})) is not None
    assert jobs.finished(SOURCE, "blur", params_sha256({"mode": "pixelate", "padding": 0.3})) is None
    assert jobs.finished(OTHER, "blur", params_sha256({"mode": "pixelate", "padding": 0.2})) is None
    assert jobs.finished(SOURCE, "caption", params_sha256({"mode": "pixelate", "padding": 0.2})) is None


def test_a_failure_is_recorded_in_one_line_without_names_or_secrets(jobs):
    jobs.start(SOURCE, "transcribe", PARAMS)
    error = RuntimeError("jan_smit_2024.mp4: decoding failed\nat frame 12 for Jan Smit (token=abc123secret)")
    failed = jobs.fail(SOURCE, "transcribe", PARAMS, error, hide=("jan_smit_2024.mp4", "jan_smit_2024", "Jan Smit"))
    assert failed.state == FAILED and failed.outputs == {} and failed.finished_at is not None
    assert failed.error == "<hidden>: decoding failed at frame 12 for <hidden> (token=[secret])"
    assert jobs.finished(SOURCE, "transcribe", PARAMS) is None
    assert [r.step for r in jobs.list(state=FAILED)] == ["transcribe"]
    again = jobs.start(SOURCE, "transcribe", PARAMS)  # a re-run clears the failure
    assert (again.state, again.error) == (RUNNING, None)


def test_a_rerun_of_a_done_step_is_not_finished_until_it_finishes_again(jobs, tmp_path):
    jobs.start(SOURCE, "clip", PARAMS)
    jobs.finish(SOURCE, "clip", PARAMS, _outputs(tmp_path))
    jobs.start(SOURCE, "clip", PARAMS)
    assert jobs.finished(SOURCE, "clip", PARAMS) is None
    assert jobs.get(SOURCE, "clip", PARAMS).outputs == {}


def test_list_and_forget(jobs, tmp_path):
    for source in (SOURCE, OTHER):
        for step in ("transcribe", "caption"):
            jobs.start(source, step, PARAMS)
    jobs.finish(SOURCE, "caption", PARAMS, _outputs(tmp_path))
    assert [(r.source_sha256, r.step) for r in jobs.list(SOURCE)] == [(SOURCE, "transcribe"), (SOURCE, "caption")]
    assert [r.step for r in jobs.list(SOURCE, state=DONE)] == ["caption"]
    assert len(jobs.list()) == 4
    assert jobs.forget(SOURCE) == 2
    assert {r.source_sha256 for r in jobs.list()} == {OTHER}
    assert jobs.finished(SOURCE, "caption", PARAMS) is None


@pytest.mark.parametrize("source, step, params", [
    ("session.mp4", "transcribe", PARAMS), (SOURCE, "Jan Smit", PARAMS), (SOURCE, "transcribe", "tiny.en"),
    ("AB" * 32, "transcribe", PARAMS),
], ids=["file name", "person's name", "parameter text", "upper-case hex"])
def test_only_hashes_and_step_names_make_a_key(jobs, source, step, params):
    with pytest.raises(ValueError):
        jobs.start(source, step, params)
    assert jobs.list() == []


def test_a_failed_output_path_is_refused(jobs, tmp_path):
    jobs.start(SOURCE, "clip", PARAMS)
    with pytest.raises(ValueError, match="not a file"):
        jobs.finish(SOURCE, "clip", PARAMS, {"clip": tmp_path / "missing.mp4"})
    assert jobs.get(SOURCE, "clip", PARAMS).state == RUNNING


STEPS_PER_WORKER = 25


def _worker(path: str, worker: int, out_dir: str, barrier) -> None:
    from pathlib import Path

    barrier.wait()  # both open the new store (and migrate it) at the same moment
    with open_store(path) as store:
        jobs = JobStore(store)
        output = Path(out_dir) / f"w{worker}.txt"
        output.write_text(f"worker {worker}")
        for n in range(STEPS_PER_WORKER):
            source = f"{worker:02x}{n:02x}".ljust(64, "0")
            jobs.start(source, "transcribe", PARAMS)
            jobs.finish(source, "transcribe", PARAMS, {"out": output})


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "vidkit.sqlite3"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_worker, args=(str(path), w, str(tmp_path), barrier)) for w in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert [p.exitcode for p in workers] == [0, 0]
    db = sqlite3.connect(path)
    states = db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
    db.close()
    assert states == [(DONE, 2 * STEPS_PER_WORKER)]
