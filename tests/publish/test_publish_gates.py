"""The gates fail closed: each refusal is exit code 2, one line, and nothing reaches YouTube."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_video
from tests.publish.conftest import assert_one_video, consent, privacy_report, refused, vidkit, write_clip
from tests.publish.conftest import publish_clip as publish
from vidkit.publish.ledger import Ledger


def overrides(ledger, clip):
    with Ledger(ledger) as book:
        return book.upload(clip.sha256).overrides


def test_missing_privacy_report_is_refused(yt, clip, ledger, env):
    consent(ledger)
    clip.record.unlink()
    clip.edit_upload(clip_record=None)
    refused(publish(clip, ledger, env), "privacy gate", "no privacy report", "--allow-unverified")
    assert yt.requests == []


@pytest.mark.parametrize("privacy, why", [({"verified": False}, "a face was still found"),
                                          ({"verified": None}, "verification was off"),
                                          ({"masked": False, "verified": None}, "not masked")])
def test_unverified_clip_is_refused(yt, clip, ledger, env, privacy, why):
    consent(ledger)
    clip.edit_record(**privacy)
    refused(publish(clip, ledger, env), "privacy gate", why)
    assert yt.requests == []


def test_privacy_report_of_another_file_is_refused(yt, clip, ledger, env):
    consent(ledger)
    data = json.loads(clip.record.read_text())
    data["video_sha256"] = "0" * 64
    clip.record.write_text(json.dumps(data))
    refused(publish(clip, ledger, env), "about another file")
    assert yt.requests == []


def test_allow_unverified_publishes_and_is_recorded(yt, clip, ledger, env):
    consent(ledger)
    clip.edit_record(verified=False)
    result = publish(clip, ledger, env, "--allow-unverified")
    assert result.exit_code == 0, result.output
    assert_one_video(yt, clip)
    assert overrides(ledger, clip) == ["allow-unverified"]


def test_blur_privacy_report_of_a_whole_video_is_accepted(yt, tmp_path, clip_source, ledger, env):
    made = write_clip(tmp_path / "whole", clip_source, stem="p0042_walk.blurred")
    made.record.unlink()
    made.edit_upload(clip_record=None, captions=None, thumbnail=None)  # blur makes neither
    (made.folder / "p0042_walk.privacy.json").write_text(json.dumps(privacy_report(made.sha256)))
    consent(ledger)
    result = publish(made, ledger, env)
    assert result.exit_code == 0, result.output


def test_missing_consent_is_refused(yt, clip, ledger, env):
    refused(publish(clip, ledger, env), "consent gate", "P-0042 (none recorded)", "vidkit consent add")
    assert yt.requests == []


def test_consent_for_every_subject_including_subject_flags(yt, clip, ledger, env):
    consent(ledger)
    refused(publish(clip, ledger, env, "--subject", "P-0077"), "P-0077 (none recorded)")
    assert yt.requests == []


def test_expired_consent_is_refused(yt, clip, ledger, env):
    with Ledger(ledger) as book:
        book.add_consent("P-0042", "youtube", "2020-01-31", None)
    refused(publish(clip, ledger, env), "expired on 2020-01-31")
    assert yt.requests == []


def test_revoked_consent_is_refused(yt, clip, ledger, env):
    consent(ledger)
    assert vidkit("consent", "revoke", "--subject", "P-0042", "--ledger", ledger).exit_code == 0
    refused(publish(clip, ledger, env), "revoked")
    assert yt.requests == []


def test_subjects_of_the_clip_record_count_even_when_the_upload_json_drops_them(yt, clip, ledger, env):
    clip.edit_upload(subjects=[])
    refused(publish(clip, ledger, env), "P-0042 (none recorded)")


def test_no_subjects_is_refused_unless_stated_and_then_recorded(yt, clip, ledger, env):
    clip.edit_upload(subjects=[])
    data = json.loads(clip.record.read_text())
    clip.record.write_text(json.dumps({**data, "subjects": []}))
    refused(publish(clip, ledger, env), "no subjects", "--no-subjects")
    assert yt.requests == []
    result = publish(clip, ledger, env, "--no-subjects")
    assert result.exit_code == 0, result.output
    assert_one_video(yt, clip)
    assert overrides(ledger, clip) == ["no-subjects"]


def test_identifying_container_metadata_is_refused(yt, tmp_path, ledger, env):
    tagged = make_video(tmp_path / "tagged.mp4", seconds=1.0, audio=False,
                        extra=("-metadata", "creation_time=2024-05-01T10:00:00Z", "-metadata", "location=+52.37+004.89/"))
    made = write_clip(tmp_path / "tagged", tagged)
    consent(ledger)
    refused(publish(made, ledger, env), "metadata gate", "creation_time", "location")
    assert yt.requests == []


def test_source_file_name_in_the_title_is_refused(yt, clip, ledger, env):
    consent(ledger)
    data = json.loads(clip.upload_json.read_text())
    data["snippet"]["title"] = "p0042_walk: gait training"
    clip.upload_json.write_text(json.dumps(data))
    refused(publish(clip, ledger, env), "file name", "p0042_walk")
    assert yt.requests == []


def test_changed_video_is_refused(yt, clip, ledger, env):
    consent(ledger)
    with open(clip.video, "ab") as handle:
        handle.write(b"\0")
    refused(publish(clip, ledger, env), "changed after `vidkit describe`")


def test_publish_at_needs_private(yt, clip, ledger, env):
    consent(ledger)
    refused(publish(clip, ledger, env, "--privacy", "public", "--publish-at", "2099-01-01T09:00:00Z"),
            "publishAt needs privacyStatus private")
    assert yt.requests == []


def test_explicit_privacy_and_schedule_are_sent(yt, clip, ledger, env):
    consent(ledger)
    result = publish(clip, ledger, env, "--publish-at", "2099-01-01T09:00:00+01:00")
    assert result.exit_code == 0, result.output
    video = assert_one_video(yt, clip, "private")
    assert video.status["publishAt"].startswith("2099-01-01T08:00:00")


def test_unlisted_must_be_asked_for(yt, tmp_path, clip_source, ledger, env):
    consent(ledger)
    first = write_clip(tmp_path / "a", clip_source)
    first.edit_upload(status={"privacyStatus": "public", "selfDeclaredMadeForKids": False,
                              "containsSyntheticMedia": False})
    result = publish(first, ledger, env, "--json")
    assert result.exit_code == 0, result.output
    assert any("pass --privacy public" in note for note in json.loads(result.stdout)["summary"]["notes"])
    assert_one_video(yt, first, "private")


def test_unlisted_when_asked(yt, clip, ledger, env):
    consent(ledger)
    result = publish(clip, ledger, env, "--privacy", "unlisted")
    assert result.exit_code == 0, result.output
    assert_one_video(yt, clip, "unlisted")
