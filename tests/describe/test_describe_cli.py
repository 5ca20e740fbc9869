"""`vidkit describe` as a user runs it: CliRunner and once as a subprocess."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_vidkit
from tests.describe.helpers import TOPICS, write_transcript
from vidkit.cli import app

# The file name holds a patient's name: it must not reach the title or description.
STEM = "jansen_visit3.clip01"
PRIVACY = {"masked": True, "verified": True, "tracks": 1, "verification_rounds": 1, "faces_left": 0}


@pytest.fixture
def clip(place_video, tiny_video) -> Path:
    """A clip as `vidkit clip` leaves it: video, transcript, captions, thumbnail, record."""
    video = place_video(f"{STEM}.mp4", tiny_video)
    write_transcript(video.with_name(f"{STEM}.transcript.json"), TOPICS, 40.0)
    video.with_name(f"{STEM}.srt").write_text("1\n00:00:00,500 --> 00:00:02,000\nThe harness\n", encoding="utf-8")
    video.with_name(f"{STEM}.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    record = {"schema": "vidkit.clip/2", "index": 1, "aspect": None, "privacy": PRIVACY, "subjects": ["P001"]}
    video.with_name(f"{STEM}.clip.json").write_text(json.dumps(record), encoding="utf-8")
    return video


def invoke(*args):
    return CliRunner().invoke(app, ["describe", *map(str, args)])


def test_describe_writes_the_upload_record(clip):
    result = invoke(clip, "--json", "--subject", "P002", "--subject", "P001", "--template", "education")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    path = Path(payload["outputs"]["upload"])
    assert path == clip.with_name(f"{STEM}.upload.json")
    upload = json.loads(path.read_text(encoding="utf-8"))
    assert upload["schema"] == "vidkit.upload/1"
    assert (upload["video"], upload["captions"], upload["thumbnail"], upload["clip_record"]) == \
        (f"{STEM}.mp4", f"{STEM}.srt", f"{STEM}.jpg", f"{STEM}.clip.json")
    assert upload["video_sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert upload["status"] == {"privacyStatus": "private", "selfDeclaredMadeForKids": False,
                                "containsSyntheticMedia": False, "publishAt": None}
    snippet = upload["snippet"]
    assert set(snippet) == {"title", "description", "tags", "categoryId", "defaultLanguage", "defaultAudioLanguage"}
    assert snippet["categoryId"] == "27" and snippet["defaultLanguage"] == "en"
    assert snippet["tags"][:4] == ["rehabilitation", "harness", "treadmill", "gait"]
    assert upload["chapters"] == [{"start": 0, "title": "Harness"}, {"start": 13, "title": "Gait"},
                                  {"start": 26, "title": "Balance"}]
    assert "Chapters:\n00:00 Harness\n00:13 Gait\n00:26 Balance\n" in snippet["description"]
    assert upload["subjects"] == ["P001", "P002"]
    assert upload["privacy"] == PRIVACY
    assert upload["fixes"] == [] and upload["template"] == "education" and upload["summary_source"] == "extractive"
    assert snippet["description"].endswith("This video is for education only and is not medical advice.\n"
                                           "Shown with the written consent of the people in it.")
    shown = (snippet["title"] + "\n" + snippet["description"]).lower()
    for part in re.split(r"[._]", STEM.lower()) + [STEM.lower(), "mp4"]:
        assert part not in shown, part


def test_the_summary_shows_title_tags_chapters_and_fixes(clip):
    result = invoke(clip, "--title", "Harness, gait and balance <part 1>")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stderr.split())
    assert "title Harness, gait and balance part 1" in text
    assert "tags rehabilitation, harness, treadmill, gait" in text
    assert "chapters 00:00 Harness; 00:13 Gait; 00:26 Balance" in text
    assert "fixed title: removed 2 angle brackets" in text


def test_a_folder_elsewhere_gets_relative_names(clip, tmp_path):
    out = tmp_path / "uploads"
    result = invoke(clip, "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    upload = json.loads((out / f"{STEM}.upload.json").read_text(encoding="utf-8"))
    assert upload["video"] == f"../{STEM}.mp4"
    assert (out / upload["video"]).resolve() == clip.resolve()


def test_a_short_gets_the_short_template_without_chapters(place_video, tiny_vertical):
    video = place_video("v.mp4", tiny_vertical)
    write_transcript(video.with_name("v.transcript.json"),
                     [(t / 2, text) for t, text in TOPICS], 20.0)
    result = invoke(video, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    upload = json.loads(video.with_name("v.upload.json").read_text(encoding="utf-8"))
    assert upload["template"] == "short" and summary["short"] is True
    assert "#Shorts" in upload["snippet"]["description"]
    assert upload["chapters"] == [] and summary["chapters_note"]
    assert (upload["captions"], upload["thumbnail"], upload["clip_record"], upload["privacy"]) == (None,) * 4


@pytest.mark.parametrize("args,message", [
    (["--subject", "Maria Jansen"], "pseudonymous code"),
    (["--subject", "P-Jansen", "--roster", "ROSTER"], "holds a name from the roster"),
    (["--template", "nope"], "no description template named 'nope'"),
    (["--llm", "ftp://x"], "http:// or https://"),
])
def test_bad_input_is_refused_with_exit_code_2(clip, args, message):
    roster = clip.with_name("roster.txt")
    roster.write_text("Maria Jansen\n", encoding="utf-8")
    result = invoke(clip, *[str(roster) if a == "ROSTER" else a for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not clip.with_name(f"{STEM}.upload.json").exists()


def test_a_video_without_a_transcript_is_refused(place_video, tiny_video):
    video = place_video("bare.mp4", tiny_video)
    result = invoke(video)
    assert result.exit_code == 2 and "no transcript beside bare.mp4" in result.stderr


def test_the_roster_redacts_names_from_the_description(place_video, tiny_video):
    video = place_video("s.mp4", tiny_video)
    lines = [(0.5, "Good morning Maria Jansen, the harness is on."), (5.0, "Maria, the treadmill starts now."),
             (10.0, "Walk on the treadmill in the harness, Maria.")]
    write_transcript(video.with_name("s.transcript.json"), lines, 40.0)
    roster = video.with_name("roster.txt")
    roster.write_text("Maria Jansen\n", encoding="utf-8")
    result = invoke(video, "--roster", roster, "--json")
    assert result.exit_code == 0, result.output
    text = video.with_name("s.upload.json").read_text(encoding="utf-8").lower()
    assert "maria" not in text and "jansen" not in text


def test_help_has_an_example():
    result = CliRunner().invoke(app, ["describe", "--help"])
    assert result.exit_code == 0 and "Example: vidkit describe" in " ".join(result.output.split())


def test_describe_as_a_subprocess(clip):
    result = run_vidkit("describe", clip, "--json", "--subject", "P003", timeout=60)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["command"] == "describe"
    upload = json.loads(Path(payload["outputs"]["upload"]).read_text(encoding="utf-8"))
    assert upload["subjects"] == ["P001", "P003"] and upload["status"]["privacyStatus"] == "private"


def test_without_a_roster_describe_is_an_error(place_video, tiny_video, monkeypatch):
    """Issue 10: the description is made from what was said, so no roster, no description."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tiny_video.parent / "no-config"))  # no user config roster either
    video = place_video("w.mp4", tiny_video)
    write_transcript(video.with_name("w.transcript.json"), TOPICS, 40.0)
    result = invoke(video, "--json")
    assert result.exit_code == 2 and "describe needs the roster" in result.output, result.output
    assert not video.with_name("w.upload.json").exists()


def test_a_title_naming_the_recording_is_refused_and_unknown_names_never_become_tags(place_video, tiny_video):
    video = place_video("jan_smit_2024.clip01.mp4", tiny_video)
    lines = [(0.5, "Maria, lift your knee on the treadmill."), (4.0, "Maria keeps her gait steady."),
             (8.0, "The treadmill helps your gait."), (12.0, "Well done Maria, the treadmill stops.")]
    write_transcript(video.with_name("jan_smit_2024.clip01.transcript.json"), lines, 40.0)
    refused = invoke(video, "--title", "Jan Smit: gait training")
    assert refused.exit_code == 2 and "part of the recording's file name" in refused.output, refused.output
    result = invoke(video, "--json")
    assert result.exit_code == 0, result.output
    upload = json.loads(video.with_name("jan_smit_2024.clip01.upload.json").read_text(encoding="utf-8"))
    words = " ".join([upload["snippet"]["title"], *upload["snippet"]["tags"],
                      *json.loads(result.stdout)["summary"]["hashtags"], *(c["title"] for c in upload["chapters"])])
    assert "maria" not in words.casefold() and "treadmill" in words.casefold()


def test_numbers_that_identify_a_patient_never_reach_the_description(place_video, tiny_video):
    video = place_video("n.mp4", tiny_video)
    lines = [(0.5, "Your phone number is 0612345678 for the harness booking."),
             (6.0, "The harness and the treadmill are ready for your phone call.")]  # both go in the summary
    write_transcript(video.with_name("n.transcript.json"), lines, 40.0)
    assert invoke(video, "--json", "--template", "education").exit_code == 0
    upload = video.with_name("n.upload.json").read_text(encoding="utf-8")
    assert "Your phone number is [redacted] for the harness booking." in upload
    assert "0612345678" not in upload


def test_the_title_given_to_vidkit_clip_is_the_default_title(clip):
    record = json.loads(clip.with_name(f"{STEM}.clip.json").read_text(encoding="utf-8"))
    record["title"] = "First <steps> on the CAREN"
    clip.with_name(f"{STEM}.clip.json").write_text(json.dumps(record), encoding="utf-8")
    assert invoke(clip, "--json").exit_code == 0
    upload = json.loads(clip.with_name(f"{STEM}.upload.json").read_text(encoding="utf-8"))
    assert upload["snippet"]["title"] == "First steps on the CAREN"  # validated: brackets stripped
    assert invoke(clip, "--json", "--title", "Balance work").exit_code == 0  # --title still wins
    upload = json.loads(clip.with_name(f"{STEM}.upload.json").read_text(encoding="utf-8"))
    assert upload["snippet"]["title"] == "Balance work"
