"""The second listen (issue 10): a publishable output's audio is transcribed again after the
bleeps; a roster name or number still heard fails the output (exit 1, `verified: false`),
like a face the second detector finds. `clip --fast` cannot bleep, so it refuses instead."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from tests.support.named_session import make_named_session
from vidkit.cli import app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    folder = tmp_path_factory.mktemp("listen")
    video, roster = make_named_session(folder)
    copy = folder / "session_b.mp4"  # a recording named after the patient is refused
    shutil.copyfile(video, copy)
    return copy, roster


def vidkit(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _no_bleeps(*args, **kwargs):
    return None


def test_a_clip_whose_bleeps_failed_is_heard_again_and_fails(named, tmp_path, monkeypatch):
    video, roster = named
    monkeypatch.setattr("vidkit.pipeline.clip_render.bleep_filter", _no_bleeps)  # the bleeps "fail"
    result = vidkit("clip", video, "--range", "0-6", "--roster", roster, "--no-blur", "-o", tmp_path)
    assert result.exit_code == 1, result.output
    assert "second listen still hears" in result.output and "verified: false" in result.output
    words = json.loads((tmp_path / "session_b.clip01.clip.json").read_text())["words"]
    assert words["redacted"] is True and words["verified"] is False
    assert "name" in {h["kind"] for h in words["heard"]}
    assert all(set(h) == {"kind", "start", "end"} for h in words["heard"])  # times, never the words


def test_a_clip_with_its_bleeps_passes_the_second_listen(named, tmp_path):
    video, roster = named
    result = vidkit("clip", video, "--range", "0-6", "--roster", roster, "--no-blur", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    words = json.loads((tmp_path / "session_b.clip01.clip.json").read_text())["words"]
    assert words["redacted"] and words["audio_bleeped"] and words["verified"] is True
    assert words["counts"]["name"] >= 1 and len(words["roster_sha256"]) == 64


def test_a_blurred_recording_whose_bleeps_failed_fails(named, tmp_path, monkeypatch):
    video, roster = named
    monkeypatch.setattr("vidkit.pipeline.caption_redaction.bleep_filter", _no_bleeps)
    result = vidkit("blur", video, "--roster", roster, "-o", tmp_path)
    assert result.exit_code == 1, result.output
    words = json.loads((tmp_path / "session_b.privacy.json").read_text())["words"]
    assert words["verified"] is False and words["heard"]


def test_without_a_roster_the_record_says_unredacted(named, tmp_path):
    video, _ = named
    result = vidkit("clip", video, "--range", "0-2", "--no-blur", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    words = json.loads((tmp_path / "session_b.clip01.clip.json").read_text())["words"]
    assert words["redacted"] is False and words["verified"] is None


def test_fast_clip_with_a_roster_refuses_names_it_cannot_bleep(named, tmp_path):
    video, roster = named
    result = vidkit("clip", video, "--range", "0-4", "--fast", "--no-blur", "--roster", roster, "-o", tmp_path)
    assert result.exit_code == 2, result.output
    assert "--fast copies the audio" in result.output
    assert not list(tmp_path.glob("*.mp4"))  # refused before any cut
