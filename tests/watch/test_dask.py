"""Scale-out on Dask: `vidkit watch --executor` and `vidkit run --executor` against a real
`distributed.LocalCluster` (worker processes started with the vidkit.worker preload and a
`vidkit` resource), a worker killed mid-recording, shared storage checked at start, and the
executor's own rules (resources, events of this watcher only and each once) on an in-process
cluster with a stand-in for the work."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.cli.helpers import run_vidkit
from tests.conftest import ffmpeg

distributed = pytest.importorskip("distributed")

# the scheduler's HTTP server (dashboard off) moves off a busy port 8787 with a warning
pytestmark = pytest.mark.filterwarnings("ignore:Port 8787 is already in use")

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "sample" / "caren_session.mp4"
CAPTION_FILES = (".transcript.json", ".txt", ".srt", ".vtt", ".ass", ".captions-qc.json")


def _cut(target: Path, seconds: float, start: float) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg("-ss", str(start), "-i", str(SAMPLE), "-t", str(seconds), "-c", "copy", str(target))
    return target


def _env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config" / "vidkit"
    config.mkdir(parents=True, exist_ok=True)
    (config / "vidkit.toml").write_text("[watch]\nsettle_seconds = 0.3\npoll_seconds = 0.3\nretries = 0\n")
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
            "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two worker processes, one thread and one `vidkit` each, as `dask worker --preload
    vidkit.worker --resources vidkit=1` starts them; their caches in the tests' home."""
    home = tmp_path_factory.getbasetemp() / "home"
    env = {"XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_DATA_HOME": str(home / "data"), "HF_HUB_OFFLINE": "1"}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, resources={"vidkit": 1},
                                  dashboard_address=None, preload=["vidkit.worker"], env=env,
                                  silence_logs=logging.ERROR) as local, \
            distributed.Client(local, set_as_default=False) as client:
        yield local.scheduler_address, client


def _outputs_once_and_complete(out: Path, stems: list[str], extra: tuple[str, ...] = ()) -> None:
    """Each recording's caption files are there once, whole; nothing else but .vidkit/."""
    names = sorted(p.name for p in out.iterdir() if p.name != ".vidkit")
    assert names == sorted(f"{stem}{suffix}" for stem in stems for suffix in CAPTION_FILES + extra)
    for stem in stems:
        transcript = json.loads((out / f"{stem}.transcript.json").read_text())
        assert transcript["segments"] and transcript["segments"][-1]["words"]
        assert json.loads((out / f"{stem}.captions-qc.json").read_text())
        assert (out / f"{stem}.srt").read_text().strip().startswith("1\n")
        assert (out / f"{stem}.vtt").read_text().startswith("WEBVTT")


@pytest.mark.slow  # a cluster
def test_watch_on_a_cluster_survives_a_worker_killed_mid_recording(cluster, tmp_path):
    address, client = cluster
    env = _env(tmp_path)
    incoming, out, store = tmp_path / "in", tmp_path / "out", tmp_path / "store.sqlite3"
    stems = ["session_a", "session_b", "session_c"]
    _cut(incoming / "session_a.mp4", 12.0, 0.0)  # the longest: the one whose worker dies
    _cut(incoming / "session_b.mp4", 5.0, 14.0)
    _cut(incoming / "session_c.mp4", 5.0, 22.0)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "vidkit", "watch", str(incoming), "--once", "--preset", "captions-only",
         "-o", str(out), "--ledger", str(store), "--executor", address, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
    try:
        killed = _kill_the_worker_of(client, store, "session_a.mp4", watcher)
        stdout, stderr = watcher.communicate(timeout=240)
    finally:
        watcher.kill()
    assert watcher.returncode == 0, stderr
    assert killed["step_was"] == "running" and killed["lost_while_running"]
    summary = json.loads(stdout)["summary"]
    assert summary["taken"] == 3 and summary["done"] == 3 and summary["failed"] == summary["retrying"] == 0
    assert "2 at once on dask" in (out / ".vidkit" / "watch.log").read_text()  # the `vidkit` resources

    # Dask ran the task again on a live worker: each output once, whole, under its final name
    _outputs_once_and_complete(out, stems)
    assert not [p for p in out.rglob("*") if ".part" in p.name]

    status = json.loads(run_vidkit("status", "--json", "--ledger", store, env=env).stdout)["summary"]
    assert status["counts"]["done"] == 3 and status["counts"]["running"] == 0
    assert all(r["attempts"] == 1 and r["worker"] == "dask" for r in status["recordings"])
    with sqlite3.connect(store) as db:  # every step recorded from the events, and done
        steps = db.execute("SELECT step, state FROM jobs ORDER BY step").fetchall()
    assert steps == [("caption", "done")] * 3 + [("transcribe", "done")] * 3

    # once: a second watcher finds the same bytes done and sends nothing
    again = run_vidkit("watch", incoming, "--once", "--preset", "captions-only", "-o", out, "--ledger", store,
                       "--executor", address, "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["summary"]["taken"] == 0


def _kill_the_worker_of(client, store: Path, name: str, watcher: subprocess.Popen) -> dict:
    """SIGKILL the worker process running `name`'s task once the store says its first step
    runs (the watcher has applied the worker's `start` event)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and watcher.poll() is None:
        try:
            with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
                item = db.execute("SELECT id, sha256 FROM watch_items WHERE path LIKE ? AND state = 'running'",
                                  (f"%{name}",)).fetchone()
                step = item and db.execute("SELECT state FROM jobs WHERE source_sha256 = ? AND step = 'transcribe'",
                                           (item[1],)).fetchone()
        except sqlite3.Error:  # not made yet, or being written
            item = step = None
        if item and step and step[0] == "running":
            workers = [w for w, keys in client.processing().items() if any(k.startswith(f"vidkit-{item[0]}-")
                                                                           for k in keys)]
            if workers:
                pid = client.run(os.getpid, workers=workers)[workers[0]]
                os.kill(pid, signal.SIGKILL)
                return {"worker": workers[0], "pid": pid, "step_was": step[0],
                        "lost_while_running": _lost_while_running(client, f"vidkit-{item[0]}-")}
        time.sleep(0.05)
    pytest.fail("the recording never ran on a worker")


def _lost_while_running(client, prefix: str) -> bool:
    """Whether the scheduler saw the task's worker die under it (it then runs it elsewhere)."""
    def suspicious(dask_scheduler, prefix=prefix):
        return max([ts.suspicious for key, ts in dask_scheduler.tasks.items() if str(key).startswith(prefix)],
                   default=0)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if client.run_on_scheduler(suspicious) >= 1:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow  # a cluster
def test_run_on_a_cluster_records_the_steps_here(cluster, tmp_path):
    """`vidkit run --executor`: the steps run on a worker whose working folder is not this one
    (a preset file and a roster given by relative paths), the step records land in this store,
    and a later run here skips every step."""
    address, _ = cluster
    env = _env(tmp_path)
    recording = _cut(tmp_path / "rec" / "session_0412.mp4", 6.0, 0.0)
    (tmp_path / "mine.toml").write_text('description = "transcript and captions"\n'
                                        'steps = ["transcribe", "caption"]\n'
                                        '[settings.transcribe]\nformats = ["txt"]\n')
    (tmp_path / "roster.txt").write_text("Maria Jansen\n")
    args = ("run", recording, "--preset", "mine.toml", "--roster", "roster.txt", "-o", "out",
            "--ledger", tmp_path / "store.sqlite3", "--json")
    result = run_vidkit(*args, "--executor", address, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "session_0412.mp4: done in" in result.stderr  # one line per input as it finishes
    payload = json.loads(result.stdout)
    steps = payload["summary"]["jobs"][0]["steps"]
    assert [(s["step"], s["verdict"]) for s in steps] == [("transcribe", "ok"), ("caption", "ok")]
    assert steps[0]["summary"]["words"] > 5
    _outputs_once_and_complete(tmp_path / "out", ["session_0412"], extra=(".redaction.json",))
    assert payload["outputs"]["caption.srt"] == str(tmp_path / "out" / "session_0412.srt")
    assert "maria" not in (tmp_path / "out" / "session_0412.txt").read_text().lower()  # redacted there

    here = run_vidkit(*args, env=env, cwd=tmp_path)
    assert here.returncode == 0, here.stderr
    assert [s["verdict"] for s in json.loads(here.stdout)["summary"]["jobs"][0]["steps"]] == ["skipped", "skipped"]


@pytest.mark.slow  # a cluster
def test_a_worker_without_its_models_does_not_start(cluster, tmp_path):
    address, _ = cluster
    config = tmp_path / "config" / "vidkit"
    config.mkdir(parents=True)
    (config / "vidkit.toml").write_text('[transcribe]\nmodel = "/nowhere/whisper-model"\n')
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    started = subprocess.run([sys.executable, "-m", "distributed.cli.dask_worker", address, "--preload",
                              "vidkit.worker", "--no-nanny", "--no-dashboard"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert started.returncode != 0
    assert "vidkit worker not started: model folder not found: /nowhere/whisper-model" in started.stderr


def test_dask_setup_sets_the_hub_offline_and_says_its_version(monkeypatch, caplog):
    import vidkit
    from vidkit import worker

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with caplog.at_level(logging.INFO, logger="distributed.worker.vidkit"):
        worker.dask_setup(type("Worker", (), {"address": "tcp://10.0.0.7:4000"})())
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert f"vidkit {vidkit.__version__} ready on tcp://10.0.0.7:4000" in caplog.text
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # the user's choice stays
    worker.dask_setup(type("Worker", (), {"address": "tcp://10.0.0.7:4000"})())
    assert os.environ["HF_HUB_OFFLINE"] == "0"


# --- shared storage -------------------------------------------------------------------------

def _private_mounts() -> bool:
    try:
        return subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.slow  # a cluster
@pytest.mark.skipif(not _private_mounts(), reason="needs unshare -m (root) to give the watcher a mount the workers lack")
def test_watch_refuses_folders_the_workers_cannot_see(cluster, tmp_path):
    """The watcher runs in its own mount namespace with a tmpfs over `shared/`: the workers
    see an empty folder there, as a machine without the share would."""
    address, _ = cluster
    env = _env(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    watch = [sys.executable, "-m", "vidkit", "watch", str(shared / "in"), "--once", "--preset", "captions-only",
             "-o", str(shared / "out"),
             "--ledger", str(tmp_path / "store.sqlite3"), "--executor", address]
    script = f'mount -t tmpfs none "{shared}" && mkdir "{shared}/in" && exec "$@"'
    result = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", *watch],
                            capture_output=True, text=True, env={**os.environ, **env, "COLUMNS": "300"}, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"cannot see {shared / 'in'} (2 of 2 workers)" in result.stderr
    assert "storage every worker mounts at the same path" in result.stderr
    assert result.stderr.count("\n") == 1  # one line


def test_sees_names_the_first_folder_or_probe_a_worker_misses(tmp_path):
    from vidkit.watch.executors import _sees

    probe = tmp_path / "probe"
    probe.write_text("token")
    assert _sees([str(tmp_path)], str(probe), "token") is None
    assert _sees([str(tmp_path), str(tmp_path / "gone")], str(probe), "token") == str(tmp_path / "gone")
    assert _sees([str(tmp_path)], str(probe), "another watcher's") == str(probe)  # a different share there
    assert _sees([str(tmp_path)], str(tmp_path / "absent"), "token") == str(tmp_path / "absent")


def test_check_shared_fails_in_one_line_naming_a_blind_worker(tmp_path):
    from vidkit.errors import BadInputError
    from vidkit.watch.executors import DaskExecutor

    class TwoMachines:  # a worker here, and one on a machine where /srv/share is not mounted
        def run(self, function, folders, probe, token):
            elsewhere = [f.replace(str(tmp_path), "/srv/share") for f in folders]
            return {"tcp://10.0.0.1:1": function(folders, probe, token),
                    "tcp://10.0.0.2:1": function(elsewhere, probe.replace(str(tmp_path), "/srv/share"), token)}

    executor = DaskExecutor.__new__(DaskExecutor)
    executor.client = TwoMachines()
    (tmp_path / "in").mkdir()
    with pytest.raises(BadInputError) as refused:
        executor.check_shared([tmp_path / "in", tmp_path / "out"])
    assert str(refused.value) == (
        "Dask worker tcp://10.0.0.2:1 cannot see /srv/share/in (1 of 2 workers): the watched and output "
        "folders must be on storage every worker mounts at the same path")
    assert not list((tmp_path / "out" / ".vidkit").iterdir())  # the probe is gone


def test_a_task_goes_to_a_worker_without_paths_relative_to_here(tmp_path, monkeypatch):
    """A worker's working folder is not the watcher's: a preset file goes loaded, the roster
    by its absolute path."""
    from vidkit.config import load_settings
    from vidkit.watch.executors import shipped
    from vidkit.watch.work import Task

    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text('description = "d"\nsteps = ["transcribe"]\n')
    settings = load_settings({"privacy": {"roster": "roster.txt"}})
    task = shipped(Task(1, "0" * 64, tmp_path / "r.mp4", tmp_path, "mine.toml", settings))
    assert task.preset.name == "mine.toml" and task.preset.steps == ("transcribe",)
    assert task.settings.get("privacy", "roster") == str(tmp_path / "roster.txt")
    assert settings.get("privacy", "roster") == "roster.txt"  # the watcher's own settings unchanged
    assert shipped(Task(1, "0" * 64, tmp_path / "r.mp4", tmp_path, "captions-only", load_settings())).preset.steps \
        == ("transcribe", "caption")


# --- the executor's rules, on an in-process cluster with a stand-in for the work --------------

@pytest.fixture
def threads_cluster():
    """One worker, two threads, one `vidkit`: only the resource keeps recordings apart."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, resources={"vidkit": 1},
                                  dashboard_address=None, silence_logs=logging.ERROR) as local:
        yield local.scheduler_address


def _stand_in(spans: list, lock: threading.Lock):
    """For vidkit.watch.work.process: records a step through the recorder and its time span."""
    from vidkit.watch.work import Outcome

    def process(task, recorder, should_stop, worker="?"):
        start = time.monotonic()
        recorder.jobs.start(task.sha256, "transcribe", "p")
        time.sleep(0.4)
        recorder.jobs.finish(task.sha256, "transcribe", "p", {})
        with lock:
            spans.append((start, time.monotonic()))
        return Outcome(task.item_id, True, 0.4, worker=worker)

    return process


def _task(number: int, tmp_path: Path):
    from vidkit.config import load_settings
    from vidkit.watch.work import Task

    return Task(number, f"{number:064x}", tmp_path / f"r{number}.mp4", tmp_path, "captions-only", load_settings())


@pytest.mark.slow  # a cluster
def test_one_recording_per_worker_when_workers_declare_the_vidkit_resource(threads_cluster, tmp_path, monkeypatch):
    from vidkit.watch import work
    from vidkit.watch.executors import DaskExecutor

    spans: list = []
    monkeypatch.setattr(work, "process", _stand_in(spans, threading.Lock()))
    executor = DaskExecutor(threads_cluster)
    try:
        assert executor.resources == {"vidkit": 1} and executor.jobs == 1
        for future in [executor.submit(_task(n, tmp_path)) for n in range(3)]:
            assert future.result(timeout=60).ok
    finally:
        executor.close()
    spans.sort()
    assert len(spans) == 3
    assert all(before[1] <= after[0] for before, after in zip(spans, spans[1:]))  # never two at once


@pytest.mark.slow  # a cluster
def test_events_reach_only_their_own_watcher_and_each_once(threads_cluster, tmp_path, monkeypatch):
    from vidkit.watch import work
    from vidkit.watch.executors import DaskExecutor

    monkeypatch.setattr(work, "process", _stand_in([], threading.Lock()))
    mine, other = DaskExecutor(threads_cluster), DaskExecutor(threads_cluster)
    try:
        assert other.submit(_task(8, tmp_path)).result(timeout=60).ok
        outcome = mine.submit(_task(7, tmp_path)).result(timeout=60)
        time.sleep(1.0)  # the topic's events have arrived, the other watcher's too
        # the worker's events, through the topic and in the outcome: together each once
        applied = mine.events() + mine.unseen(list(outcome.events))
        assert [(e["kind"], e["sha256"]) for e in applied] == [("start", f"{7:064x}"), ("finish", f"{7:064x}")]
        assert mine.unseen(list(outcome.events)) == [] and mine.events() == []
    finally:
        mine.close()
        other.close()
