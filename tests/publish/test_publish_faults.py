"""Every fault the issue names, injected by the fake YouTube: afterwards the channel holds exactly
one video whose bytes equal the file, private, with its captions and thumbnail."""

from __future__ import annotations

import json

import pytest

from tests.publish.conftest import assert_one_video, consent, uploads_posts, vidkit
from vidkit.publish.ledger import Ledger


def publish(clip, ledger, env, *extra):
    return vidkit("publish", clip.video, "--ledger", ledger, *extra, env=env)


def assert_complete(yt, clip, privacy="private"):
    video = assert_one_video(yt, clip, privacy)
    assert len(video.captions) == 1 and video.thumbnail is not None
    return video


@pytest.fixture(autouse=True)
def _consented(ledger):
    consent(ledger)


def test_503_on_a_chunk_is_retried_and_resumed(yt, clip, ledger, env):
    yt.fail("chunk_503", on_chunk=2)
    result = publish(clip, ledger, env)
    assert result.exit_code == 0, result.output
    assert_complete(yt, clip)
    assert any(status == 503 for _, _, status in yt.requests)
    assert len(uploads_posts(yt)) == 1 and not yt.pending_faults


def test_dropped_connection_mid_chunk_resumes_from_the_servers_range(yt, clip, ledger, env):
    yt.fail("drop_mid_chunk", on_chunk=3)
    result = publish(clip, ledger, env)
    assert result.exit_code == 0, result.output
    assert_complete(yt, clip)
    assert any(status == 0 for _, _, status in yt.requests)  # the reset connection
    assert len(uploads_posts(yt)) == 1 and not yt.pending_faults


def test_expired_session_starts_a_new_one(yt, clip, ledger, env):
    yt.fail("expire_session", on_chunk=3)
    result = publish(clip, ledger, env)
    assert result.exit_code == 0, result.output
    assert_complete(yt, clip)
    assert len(uploads_posts(yt)) == 2  # the expired session, then a fresh one
    assert "expired" in result.output


def test_lost_final_response_is_recovered_without_a_second_upload(yt, clip, ledger, env):
    yt.fail("lose_final_response")
    result = publish(clip, ledger, env)
    assert result.exit_code == 0, result.output
    assert_complete(yt, clip)
    assert len(uploads_posts(yt)) == 1 and not yt.pending_faults


def test_lost_final_response_and_expired_session_finds_the_video_instead_of_uploading_again(yt, clip, ledger, env):
    yt.fail("lose_final_response")
    yt.fail("expire_session", on_chunk=6)  # the status query after the 5 chunks gets 404
    result = publish(clip, ledger, env)
    assert result.exit_code == 0, result.output
    assert_complete(yt, clip)
    assert len(uploads_posts(yt)) == 1 and not yt.pending_faults
    looked_up = [path.split("?")[0] for method, path, _ in yt.requests if method == "GET"]
    assert looked_up[:3] == ["/youtube/v3/channels", "/youtube/v3/playlistItems", "/youtube/v3/videos"]
    assert "looking for" in result.output


@pytest.mark.parametrize("fault, reason", [("quota_exceeded", "quotaExceeded"),
                                           ("upload_limit_exceeded", "uploadLimitExceeded")])
def test_quota_and_upload_limit_queue_the_upload_and_a_later_run_sends_it(yt, clip, ledger, env, fault, reason):
    yt.fail(fault)
    first = publish(clip, ledger, env)
    assert first.exit_code == 1
    assert reason in first.output and "queued" in first.output
    assert len(uploads_posts(yt)) == 1 and yt.videos == {}  # asked once, not retried
    with Ledger(ledger) as book:
        assert book.upload(clip.sha256).state == "queued"
    second = publish(clip, ledger, env)
    assert second.exit_code == 0, second.output
    assert_complete(yt, clip)
    with Ledger(ledger) as book:
        assert book.upload(clip.sha256).state == "published"


def test_invalid_grant_says_run_vidkit_auth_again(yt, clip, ledger, env):
    yt.fail("invalid_grant")
    first = publish(clip, ledger, env)
    assert first.exit_code == 1
    lines = [line for line in first.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "run `vidkit auth` again" in lines[0] and "7 days" in lines[0]
    assert "refresh-good" not in first.output and "ya29" not in first.output
    assert yt.videos == {}
    second = publish(clip, ledger, env)  # after re-authorising (the fault is one-shot)
    assert second.exit_code == 0, second.output
    assert_complete(yt, clip)


def test_server_error_on_insert_is_retried(yt, clip, ledger, env):
    yt.fail("server_error_on_insert", status=503)
    result = publish(clip, ledger, env)
    assert result.exit_code == 0, result.output
    assert_complete(yt, clip)
    assert len(uploads_posts(yt)) == 2  # the 503, then the session


def test_out_of_retries_a_later_run_resumes_the_same_session(yt, clip, ledger, env):
    yt.fail("chunk_503", on_chunk=3, count=2)
    first = publish(clip, ledger, {**env, "VIDKIT_RETRY_ATTEMPTS": "2"})
    assert first.exit_code == 1 and "run the same command again" in first.output
    with Ledger(ledger) as book:
        record = book.upload(clip.sha256)
    assert record.state == "uploading" and record.session_uri and record.bytes_sent == 2 * 256 * 1024
    second = publish(clip, ledger, env)
    assert second.exit_code == 0, second.output
    assert "resuming the upload session at 524,288" in second.output
    assert_complete(yt, clip)
    assert len(uploads_posts(yt)) == 1


def test_a_step_failing_after_the_upload_is_redone_alone(yt, clip, ledger, env):
    yt.fail("server_error_on_insert", method="captions.insert", status=400)
    first = publish(clip, ledger, env)
    assert first.exit_code == 1 and "captions" in first.output
    second = publish(clip, ledger, env, "--json")
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["summary"]["how"] == "uploaded earlier"
    assert_complete(yt, clip)
    assert len(uploads_posts(yt)) == 1
