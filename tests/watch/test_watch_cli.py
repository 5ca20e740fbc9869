"""`vidkit watch --once`, `status`, `retry`, `forget` as a user runs them (subprocesses, real
recordings cut from the bundled sample, the embedded model)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.helpers import run_vidkit
from tests.conftest import ffmpeg

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "sample" / "caren_session.mp4"


def _env(tmp_path: Path, **watch: object) -> dict[str, str]:
    config = tmp_path / "config" / "vidkit"
    config.mkdir(parents=True, exist_ok=True)
    settings = {"settle_seconds": 0.3, "retries": 0, "backoff_seconds": 0.5, **watch}
    lines = ["[watch]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    (config / "vidkit.toml").write_text("\n".join(lines) + "\n")
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
            "HF_HUB_OFFLINE": "1"}


def _cut(target: Path, seconds: float = 8.0, start: float = 0.0) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg("-ss", str(start), "-i", str(SAMPLE), "-t", str(seconds), "-c", "copy", str(target))
    return target


def _status(tmp_path: Path, env: dict[str, str]) -> dict:
    result = run_vidkit("status", "--json", "--ledger", tmp_path / "store.sqlite3", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["summary"]


def test_once_takes_each_recording_once_and_sorts_out_the_bad_ones(tmp_path):
    env = _env(tmp_path)
    incoming, out = tmp_path / "in", tmp_path / "out"
    _cut(incoming / "session_0412.mp4", 8.0)
    _cut(incoming / "maria_jansen_monday.mp4", 5.0, start=10.0)  # named after a patient: refused, never logged
    _cut(incoming / "sub" / "ignored.mp4", 6.0)  # not recursive by default
    (incoming / "broken.mp4").write_text("a text file named .mp4")
    (incoming / "notes.txt").write_text("not media")
    (incoming / "half.mp4.part").write_bytes(b"\0" * 1000)  # still being copied
    roster = tmp_path / "roster.txt"
    roster.write_text("Maria Jansen\n")
    args = ("watch", incoming, "--once", "--preset", "captions-only", "-o", out, "--roster", roster,
            "--ledger", tmp_path / "store.sqlite3", "--json")
    result = run_vidkit(*args, env=env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary["taken"] == 3 and summary["done"] == 1 and summary["failed"] == 2

    stem = "session_0412"
    for suffix in (".transcript.json", ".srt", ".vtt", ".ass"):
        assert (out / f"{stem}{suffix}").is_file()
    assert not list(out.rglob("*.part"))
    assert sorted(p.name for p in (incoming / "failed").iterdir()) == [
        "broken.mp4", "broken.mp4.error.txt", "maria_jansen_monday.mp4", "maria_jansen_monday.mp4.error.txt"]
    note = (incoming / "failed" / "broken.mp4.error.txt").read_text()
    assert note.count("\n") == 1 and "not a media file" in note
    named = (incoming / "failed" / "maria_jansen_monday.mp4.error.txt").read_text()
    assert "rename the file" in named and "maria" not in named.lower() and "jansen" not in named.lower()
    assert (incoming / f"{stem}.mp4").is_file()  # on_done = keep
    assert (incoming / "half.mp4.part").is_file() and (incoming / "sub" / "ignored.mp4").is_file()

    # the roster's names are in no log line, on the terminal or in the log file
    log = (out / ".vidkit" / "watch.log").read_text()
    assert "#1" in log and "done" in log
    for text in (log, result.stderr):
        assert "maria" not in text.lower() and "jansen" not in text.lower()

    status = _status(tmp_path, env)
    assert status["counts"]["done"] == 1 and status["counts"]["failed"] == 2
    done = next(r for r in status["recordings"] if r["state"] == "done")
    assert done["preset"] == "captions-only" and done["seconds"] > 0 and done["attempts"] == 1

    # the same bytes again, under another name: not processed a second time
    (incoming / "copy.mp4").write_bytes((incoming / f"{stem}.mp4").read_bytes())
    again = run_vidkit(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["summary"] == {"taken": 0, "done": 0, "waiting_for_consent": 0, "failed": 0,
                                                   "retrying": 0, "seen_before": 2}  # the copy, the original
    assert not (out / "copy.srt").exists()


def test_retry_moves_a_failed_recording_back_and_forget_lets_it_run_again(tmp_path):
    env = _env(tmp_path)
    incoming, out, ledger = tmp_path / "in", tmp_path / "out", tmp_path / "store.sqlite3"
    (incoming).mkdir()
    (incoming / "broken.mp4").write_text("not yet a video")
    args = ("watch", incoming, "--once", "--preset", "captions-only", "-o", out, "--ledger", ledger, "--quiet")
    assert run_vidkit(*args, env=env).returncode == 0
    failed = _status(tmp_path, env)["recordings"][0]
    assert failed["state"] == "failed" and Path(failed["path"]).parent.name == "failed"

    usage = run_vidkit("retry", "--ledger", ledger, env=env)
    assert usage.returncode == 2 and "JOB" in usage.stderr
    retried = run_vidkit("retry", "--failed", "--ledger", ledger, env=env)
    assert retried.returncode == 0, retried.stderr
    assert (incoming / "broken.mp4").is_file() and not (incoming / "failed" / "broken.mp4.error.txt").exists()
    assert _status(tmp_path, env)["recordings"][0]["state"] == "queued"

    forgot = run_vidkit("forget", str(failed["id"]), "--ledger", ledger, env=env)
    assert forgot.returncode == 0, forgot.stderr
    assert _status(tmp_path, env)["recordings"] == []
    missing = run_vidkit("forget", "42", "--ledger", ledger, env=env)
    assert missing.returncode == 2 and "no recording" in missing.stderr


def test_sigterm_lets_the_running_step_finish_and_exits_0(tmp_path):
    env = _env(tmp_path, stop_timeout=120.0)
    incoming, out, ledger = tmp_path / "in", tmp_path / "out", tmp_path / "store.sqlite3"
    _cut(incoming / "a.mp4", 20.0)
    _cut(incoming / "b.mp4", 10.0, start=20.0)
    watcher = subprocess.Popen([sys.executable, "-m", "vidkit", "watch", str(incoming), "--preset", "captions-only",
                                "-o", str(out), "--ledger", str(ledger), "--jobs", "1"],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        log = out / ".vidkit" / "watch.log"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (log.is_file() and "started" in log.read_text()):
            time.sleep(0.2)
        assert log.is_file() and "started" in log.read_text()
        watcher.send_signal(signal.SIGTERM)
        _, stderr = watcher.communicate(timeout=150)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 0, stderr
    text = log.read_text()
    assert "stopping" in text
    states = {Path(r["path"]).name: r["state"] for r in _status(tmp_path, env)["recordings"]}
    # the one running finished its step (captions-only: transcribe, then caption) or went back to the queue;
    # nothing new was started after the signal, and no half-written file is left
    assert set(states.values()) <= {"done", "queued"} and "running" not in states.values()
    assert text.count("started") == 1
    assert not list(out.rglob("*.part"))
    # a second run picks up where it stopped
    result = run_vidkit("watch", incoming, "--once", "--preset", "captions-only", "-o", out, "--ledger", ledger,
                        "--quiet", env=env)
    assert result.returncode == 0, result.stderr
    assert {r["state"] for r in _status(tmp_path, env)["recordings"]} == {"done"}
    assert (out / "a.srt").is_file() and (out / "b.srt").is_file()


def test_polling_a_share_with_subfolders_moves_finished_recordings_to_done(tmp_path):
    """--poll (no file events: SMB/NFS), --recursive, watch.on_done = move: a recording copied into
    a sub-folder while the watcher runs is found by the scan, processed, and moved to done/ with
    its subjects file; the watcher's own folders are never scanned."""
    env = _env(tmp_path, on_done="move", poll_seconds=0.5)
    incoming, out, ledger = tmp_path / "in", tmp_path / "out", tmp_path / "store.sqlite3"
    (incoming / "monday").mkdir(parents=True)
    watcher = subprocess.Popen([sys.executable, "-m", "vidkit", "watch", str(incoming), "--poll", "--recursive",
                                "--preset", "captions-only", "-o", str(out), "--ledger", str(ledger)],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        log = out / ".vidkit" / "watch.log"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (log.is_file() and "watching" in log.read_text()):
            time.sleep(0.2)
        _cut(tmp_path / "staging" / "s1.mp4", 6.0)
        (incoming / "monday" / "s1.subjects.txt").write_text("P-0042\n")
        os.replace(tmp_path / "staging" / "s1.mp4", incoming / "monday" / "s1.mp4")  # arrives
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (incoming / "done" / "s1.mp4").is_file():
            time.sleep(0.3)
        watcher.send_signal(signal.SIGTERM)
        _, stderr = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 0, stderr
    assert (incoming / "done" / "s1.mp4").is_file() and (incoming / "done" / "s1.subjects.txt").is_file()
    assert not (incoming / "monday" / "s1.mp4").exists()
    assert (out / "s1.srt").is_file()
    (record,) = _status(tmp_path, env)["recordings"]
    assert record["state"] == "done" and record["path"] == str(incoming / "done" / "s1.mp4")
