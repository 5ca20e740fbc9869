"""A command stopped by SIGTERM or Ctrl-C leaves nothing behind: no `.part` output, no temporary
folder (captions, extracted audio: clear text and speech) and no ffmpeg still encoding."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.helpers import make_transcript
from tests.conftest import make_video
from vidkit.interrupts import Terminated, stop_signals_raise
from vidkit.media.ffmpeg import find_ffmpeg

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc")

# onnxruntime (the face detectors) keeps a session id in $TMPDIR/.ses: no media, no text.
NOT_VIDKIT = {".ses"}


def start_vidkit(*args, tmp: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """vidkit as started from a terminal: with the stop signals at their defaults. vidkit keeps a
    signal its parent chose to ignore (as under nohup), and a test runner's process may ignore
    SIGINT by the time this runs (seen in the full suite under xdist): not what a user's shell does."""
    full_env = {**os.environ, "TMPDIR": str(tmp), **(env or {})}

    def as_from_a_shell() -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})

    return subprocess.Popen([sys.executable, "-m", "vidkit", *map(str, args), "--quiet"], env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=as_from_a_shell)


def slow_ffmpeg(folder: Path) -> Path:
    """The real ffmpeg reading its input at the video's own speed (-re): an encode that lasts
    as long as the video, so the test can stop it half-way whatever the machine."""
    script = folder / "slow-ffmpeg"
    script.write_text(f'#!/bin/sh\nexec "{find_ffmpeg()}" -re "$@"\n')
    script.chmod(0o755)
    return script


def lingering_ffmpeg(folder: Path, marker: Path) -> Path:
    """The real ffmpeg, but a clip render (frames piped in) then lingers as if still finishing
    the encode, after writing its process id to `marker`: vidkit is then waiting for it to exit."""
    script = folder / "lingering-ffmpeg"
    script.write_text(f'#!/bin/sh\ncase "$*" in *pipe:0*) ;; *) exec "{find_ffmpeg()}" "$@" ;; esac\n'
                      f'"{find_ffmpeg()}" "$@"\necho $$ > "{marker}.new"\nmv "{marker}.new" "{marker}"\nexec sleep 60\n')
    script.chmod(0o755)
    return script


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(found, proc: subprocess.Popen, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"vidkit ended (exit {proc.returncode}) before {what}: {proc.stderr.read()}")
        time.sleep(0.005)
    pytest.fail(f"no {what} after {timeout} s")


def stop(proc: subprocess.Popen, encoders: list[int] = ()) -> None:
    """Never leave vidkit or an orphan encoder behind, even when the test fails."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for pid in encoders:
        if running(pid):
            os.kill(pid, signal.SIGKILL)


def stopped_by(proc: subprocess.Popen, signum: int, encoders: list[int], timeout: float = 30) -> tuple[str, list[int]]:
    """(stderr, the encoders still running) after sending `signum` and waiting for vidkit."""
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=timeout)
    return err, [pid for pid in encoders if running(pid)]


def parts(folder: Path) -> list[Path]:
    return list(folder.rglob("*.part*")) if folder.exists() else []


def left_in(temp: Path) -> list[str]:
    return sorted(p.name for p in temp.iterdir() if p.name not in NOT_VIDKIT)


@pytest.mark.parametrize("signum, code, said", [(signal.SIGTERM, 143, "stopped by SIGTERM"),
                                                (signal.SIGINT, 130, "interrupted"),
                                                (signal.SIGHUP, 129, "stopped by SIGHUP")])
def test_stop_during_caption_burn_kills_ffmpeg_and_removes_temp_files(tmp_path, signum, code, said):
    video = make_video(tmp_path / "session.mp4", seconds=12.0)
    transcript = make_transcript(tmp_path / "words.json", duration=12.0)
    temp, out = tmp_path / "tmp", tmp_path / "out"
    temp.mkdir()
    proc = start_vidkit("caption", video, "--transcript", transcript, "--burn", "-o", out, tmp=temp,
                        env={"VIDKIT_FFMPEG": str(slow_ffmpeg(tmp_path))})
    encoders: list[int] = []
    try:
        def encoding() -> list[int]:  # ffmpeg writing the .part of the captioned video
            return [pid for pid in children(proc.pid) if ".part" in cmdline(pid)]

        encoders = wait_for(encoding, proc, "ffmpeg encoding the captioned video")
        assert parts(out) and list(temp.glob("vidkit-burn-*"))  # what must go away
        err, still_running = stopped_by(proc, signum, encoders)
    finally:
        stop(proc, encoders)
    assert proc.returncode == code, err
    assert said in err and len(err.strip().splitlines()) == 1, err
    assert parts(out) == []
    assert list(out.glob("*.captioned.mp4")) == []
    assert left_in(temp) == []
    assert still_running == []


def test_sigterm_during_blur_removes_the_unfinished_video(tmp_path):
    """The blurred video is encoded in-process (PyAV): the .part is removed by Python itself."""
    video = make_video(tmp_path / "session.mp4", seconds=4.0)
    temp, out = tmp_path / "tmp", tmp_path / "out"
    temp.mkdir()
    proc = start_vidkit("blur", video, "-o", out, tmp=temp)
    try:
        wait_for(lambda: parts(out), proc, "the .part of the blurred video")
        # Frozen with the half-written video on disk; SIGTERM is handled when it continues.
        proc.send_signal(signal.SIGSTOP)
        assert parts(out) and proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=30)
    finally:
        stop(proc)
    assert proc.returncode == 143, err
    assert err.count("stopped by SIGTERM") == 1 and len(err.strip().splitlines()) == 1, err
    assert parts(out) == [] and list(out.glob("*.blurred.mp4")) == []
    assert left_in(temp) == []


def test_sigterm_while_the_clip_encoder_finishes_kills_it(tmp_path):
    """Stopped after the last frame was piped, while vidkit waits for ffmpeg to exit."""
    video = make_video(tmp_path / "session.mp4", seconds=3.0)
    temp, out, marker = tmp_path / "tmp", tmp_path / "out", tmp_path / "frames-sent"
    temp.mkdir()
    proc = start_vidkit("clip", video, "--range", "0.5-2.5", "--no-blur", "--no-thumbnail", "-o", out, tmp=temp,
                        env={"VIDKIT_FFMPEG": str(lingering_ffmpeg(tmp_path, marker))})
    encoders: list[int] = []
    try:
        wait_for(marker.exists, proc, "the clip's frames all sent")
        encoders = [int(marker.read_text())]
        assert encoders[0] in children(proc.pid) and parts(out) and list(temp.glob("vidkit-clip-*"))
        err, still_running = stopped_by(proc, signal.SIGTERM, encoders)
    finally:
        stop(proc, encoders)
    assert proc.returncode == 143, err
    assert still_running == []
    assert parts(out) == [] and list(out.glob("*.clip01.mp4")) == []
    assert left_in(temp) == []


def test_sigterm_raises_once_and_the_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(Terminated) as stopped:
        with stop_signals_raise():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)  # the handler raises before this ends
            finally:
                os.kill(os.getpid(), signal.SIGTERM)  # a second stop must not cut the cleanup short
                cleaned.append(True)
    assert stopped.value.exit_code == 143 and cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_while_a_preset_renders_and_cuts_at_once_stops_both(sample_copy, tmp_path):
    """`vidkit run` renders the publishable video and cuts the Shorts side by side: stopped then,
    both encoders are killed, nothing unfinished is left, and it says so once."""
    from vidkit.resources import assets_dir

    temp, out = tmp_path / "tmp", tmp_path / "out"
    temp.mkdir()
    proc = start_vidkit("run", sample_copy, "--preset", "review", "--roster", assets_dir() / "sample" / "roster.txt",
                        "-o", out, "--ledger", tmp_path / "store.sqlite3", tmp=temp,
                        env={"VIDKIT_FFMPEG": str(slow_ffmpeg(tmp_path)), "HF_HUB_OFFLINE": "1"})
    encoders: list[int] = []
    try:
        def both_encoding() -> list[int]:  # the publishable video's ffmpeg and a Short's, at once
            found = [pid for pid in children(proc.pid) if "pipe:0" in cmdline(pid)]
            return found if len(found) == 2 else []

        encoders = wait_for(both_encoding, proc, "the render and a clip encoding at once", timeout=120)
        err, still_running = stopped_by(proc, signal.SIGTERM, encoders, timeout=60)
    finally:
        stop(proc, encoders)
    assert proc.returncode == 143, err
    assert err.count("stopped by SIGTERM") == 1 and len(err.strip().splitlines()) == 1, err
    assert still_running == []
    assert parts(out) == [] and list(out.glob("*.publish.mp4")) == [] and list(out.glob("*.clip01.mp4")) == []
    assert left_in(temp) == []
