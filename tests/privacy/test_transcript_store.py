"""The private store of clear transcripts, and how roster runs use it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import ffmpeg, make_video
from vidkit.config import load_settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError
from vidkit.pipeline import steps
from vidkit.pipeline.steps import caption_job, transcribe_job
from vidkit.privacy import transcript_store
from vidkit.transcribe.models import file_sha256
from vidkit.transcript import Segment, Transcript, Word, load_transcript


def spoken(sha256: str = "") -> Transcript:
    texts = ["Well", "done,", "Maria", "Jansen,", "keep", "walking."]
    words = tuple(Word(0.3 + 0.3 * i, 0.5 + 0.3 * i, t, 0.9) for i, t in enumerate(texts))
    segment = Segment(0, words[0].start, words[-1].end, " ".join(texts), words)
    return Transcript("en", 3.0, (segment,), {"engine": "test", "input_sha256": sha256})


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "roster.txt").write_text("Maria Jansen\n", encoding="utf-8")
    (tmp_path / "vidkit.toml").write_text(f"[privacy]\nroster = '{tmp_path / 'roster.txt'}'\n"
                                         f"private_dir = '{tmp_path / 'private'}'\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def no_transcribing(monkeypatch):
    calls = []

    def fake(path, options, on_progress=None):
        calls.append(Path(path))
        return spoken(file_sha256(path))

    monkeypatch.setattr(steps, "transcribe_file", fake)
    return calls


def test_store_is_private_from_the_first_byte(tmp_path):
    sha = "ab" * 32
    path = transcript_store.save_clear(spoken(sha), sha, str(tmp_path / "store"))
    assert path.name == f"{sha}.transcript.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert transcript_store.load_clear(sha, str(tmp_path / "store")).text == spoken().text
    assert transcript_store.load_clear("cd" * 32, str(tmp_path / "store")) is None
    with pytest.raises(ValueError):
        transcript_store.stored_path("../../etc/passwd", str(tmp_path))


def test_a_roster_transcription_writes_only_the_redacted_transcript_beside_the_outputs(folder, no_transcribing):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    settings = load_settings(cwd=folder)
    result = transcribe_job(video, settings, Reporter(quiet=True), folder / "out")
    beside = (folder / "out" / "walk.transcript.json").read_text("utf-8")
    assert "Maria" not in beside and "Jansen" not in beside and "[name]" in beside
    assert "Maria" in result.transcript.text  # the caller gets the clear words, in memory
    kept = transcript_store.load_clear(file_sha256(video), str(folder / "private"))
    assert kept is not None and "Maria Jansen" in kept.text
    assert result.summary["redaction"]["name"] == 1


def test_a_renamed_copy_finds_the_stored_transcript_and_a_changed_file_does_not(folder, no_transcribing):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    settings = load_settings(cwd=folder)
    caption_job(video, settings, Reporter(quiet=True), out=folder / "out")
    assert no_transcribing == [video]
    renamed = folder / "renamed copy.mp4"
    renamed.write_bytes(video.read_bytes())
    caption_job(renamed, settings, Reporter(quiet=True), out=folder / "out2")
    assert no_transcribing == [video]  # same bytes: the stored transcript, no second transcription
    assert "[name]" in (folder / "out2" / "renamed copy.srt").read_text("utf-8")
    changed = folder / "changed.mp4"
    ffmpeg("-i", str(video), "-c:v", "libx264", "-crf", "30", "-c:a", "copy", str(changed))
    caption_job(changed, settings, Reporter(quiet=True), out=folder / "out3")
    assert no_transcribing == [video, changed]


def test_a_clear_transcript_left_in_the_output_folder_is_moved_to_the_store(folder, no_transcribing):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    out = folder / "out"
    out.mkdir()
    (out / "walk.transcript.json").write_text(spoken(file_sha256(video)).to_json(), encoding="utf-8")
    caption_job(video, load_settings(cwd=folder), Reporter(quiet=True), out=out)
    assert no_transcribing == []  # the clear one found there was used ...
    assert "Maria" not in (out / "walk.transcript.json").read_text("utf-8")  # ... and redacted in place
    assert "Maria" in transcript_store.load_clear(file_sha256(video), str(folder / "private")).text


def test_a_redacted_transcript_is_never_taken_for_a_clear_one(folder, no_transcribing):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    settings = load_settings(cwd=folder)
    transcribe_job(video, settings, Reporter(quiet=True), folder / "out")
    redacted = folder / "out" / "walk.transcript.json"
    assert "redaction" in load_transcript(redacted).provenance
    for kept in (folder / "private").iterdir():
        kept.unlink()  # the store was emptied (or this is another machine)
    with pytest.raises(BadInputError, match="redacted transcript"):
        caption_job(video, settings, Reporter(quiet=True), out=folder / "out", transcript_path=redacted)
    # Found rather than given: transcribed again, so the bleeps have the words of the names.
    caption_job(video, settings, Reporter(quiet=True), out=folder / "out")
    assert len(no_transcribing) == 2
