"""Publishing checks words as well as faces (issue 10): the words gate, the texts sent, the
files bound to the clip, kept faces, and overrides recorded with who, when and why."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.publish.conftest import consent, refused, vidkit, write_clip
from tests.publish.conftest import publish_clip as publish
from vidkit.publish.ledger import Ledger

SRT_NAMED = "1\n00:00:00,000 --> 00:00:01,500\nWell done, Maria Jansen, lift your knee.\n\n"


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.txt"
    path.write_text("Maria Jansen\nTom Bakker | Tommy\n", encoding="utf-8")
    return path


def _rebind(clip, name: str, kind: str) -> None:
    data = json.loads(clip.record.read_text())
    data["files"][kind] = hashlib.sha256((clip.folder / name).read_bytes()).hexdigest()
    clip.record.write_text(json.dumps(data))


def _edit_snippet(clip, **snippet) -> None:
    data = json.loads(clip.upload_json.read_text())
    data["snippet"].update(snippet)
    clip.upload_json.write_text(json.dumps(data))


@pytest.mark.parametrize("words, why", [
    ({"redacted": False}, "were not redacted"),
    ({"verified": False, "heard": [{"kind": "name", "start": 1.0, "end": 1.4}]}, "second listen still heard 1"),
    ({"verified": None, "note": "the second listen is off"}, "not listened to again"),
    ({"audio_bleeped": False}, "still in its audio"),
])
def test_words_not_redacted_or_heard_again_are_refused(yt, clip, ledger, env, words, why):
    consent(ledger)
    clip.edit_words(**words)
    refused(publish(clip, ledger, env), "words gate", why, "--allow-unredacted")
    assert yt.requests == []


def test_a_record_without_a_words_block_is_refused(yt, clip, ledger, env):
    consent(ledger)
    data = json.loads(clip.record.read_text())
    del data["words"]
    data["schema"] = "vidkit.clip/2"  # made by the vidkit before the name gate
    clip.record.write_text(json.dumps(data))
    refused(publish(clip, ledger, env), "words gate", "does not say whether names were redacted")
    data["schema"] = "vidkit.clip/3"  # a current record must have it: not half-read
    clip.record.write_text(json.dumps(data))
    refused(publish(clip, ledger, env), "privacy gate", "has no 'words'")


def test_allow_unredacted_needs_a_reason_and_records_who_when_why(yt, clip, ledger, env):
    consent(ledger)
    clip.edit_words(redacted=False)
    refused(publish(clip, ledger, env, "--allow-unredacted"), "--reason")
    assert yt.requests == []
    result = publish(clip, ledger, env, "--allow-unredacted", "--reason", "audio checked by the media team")
    assert result.exit_code == 0, result.output
    with Ledger(ledger) as book:
        assert "allow-unredacted" in book.upload(clip.sha256).overrides
        notes = [h for h in book.history(clip.sha256) if h["action"] == "override"]
    assert notes and notes[0]["detail"]["why"] == "audio checked by the media team"
    assert notes[0]["detail"]["who"] and notes[0]["at"]


def test_title_with_a_part_of_the_recordings_file_name_is_refused(yt, tmp_path, clip_source, ledger, env):
    made = write_clip(tmp_path / "named", clip_source, stem="jan_smit_2024.clip01")
    consent(ledger)
    _edit_snippet(made, title="Jan Smit: gait training")
    refused(publish(made, ledger, env), "text gate", "title", "file name")
    assert yt.requests == []


@pytest.mark.parametrize("field, value, place", [
    ("description", "Today Maria Jansen walks faster.\n\nEducation only.", "description"),
    ("tags", ["rehabilitation", "Jansen"], "tag 2"),
    ("title", "Gait training with Tommy", "title"),
])
def test_roster_names_in_any_text_sent_are_refused(yt, clip, ledger, env, roster, field, value, place):
    consent(ledger)
    _edit_snippet(clip, **{field: value})
    refused(publish(clip, ledger, env, "--roster", roster), "text gate", place, "roster")
    assert yt.requests == []


def test_identifying_numbers_are_refused_without_a_roster(yt, clip, ledger, env):
    consent(ledger)
    _edit_snippet(clip, description="Call 06-12345678 for an appointment.\n\nEducation only.")
    refused(publish(clip, ledger, env), "text gate", "description", "identifying number")


def test_names_in_the_caption_track_and_chapters_are_refused(yt, clip, ledger, env, roster):
    consent(ledger)
    (clip.folder / "p0042_walk.clip01.srt").write_text(SRT_NAMED, encoding="utf-8")
    _rebind(clip, "p0042_walk.clip01.srt", "srt")  # a track made with the clip, but holding a name
    refused(publish(clip, ledger, env, "--roster", roster), "text gate", "caption track")
    (clip.folder / "p0042_walk.clip01.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nLift.\n\n")
    _rebind(clip, "p0042_walk.clip01.srt", "srt")
    clip.edit_upload(chapters=[{"start": 0, "title": "Intro"}, {"start": 12, "title": "Maria walks"}])
    refused(publish(clip, ledger, env, "--roster", roster), "text gate", "chapter 2 title")


def test_card_and_thumbnail_text_of_the_record_is_scanned(yt, clip, ledger, env, roster):
    consent(ledger)
    data = json.loads(clip.record.read_text())
    data["title"] = "Tom Bakker walks again"
    clip.record.write_text(json.dumps(data))
    refused(publish(clip, ledger, env, "--roster", roster), "text gate", "thumbnail and intro card")


def test_clinic_contact_in_the_description_is_not_a_hit(yt, tmp_path, clip, ledger, env):
    consent(ledger)
    (tmp_path / "vidkit.toml").write_text('[clinic]\nname = "Rehab Centre"\ncontact = "010-1234567"\n')
    _edit_snippet(clip, description="How we train.\n\nRehab Centre\nContact: 010-1234567")
    import os

    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = publish(clip, ledger, env)
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output


def test_swapped_thumbnail_and_edited_captions_are_refused(yt, tmp_path, clip_source, ledger, env):
    from PIL import Image

    consent(ledger)
    swapped = write_clip(tmp_path / "a", clip_source)
    Image.new("RGB", (1280, 720), (200, 10, 10)).save(swapped.folder / "p0042_walk.clip01.jpg", "JPEG")
    refused(publish(swapped, ledger, env), "files gate", "thumbnail", "changed after the clip was made")
    edited = write_clip(tmp_path / "b", clip_source)
    (edited.folder / "p0042_walk.clip01.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nEdited.\n\n")
    refused(publish(edited, ledger, env), "files gate", "caption track")
    assert yt.requests == []


def test_captions_the_record_does_not_know_are_refused(yt, clip, ledger, env):
    consent(ledger)
    data = json.loads(clip.record.read_text())
    data["files"] = {}
    clip.record.write_text(json.dumps(data))
    refused(publish(clip, ledger, env), "files gate", "not one the clip's record knows")


def _kept_track_video(tmp_path, clip_source):
    made = write_clip(tmp_path / "whole", clip_source, stem="p0042_walk.blurred")
    made.record.unlink()
    made.edit_upload(clip_record=None, captions=None, thumbnail=None, subjects=[])
    from tests.publish.conftest import privacy_report

    (made.folder / "p0042_walk.privacy.json").write_text(json.dumps(
        privacy_report(made.sha256, settings={"kept_tracks": [2]})))
    return made


def test_kept_faces_need_consent_and_never_pass_with_no_subjects(yt, tmp_path, clip_source, ledger, env):
    made = _kept_track_video(tmp_path, clip_source)
    refused(publish(made, ledger, env, "--no-subjects"), "consent gate", "--keep-track", "--no-subjects")
    refused(publish(made, ledger, env), "consent gate", "--keep-track")
    consent(ledger)
    result = vidkit("publish", made.video, "--ledger", ledger, "--subject", "P-0042", "--dry-run", "--json", env=env)
    gates = {g["gate"]: g for g in json.loads(result.stdout)["gates"]}
    assert gates["privacy"]["ok"] and "except the kept track(s) 2" in gates["privacy"]["detail"]
    assert gates["consent"]["ok"]


def test_a_video_without_audio_passes_the_words_gate(yt, clip, ledger, env):
    from vidkit.privacy.spoken import NO_AUDIO

    consent(ledger)
    clip.edit_words(verified=None, note=NO_AUDIO, counts={}, audio_bleeped=False)
    result = vidkit("publish", clip.video, "--ledger", ledger, "--dry-run", "--json", env=env)
    gates = {g["gate"]: g for g in json.loads(result.stdout)["gates"]}
    assert gates["words"]["ok"], gates["words"]
