"""The rest of the surface: --dry-run, --status, re-publishing, quota, consent, auth and the token."""

from __future__ import annotations

import json
import os
import stat

from tests.cli.helpers import run_vidkit
from tests.publish.conftest import consent, vidkit
from vidkit.publish.ledger import Ledger
from vidkit.publish.quota import UNITS, UPLOADS, day_key


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(yt, clip, ledger, env):
    consent(ledger)
    no_token = {k: v for k, v in env.items() if k != "VIDKIT_YOUTUBE_TOKEN"}
    no_token["VIDKIT_YOUTUBE_TOKEN"] = str(clip.folder / "no-such-token.json")
    result = vidkit("publish", clip.upload_json, "--ledger", ledger, "--dry-run", "--json",
                    "--playlist", "PLabc", env=no_token)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert yt.requests == []  # not even the token endpoint
    insert = plan["requests"]["videos.insert"]
    assert insert["body"]["status"] == {"privacyStatus": "private", "selfDeclaredMadeForKids": False,
                                        "containsSyntheticMedia": False}
    assert insert["body"]["snippet"]["title"] == "Gait training on the treadmill"
    assert set(plan["requests"]) == {"videos.insert", "captions.insert", "thumbnails.set", "playlistItems.insert"}
    video = plan["files"][0]
    assert video == {"role": "video", "name": clip.video.name, "bytes": clip.size, "sha256": clip.sha256,
                     "mimetype": "video/mp4"}
    assert plan["quota"]["units"]["this_upload"] == 500 and plan["quota"]["uploads"]["this_upload"] == 1
    assert plan["quota"]["units"]["used"] == 0 and all(g["ok"] for g in plan["gates"])
    with Ledger(ledger) as book:
        assert book.uploads() == []  # nothing recorded either


def test_dry_run_human_output_has_the_metadata_json_and_the_gates(yt, clip, tmp_path):
    result = run_vidkit("publish", clip.video, "--dry-run", "--ledger", tmp_path / "none.sqlite3")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["videos.insert"]["body"]["status"]["privacyStatus"] == "private"
    assert "would refuse" in result.stderr and "P-0042" in result.stderr  # no consent recorded
    assert clip.sha256[:16] in result.stderr and "nothing sent" in result.stderr
    assert not (tmp_path / "none.sqlite3").exists()


def test_status_lists_uploads_and_todays_quota(yt, clip, ledger, env):
    consent(ledger)
    assert vidkit("publish", clip.video, "--ledger", ledger, env=env).exit_code == 0
    status = vidkit("publish", "--status", "--ledger", ledger, "--json", env=env)
    assert status.exit_code == 0, status.output
    data = json.loads(status.stdout)
    [upload] = data["uploads"]
    video_id = next(iter(yt.videos))
    assert upload["state"] == "published" and upload["video_id"] == video_id and upload["privacy"] == "private"
    assert upload["title"] == "Gait training on the treadmill"
    assert upload["steps"] == {"captions": "done", "thumbnail": "done"}
    assert "session_uri" not in upload
    assert data["quota"]["uploads"]["used"] == 1 and data["quota"]["units"]["used"] == 450
    assert data["quota"]["units"]["left"] == 10_000 - 450
    table = run_vidkit("publish", "--status", "--ledger", ledger, env={**env, "COLUMNS": "250"})
    assert table.returncode == 0, table.stderr
    assert video_id in table.stdout and "published" in table.stdout and "midnight Pacific" in table.stdout


def test_publishing_again_does_nothing(yt, clip, ledger, env):
    consent(ledger)
    first = vidkit("publish", clip.video, "--ledger", ledger, env=env)
    assert first.exit_code == 0, first.output
    seen = len(yt.requests)
    again = vidkit("publish", clip.upload_json, "--ledger", ledger, "--json", env=env)
    assert again.exit_code == 0, again.output
    payload = json.loads(again.stdout)
    assert payload["summary"]["already_published"] is True
    assert payload["summary"]["video_id"] == next(iter(yt.videos))
    assert len(yt.requests) == seen and len(yt.videos) == 1


def test_quota_refused_locally_when_todays_bucket_is_full(yt, clip, ledger, env):
    consent(ledger)
    with Ledger(ledger) as book:
        book.charge(day_key(), UPLOADS, 100)
    result = vidkit("publish", clip.video, "--ledger", ledger, env=env)
    assert result.exit_code == 1
    assert "videos.insert bucket" in result.output and "midnight Pacific" in result.output
    assert "queued" in result.output
    assert yt.requests == []
    with Ledger(ledger) as book:
        assert book.upload(clip.sha256).state == "queued"


def test_quota_refused_before_upload_when_the_steps_would_not_fit(yt, clip, ledger, env):
    consent(ledger)
    with Ledger(ledger) as book:
        book.charge(day_key(), UNITS, 9_700)
    result = vidkit("publish", clip.video, "--ledger", ledger, env=env)
    assert result.exit_code == 1 and "API units bucket" in result.output
    assert yt.requests == []


def test_token_is_written_back_owner_only_after_a_refresh(yt, clip, ledger, env, token):
    consent(ledger)
    os.chmod(token, 0o600)
    assert vidkit("publish", clip.video, "--ledger", ledger, env=env).exit_code == 0
    saved = json.loads(token.read_text())
    assert saved["token"].startswith("ya29.fake-") and saved["refresh_token"] == "refresh-good"
    assert saved["token_uri"] == yt.root_url + "token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600


def test_auth_status_never_shows_the_token(yt, env, token):
    result = vidkit("auth", "--status", "--json", env=env)
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["summary"]["exists"] and status["summary"]["private"] and status["summary"]["missing_scopes"] == []
    assert "refresh-good" not in result.output and "client-secret" not in result.output


def test_auth_without_a_token_or_client_file(tmp_path):
    empty = {"VIDKIT_YOUTUBE_TOKEN": str(tmp_path / "none.json")}
    status = vidkit("auth", "--status", env=empty)
    assert status.exit_code == 0 and "none yet" in status.output
    missing = vidkit("auth", "--no-browser", env=empty)
    assert missing.exit_code == 2 and "--client-secrets" in missing.output


def test_publish_without_a_token_says_run_vidkit_auth(yt, clip, ledger, env, tmp_path):
    consent(ledger)
    result = vidkit("publish", clip.video, "--ledger", ledger,
                    env={**env, "VIDKIT_YOUTUBE_TOKEN": str(tmp_path / "none.json")})
    assert result.exit_code == 1 and "run `vidkit auth`" in result.output
    assert yt.requests == []


def test_consent_add_list_revoke(tmp_path, ledger):
    evidence = tmp_path / "form.pdf"
    evidence.write_bytes(b"%PDF signed form")
    added = vidkit("consent", "add", "--subject", "P-0042", "--expires", "2099-12-31", "--evidence", evidence,
                   "--ledger", ledger, "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["summary"]["evidence_sha256"] and "form.pdf" not in added.stdout
    listed = json.loads(vidkit("consent", "list", "--ledger", ledger, "--json").stdout)["consents"]
    assert [(c["subject"], c["state"], c["expires"]) for c in listed] == [("P-0042", "valid", "2099-12-31")]
    assert vidkit("consent", "revoke", "--subject", "P-0042", "--ledger", ledger).exit_code == 0
    listed = json.loads(vidkit("consent", "list", "--ledger", ledger, "--json").stdout)["consents"]
    assert listed[0]["state"] == "revoked"
    assert vidkit("consent", "revoke", "--subject", "P-0042", "--ledger", ledger).exit_code == 2
    assert vidkit("consent", "add", "--subject", "Jane Doe", "--ledger", ledger).exit_code == 2
    assert vidkit("consent", "add", "--subject", "P-1", "--expires", "2001-01-01", "--ledger", ledger).exit_code == 2


def test_ledger_is_owner_only(clip, ledger):
    consent(ledger)
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600


def test_help_has_examples():
    for command in (["publish"], ["auth"], ["consent", "add"], ["consent", "list"], ["consent", "revoke"]):
        result = vidkit(*command, "--help", env={"COLUMNS": "200"})
        assert result.exit_code == 0 and "Example" in result.output and "vidkit " + command[0] in result.output
