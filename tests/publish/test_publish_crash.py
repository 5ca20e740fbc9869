"""kill -9 in the middle of an upload, then the same command again: the same session resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.publish.conftest import CHUNK, assert_one_video, consent, uploads_posts
from vidkit.publish.ledger import Ledger


def test_kill_9_mid_upload_then_rerun_resumes_the_same_session(yt, clip, ledger, env):
    consent(ledger)
    command = [sys.executable, "-m", "vidkit", "publish", str(clip.video), "--ledger", str(ledger), "--quiet"]
    full_env = {**os.environ, **env}
    reached = yt.hold_after_chunks(2)  # the server keeps the 2nd chunk and never answers it
    process = subprocess.Popen(command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert reached.wait(timeout=60), "the upload never reached its second chunk"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        yt.release()
    assert process.returncode == -signal.SIGKILL
    with Ledger(ledger) as book:
        record = book.upload(clip.sha256)
    # Committed before it died: the session and the first acknowledged chunk.
    assert record.state == "uploading" and record.session_uri and record.bytes_sent == CHUNK
    session = yt.sessions[record.session_uri]
    assert session.received == 2 * CHUNK and not session.completed

    again = subprocess.run(command[:-1] + ["--json"], env=full_env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert len(uploads_posts(yt)) == 1  # no second videos.insert
    assert_one_video(yt, clip)
    resumed = [r for r in yt.requests if r[0] == "PUT"]
    # 2 chunks, the unanswered one, then: status query (308), chunks 3-5 (308, 308, 200)
    assert [status for _, _, status in resumed][-4:] == [308, 308, 308, 200]
    assert len(resumed) == 2 + 4
    assert '"how": "resumed"' in again.stdout


def test_kill_9_during_the_last_chunk_with_the_session_gone_finds_the_video(yt, clip, ledger, env):
    consent(ledger)
    command = [sys.executable, "-m", "vidkit", "publish", str(clip.video), "--ledger", str(ledger), "--quiet"]
    full_env = {**os.environ, **env}
    reached = yt.hold_after_chunks(5)  # the last chunk: the video exists, its answer never comes
    process = subprocess.Popen(command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert reached.wait(timeout=60), "the upload never reached its last chunk"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        yt.release()
    with Ledger(ledger) as book:
        assert book.upload(clip.sha256).state == "sent"
    yt.fail("expire_session", on_chunk=6)  # and by the next run the session has expired
    again = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert len(uploads_posts(yt)) == 1
    video = assert_one_video(yt, clip)
    assert len(video.captions) == 1 and video.thumbnail is not None
    with Ledger(ledger) as book:
        assert book.upload(clip.sha256).video_id == video.id
