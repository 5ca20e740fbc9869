"""The right transcript only, and the outputs of another recording with the same file name are
not overwritten silently (two different recordings both called session.mp4, one output folder).

Commands run in-process (CliRunner) with transcription faked: every "transcript" is written by
hand with the provenance vidkit gives it (the recording's sha256)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.helpers import make_transcript
from tests.conftest import make_video
from vidkit.cli import app
from vidkit.pipeline import steps
from vidkit import hashing
from vidkit.hashing import file_sha256
from vidkit.transcript import Transcript, load_transcript


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """Two different recordings with the same name, in two folders."""
    root = tmp_path_factory.mktemp("same_name")
    (root / "a").mkdir()
    (root / "b").mkdir()
    return (make_video(root / "a" / "session.mp4", seconds=3.0, size="160x120", fps=10),
            make_video(root / "b" / "session.mp4", seconds=3.4, size="176x144", fps=10))


def transcript_of(video: Path, path: Path) -> Path:
    """A transcript of `video` as vidkit writes it: its provenance names the recording's sha256."""
    make_transcript(path, offset=0.0)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["provenance"] = {"engine": "test", "input_sha256": file_sha256(video)}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def transcriptions(monkeypatch, tmp_path):
    """Recordings "transcribed" (no model): each gets a transcript naming its sha256."""
    made = []
    words = load_transcript(make_transcript(tmp_path / "words.json", offset=0.0)).segments

    def fake(path, options, on_progress=None, engines=None):
        made.append(Path(path))
        return Transcript("en", 3.0, words, {"engine": "test", "input_sha256": file_sha256(path)})

    monkeypatch.setattr(steps, "transcribe_file", fake)
    return made


def vidkit(*args):
    return CliRunner().invoke(app, [*map(str, args)])


def refused(result, *phrases):
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    return result.stderr


def recorded(path: Path) -> str:
    return load_transcript(path).provenance["input_sha256"]


# -- point 1: a transcript of another recording ---------------------------------------------

def test_a_given_transcript_of_another_recording_is_refused(recordings, tmp_path, transcriptions):
    a, b = recordings
    of_a = transcript_of(a, tmp_path / "a.transcript.json")
    refused(vidkit("caption", b, "--transcript", of_a, "-o", tmp_path / "out"),
            "a.transcript.json is the transcript of another recording, not of session.mp4",
            "leave --transcript out")
    assert not (tmp_path / "out").exists()
    # Its words fit b's length, so the old check (duration only) let it through: the hash does not.
    assert vidkit("caption", a, "--transcript", of_a, "-o", tmp_path / "out").exit_code == 0
    assert transcriptions == []


def test_redact_refuses_media_the_transcript_was_not_made_from(recordings, tmp_path):
    a, b = recordings
    roster = tmp_path / "roster.txt"
    roster.write_text("Maria Jansen\n", encoding="utf-8")
    of_a = transcript_of(a, tmp_path / "session.transcript.json")
    refused(vidkit("redact", of_a, "--roster", roster, "--media", b, "-o", tmp_path / "out"),
            "is the transcript of another recording", "--media")


def test_a_found_transcript_of_another_recording_is_passed_over_and_made_anew(recordings, tmp_path, transcriptions):
    a, b = recordings
    beside = tmp_path / "in"
    beside.mkdir()
    video = beside / "session.mp4"
    shutil.copyfile(b, video)  # the recording beside this transcript was replaced by another one
    transcript_of(a, beside / "session.transcript.json")
    result = vidkit("caption", video, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "is the transcript of another recording" in result.stderr  # said, as a warning
    assert transcriptions == [video]
    assert recorded(tmp_path / "out" / "session.transcript.json") == file_sha256(b)
    assert recorded(beside / "session.transcript.json") == file_sha256(a)  # left where it was


def test_a_transcript_naming_no_recording_keeps_the_length_check(recordings, tmp_path):
    a, _ = recordings
    other_tool = make_transcript(tmp_path / "t.json", offset=0.0, duration=2.0)  # no input_sha256
    assert vidkit("caption", a, "--transcript", other_tool, "-o", tmp_path / "out").exit_code == 0
    too_long = make_transcript(tmp_path / "long.json", offset=30.0)
    refused(vidkit("caption", a, "--transcript", too_long, "-o", tmp_path / "out"), "another file?")


# -- point 2: outputs of another recording with the same stem --------------------------------

def test_another_recording_with_the_same_name_is_refused_then_replaced_with_overwrite(
        recordings, tmp_path, transcriptions):
    a, b = recordings
    out = tmp_path / "out"
    assert vidkit("transcribe", a, "--format", "txt,srt", "-o", out).exit_code == 0
    assert vidkit("caption", a, "--format", "srt,ass", "-o", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"session.transcript.json", "session.txt", "session.srt", "session.ass",
            "session.captions-qc.json"} <= set(before)

    for command in (("transcribe", b), ("caption", b)):
        refused(vidkit(*command, "-o", out), f"{out} already holds outputs of another recording also named "
                                             "'session'", "--overwrite")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing touched
    assert transcriptions == [a]

    assert vidkit("caption", b, "--overwrite", "-o", out).exit_code == 0
    assert transcriptions == [a, b]
    assert recorded(out / "session.transcript.json") == file_sha256(b)
    assert not (out / "session.txt").exists()  # a's, not remade
    assert json.loads((out / "session.captions-qc.json").read_text())["input_sha256"] == file_sha256(b)
    # and back: a's outputs now meet b's
    refused(vidkit("transcribe", a, "-o", out), "also named 'session'")


def test_the_same_recording_again_is_the_normal_case(recordings, tmp_path, transcriptions):
    a, _ = recordings
    copy = tmp_path / "elsewhere" / "session.mp4"  # the same bytes from another folder: the same recording
    copy.parent.mkdir()
    shutil.copyfile(a, copy)
    out = tmp_path / "out"
    for video in (a, a, copy):
        assert vidkit("transcribe", video, "-o", out).exit_code == 0
        assert vidkit("caption", video, "-o", out).exit_code == 0
    assert len(transcriptions) == 3  # transcribe always transcribes; caption used the transcript there
    beside = tmp_path / "beside"  # without -o: beside the input, again and again
    beside.mkdir()
    shutil.copyfile(a, beside / "session.mp4")
    for _ in range(2):
        assert vidkit("caption", beside / "session.mp4").exit_code == 0


def another_recordings_record(out: Path, kind: str, sha: str) -> None:
    out.mkdir(exist_ok=True)
    records = {"privacy": ("session.privacy.json", {"schema": "vidkit.privacy/1", "input_sha256": sha}),
               "redaction": ("session.redaction.json", {"schema": "vidkit.redaction/1", "input_sha256": sha}),
               "clip": ("session.clip01.clip.json", {"schema": "vidkit.clip/2", "source": {"sha256": sha}}),
               "candidates": ("session.clips.json", {"schema": "vidkit.clips/1", "source": {"sha256": sha}})}
    name, record = records[kind]
    (out / name).write_text(json.dumps(record), encoding="utf-8")
    (out / "session.clip01.mp4").write_bytes(b"another recording's clip")  # an output with no record


@pytest.mark.parametrize("kind", ["privacy", "redaction", "clip", "candidates"])
@pytest.mark.parametrize("command", ["caption", "blur", "clip", "redact", "transcribe"])
def test_every_command_refuses_before_writing(recordings, tmp_path, transcriptions, command, kind):
    a, b = recordings
    out = tmp_path / "out"
    another_recordings_record(out, kind, file_sha256(a))
    given = transcript_of(b, tmp_path / "session.transcript.json")
    roster = tmp_path / "roster.txt"
    roster.write_text("Maria Jansen\n", encoding="utf-8")
    args = {"caption": ("caption", b, "--transcript", given),
            "blur": ("blur", b),
            "clip": ("clip", b, "--range", "0.5-1.0", "--no-blur"),
            "redact": ("redact", given, "--roster", roster),
            "transcribe": ("transcribe", b)}[command]
    before = sorted(p.name for p in out.iterdir())
    refused(vidkit(*args, "-o", out), "also named 'session'", "--overwrite")
    assert sorted(p.name for p in out.iterdir()) == before
    assert transcriptions == []


@pytest.mark.parametrize("command", ["caption", "clip", "redact"])
def test_overwrite_replaces_the_other_recordings_outputs(recordings, tmp_path, transcriptions, command):
    a, b = recordings
    out = tmp_path / "out"
    another_recordings_record(out, "clip", file_sha256(a))
    given = transcript_of(b, tmp_path / "session.transcript.json")
    roster = tmp_path / "roster.txt"
    roster.write_text("Maria Jansen\n", encoding="utf-8")
    args = {"caption": ("caption", b, "--transcript", given),
            "clip": ("clip", b, "--range", "0.5-1.0", "--no-blur", "--no-thumbnail"),
            "redact": ("redact", given, "--roster", roster)}[command]
    result = vidkit(*args, "--overwrite", "-o", out)
    assert result.exit_code == 0, result.output
    if command == "clip":  # remade: now b's
        assert json.loads((out / "session.clip01.clip.json").read_text())["source"]["sha256"] == file_sha256(b)
        assert (out / "session.clip01.mp4").stat().st_size > 1000
    else:  # a's clip is gone; only b's outputs are left
        assert not (out / "session.clip01.clip.json").exists() and not (out / "session.clip01.mp4").exists()
    assert given.is_file()  # a file the user gave is never deleted
    assert vidkit(*args, "-o", out).exit_code == 0  # and now it is the same recording again


def test_a_users_file_given_from_the_output_folder_is_kept(recordings, tmp_path, transcriptions):
    """--transcript out/session.transcript.json of another recording: refused as such, never deleted."""
    a, b = recordings
    out = tmp_path / "out"
    out.mkdir()
    given = transcript_of(a, out / "session.transcript.json")
    refused(vidkit("caption", b, "--transcript", given, "--overwrite", "-o", out),
            "is the transcript of another recording")
    assert recorded(given) == file_sha256(a)


# -- clips: the excerpt is tied to its clip by the clip record -------------------------------

@pytest.fixture
def two_clips(recordings, tmp_path):
    """`vidkit clip` of each recording (same name) into its own folder, transcripts beside them."""
    folders = []
    for video, name in zip(recordings, ("one", "two")):
        source = tmp_path / name / "session.mp4"
        source.parent.mkdir()
        shutil.copyfile(video, source)
        transcript_of(source, source.with_name("session.transcript.json"))
        result = vidkit("clip", source, "--range", "0.2-1.6", "--no-blur", "-o", tmp_path / name / "out")
        assert result.exit_code == 0, result.output
        folders.append(tmp_path / name / "out")
    return folders


def test_describe_refuses_a_clips_transcript_that_came_from_another_clip(two_clips, tmp_path):
    one, two = two_clips
    clip = one / "session.clip01.mp4"
    roster = tmp_path / "roster.txt"
    roster.write_text("Maria Jansen\n", encoding="utf-8")

    def describe():
        return vidkit("describe", clip, "--roster", roster)

    result = describe()
    assert result.exit_code == 0, result.output  # its own transcript: tied to it by its clip record
    shutil.copyfile(two / "session.clip01.transcript.json", one / "session.clip01.transcript.json")
    refused(describe(), "session.clip01.transcript.json is the transcript of another clip, not of "
                        "session.clip01.mp4", "vidkit clip")
    # The other way round: transcript and record agree, but the video is another clip.
    shutil.copyfile(two / "session.clip01.clip.json", one / "session.clip01.clip.json")
    refused(describe(), "is the transcript of another clip")
    (one / "session.clip01.clip.json").unlink()
    refused(describe(), "whose clip record session.clip01.clip.json is missing")


def test_a_clip_video_uses_its_own_excerpt_and_refuses_another(two_clips, tmp_path, transcriptions):
    one, two = two_clips
    clip = one / "session.clip01.mp4"
    result = vidkit("caption", clip, "-o", one)  # the clip's folder holds its excerpt, record and all
    assert result.exit_code == 0, result.output
    assert transcriptions == []
    refused(vidkit("caption", clip, "--transcript", two / "session.clip01.transcript.json", "-o", tmp_path / "x"),
            "is the transcript of another clip")
    source = one.parent / "session.mp4"
    refused(vidkit("caption", source, "--transcript", one / "session.clip01.transcript.json", "-o", tmp_path / "y"),
            "is the transcript of a clip of session.mp4", "not of the whole recording")


def test_a_big_file_is_hashed_once(tmp_path, monkeypatch):
    calls = []
    real = hashlib.sha256
    monkeypatch.setattr(hashing.hashlib, "sha256", lambda *a: calls.append(1) or real(*a))
    path = tmp_path / "recording.mp4"
    path.write_bytes(b"1" * hashing.CACHED_FROM_BYTES)
    first = file_sha256(path)
    assert [file_sha256(path), file_sha256(path)] == [first, first] and len(calls) == 1
    path.write_bytes(b"2" * (hashing.CACHED_FROM_BYTES + 1))  # another recording under that name
    assert file_sha256(path) == real(path.read_bytes()).hexdigest() and len(calls) == 2
