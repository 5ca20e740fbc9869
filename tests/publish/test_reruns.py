"""Re-runs tell the truth (issue 10): changed metadata of a video already on YouTube is sent
with --update or refused, the ledger keeps what was sent, an unfinished session with another
body is replaced, --dry-run/--status write nothing, runs on one ledger do not interleave, and a
revoked consent leads to the subject's videos and to making them private."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest

from tests.publish.conftest import consent, uploads_posts, vidkit
from tests.publish.conftest import publish_clip as publish
from vidkit.errors import ProcessingError
from vidkit.publish.job import publish_lock
from vidkit.publish.ledger import SCHEMA_VERSION, Ledger


def _retitle(clip, title: str) -> None:
    data = json.loads(clip.upload_json.read_text())
    data["snippet"]["title"] = title
    clip.upload_json.write_text(json.dumps(data))


def _video(yt):
    (video,) = yt.videos.values()
    return video


def test_changed_title_of_a_published_clip_is_refused_without_update(yt, clip, ledger, env):
    consent(ledger)
    assert publish(clip, ledger, env).exit_code == 0
    sent_before = len(yt.requests)
    _retitle(clip, "Step length on the treadmill")
    result = publish(clip, ledger, env)
    assert result.exit_code == 2 and "--update" in result.output and "title" in result.output, result.output
    assert len(yt.requests) == sent_before  # nothing sent
    assert _video(yt).snippet["title"] == "Gait training on the treadmill"
    with Ledger(ledger) as book:
        record = book.upload(clip.sha256)
        assert record.title == "Gait training on the treadmill"  # what YouTube has, not what was asked
        assert json.loads(record.sent_body)["snippet"]["title"] == "Gait training on the treadmill"


def test_update_sends_the_change_and_the_ledger_keeps_every_version(yt, clip, ledger, env):
    consent(ledger)
    assert publish(clip, ledger, env).exit_code == 0
    _retitle(clip, "Step length on the treadmill")
    result = vidkit("publish", clip.video, "--ledger", ledger, "--update", "--privacy", "unlisted", "--json", env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["summary"]["privacy"] == "unlisted" and "metadata updated" in payload["summary"]["how"]
    video = _video(yt)
    assert (video.snippet["title"], video.status["privacyStatus"]) == ("Step length on the treadmill", "unlisted")
    assert len(uploads_posts(yt)) == 1  # updated, not uploaded again
    with Ledger(ledger) as book:
        record = book.upload(clip.sha256)
        history = book.history(clip.sha256)
    assert (record.title, record.privacy) == ("Step length on the treadmill", "unlisted")
    assert [h["action"] for h in history] == ["session", "update"]
    assert history[0]["body_sha256"] != history[1]["body_sha256"] == record.body_sha256
    assert set(history[1]["detail"]["changed"]) == {"title", "privacyStatus"}
    again = publish(clip, ledger, env, "--privacy", "unlisted")
    assert again.exit_code == 0 and "already published" in again.output  # nothing changed since


def test_a_changed_body_with_an_unfinished_session_starts_a_new_one(yt, clip, ledger, env):
    consent(ledger)
    old = {"snippet": {"title": "An older title"}, "status": {"privacyStatus": "private"}}
    with Ledger(ledger) as book:
        book.begin_upload(clip.sha256, size=clip.size, overrides=[], subjects=["P-0042"])
        book.update(clip.sha256, "uploading", session_uri=f"{env['VIDKIT_YOUTUBE_API_URL']}upload/stale?upload_id=x",
                    bytes_sent=262144)
        book.sent(clip.sha256, old, "session")
    result = publish(clip, ledger, env)
    assert result.exit_code == 0, result.output
    assert "starting a new upload session" in " ".join(result.output.split())
    assert not any("upload_id=x" in r[1] for r in yt.requests)  # the old session was not resumed
    assert _video(yt).snippet["title"] == "Gait training on the treadmill"
    with Ledger(ledger) as book:
        actions = [h["action"] for h in book.history(clip.sha256)]
    assert actions == ["session", "new-session", "session"]


def _snapshot(folder):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_dry_run_and_status_write_nothing(yt, clip, ledger, env):
    consent(ledger)
    assert publish(clip, ledger, env).exit_code == 0
    _retitle(clip, "Another title")
    before = _snapshot(ledger.parent)
    dry = vidkit("publish", clip.video, "--ledger", ledger, "--dry-run", "--json", env=env)
    assert dry.exit_code == 0, dry.output
    payload = json.loads(dry.stdout)
    assert "update" in payload["summary"]["would_refuse"]
    status = vidkit("publish", "--status", "--ledger", ledger, "--json", env=env)
    assert status.exit_code == 0, status.output
    assert _snapshot(ledger.parent) == before  # no -wal, -shm, lock or schema write


def test_two_publish_runs_on_one_ledger_do_not_interleave(tmp_path):
    ledger = tmp_path / "ledger.sqlite3"
    entered = []

    def second():
        with publish_lock(ledger, 5.0, lambda message: entered.append(("waiting", time.monotonic()))):
            entered.append(("in", time.monotonic()))

    with publish_lock(ledger, 1.0, print):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        left = time.monotonic()
        assert [e for e, _ in entered] == ["waiting"]  # it waits for the first run
    thread.join(5)
    assert entered[-1][0] == "in" and entered[-1][1] >= left
    with publish_lock(ledger, 1.0, print):
        with pytest.raises(ProcessingError, match="another vidkit publish"):
            with publish_lock(ledger, 0.2, lambda message: None):
                pass


def test_consent_revoke_lists_videos_on_youtube_and_set_private_hides_them(yt, clip, ledger, env):
    consent(ledger)
    assert publish(clip, ledger, env, "--privacy", "unlisted").exit_code == 0
    video_id = _video(yt).id
    revoked = vidkit("consent", "revoke", "--subject", "P-0042", "--ledger", ledger, "--json", env=env)
    assert revoked.exit_code == 0, revoked.output
    summary = json.loads(revoked.stdout)["summary"]
    assert [v["video_id"] for v in summary["on_youtube"]] == [video_id]
    assert summary["set_private"] == "vidkit publish --set-private --subject P-0042"
    result = vidkit("publish", "--set-private", "--subject", "P-0042", "--ledger", ledger,
                    "--reason", "consent withdrawn", "--json", env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["made_private"] == [video_id]
    assert _video(yt).status["privacyStatus"] == "private"
    with Ledger(ledger) as book:
        record = book.upload(clip.sha256)
        history = book.history(clip.sha256)
    assert record.privacy == "private"
    assert [h["action"] for h in history] == ["session", "consent-revoked", "set-private"]
    assert history[-1]["detail"]["why"] == "consent withdrawn"
    again = vidkit("publish", "--set-private", "--subject", "P-0042", "--ledger", ledger, "--json", env=env)
    assert json.loads(again.stdout)["summary"]["already_private"] == [video_id]


def test_ledger_migrates_from_version_1_and_refuses_a_newer_one(tmp_path):
    path = tmp_path / "l.sqlite3"
    with Ledger(path) as book:
        book.begin_upload("ab" * 32, size=1, overrides=[], subjects=[])
    db = sqlite3.connect(path)
    db.execute("DROP TABLE history")
    db.execute("ALTER TABLE uploads DROP COLUMN body_sha256")
    db.execute("ALTER TABLE uploads DROP COLUMN sent_body")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with Ledger(path) as book:
        book.sent("ab" * 32, {"snippet": {"title": "T"}, "status": {"privacyStatus": "private"}}, "session")
        assert book.upload("ab" * 32).title == "T"
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.execute("PRAGMA user_version=99")
    db.commit()
    db.close()
    with pytest.raises(Exception, match="newer vidkit"):
        Ledger(path)
