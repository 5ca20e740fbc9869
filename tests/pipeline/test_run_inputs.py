"""`vidkit run A B C`: every input is probed before the first step (an unreadable one is
refused up front, nothing made); one recording failing in a step does not stop the others
(as in `vidkit watch` and the cluster run); the run ends with one error line counting the
failures, with the exit code of their kind; no line names a roster name.

Transcription is faked (the captions-only preset over tiny recordings)."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from tests.cli.helpers import make_transcript
from tests.conftest import make_video
from vidkit.cli import app
from vidkit.hashing import file_sha256
from vidkit.pipeline import steps
from vidkit.transcript import Transcript, load_transcript


@pytest.fixture
def fake_words(monkeypatch, tmp_path):
    words = load_transcript(make_transcript(tmp_path / "words.json", offset=0.0)).segments

    def fake(path, options, on_progress=None, engines=None):
        return Transcript("en", 3.0, words, {"engine": "test", "input_sha256": file_sha256(path)})

    monkeypatch.setattr(steps, "transcribe_file", fake)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("run_inputs") / "plain.mp4", seconds=4.0, size="160x120", fps=10)


def _run(tmp_path, *inputs, roster=None):
    args = ["run", *map(str, inputs), "--preset", "captions-only", "-o", str(tmp_path / "out"),
            "--ledger", str(tmp_path / "store.sqlite3")]
    if roster:
        args += ["--roster", str(roster)]
    return CliRunner().invoke(app, args)


def test_an_unreadable_input_is_refused_before_any_step(tmp_path, recording, fake_words):
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(b"not a video")
    result = _run(tmp_path, recording, damaged)
    assert result.exit_code == 2, result.output
    assert "damaged.mp4" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # the first was not run


def test_one_recording_failing_in_a_step_does_not_stop_the_others(tmp_path, recording, fake_words):
    roster = tmp_path / "roster.txt"
    roster.write_text("Anna Visser\n", encoding="utf-8")
    named = shutil.copy(recording, tmp_path / "anna_visser_gait.mp4")  # refused in its first step
    other = shutil.copy(recording, tmp_path / "session2.mp4")
    result = _run(tmp_path, named, recording, other, roster=roster)
    assert result.exit_code == 2, result.output  # the one failure is bad input
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: 1 of 3 recordings failed;") and "name from the roster" in lines[-1]
    assert sum(line.startswith("error:") for line in lines) == 1
    assert "visser" not in result.stderr.lower() and "anna" not in result.stderr.lower()
    made = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "plain.srt" in made and "session2.srt" in made  # both after the failed one were made
    assert not any("visser" in name.lower() for name in made)


def test_with_one_input_its_own_error_is_the_error(tmp_path, recording, fake_words):
    roster = tmp_path / "roster.txt"
    roster.write_text("Anna Visser\n", encoding="utf-8")
    named = shutil.copy(recording, tmp_path / "anna_visser_gait.mp4")
    result = _run(tmp_path, named, roster=roster)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: the recording's file name holds a name")


def test_a_copy_of_a_recording_elsewhere_or_renamed_gets_its_own_outputs(tmp_path, recording, fake_words):
    """The store keys a step by the recording's bytes and by where its outputs go: a copy in
    another folder (outputs beside it) or under another name is not "done before" because the
    first one's files exist."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = shutil.copy(recording, tmp_path / "a" / "s.mp4"), shutil.copy(recording, tmp_path / "b" / "s.mp4")
    renamed = shutil.copy(recording, tmp_path / "b" / "t.mp4")
    for path in (first, second, renamed):
        result = CliRunner().invoke(app, ["run", str(path), "--preset", "captions-only",
                                          "--ledger", str(tmp_path / "store.sqlite3")])
        assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "b").glob("*.srt")} == {"s.srt", "t.srt"}
    assert (tmp_path / "a" / "s.srt").is_file()
