"""The private store of clear transcripts, and how roster runs use it (transcription faked)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import ffmpeg, make_video
from vidkit.config import load_settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError
from vidkit.pipeline import steps
from vidkit.pipeline.redact_job import clear_transcript
from vidkit.pipeline.steps import caption_job, stored_clear, transcribe_job, transcription_key
from vidkit.privacy import transcript_store
from vidkit.privacy.transcript_store import KEY_FIELD, store_key
from vidkit.hashing import file_sha256
from vidkit.transcript import Segment, Transcript, Word, load_transcript

SHA = "ab" * 32


def spoken(sha256: str = "", model: str = "") -> Transcript:
    texts = ["Well", "done,", "Maria", "Jansen,", "keep", "walking."]
    words = tuple(Word(0.3 + 0.3 * i, 0.5 + 0.3 * i, t, 0.9) for i, t in enumerate(texts))
    segment = Segment(0, words[0].start, words[-1].end, " ".join(texts), words)
    return Transcript("en", 3.0, (segment,), {"engine": "test", "model": {"name": model}, "input_sha256": sha256})


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "roster.txt").write_text("Maria Jansen\n", encoding="utf-8")
    (tmp_path / "vidkit.toml").write_text(f"[privacy]\nroster = '{tmp_path / 'roster.txt'}'\n"
                                         f"private_dir = '{tmp_path / 'private'}'\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def transcriptions(monkeypatch):
    """Every (recording, model) transcribed; the words are always `spoken()`."""
    calls = []

    def fake(path, options, on_progress=None, engines=None):
        calls.append((Path(path).name, options.model))
        return spoken(file_sha256(path), options.model)

    monkeypatch.setattr(steps, "transcribe_file", fake)
    return calls


def settings_for(folder: Path, **transcribe):
    return load_settings({"transcribe": transcribe}, cwd=folder, config=folder / "vidkit.toml")  # sets [privacy]


def test_the_store_is_private_from_the_first_byte(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir(mode=0o755)  # an older, wider folder is narrowed
    modes = []
    real_replace = os.replace

    def watching_replace(src, dst):
        modes.append(stat.S_IMODE(os.stat(src).st_mode))  # the temporary file, full of clear text
        real_replace(src, dst)

    monkeypatch.setattr(transcript_store.os, "replace", watching_replace)
    old_umask = os.umask(0)  # even a umask that lets everyone read
    try:
        kept = transcript_store.save_clear(spoken(SHA), f"{SHA}.0123456789ab", str(store))
    finally:
        os.umask(old_umask)
    path = store / f"{SHA}.0123456789ab.transcript.json"
    assert modes == [0o600]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(store.stat().st_mode) == 0o700
    assert [p.name for p in store.iterdir()] == [path.name]  # no temporary file left; only hashes in names
    assert kept.provenance[KEY_FIELD] == f"{SHA}.0123456789ab"
    assert transcript_store.load_clear(f"{SHA}.0123456789ab", str(store)).text == spoken().text
    assert transcript_store.load_clear(f"{SHA}.ba9876543210", str(store)) is None
    for bad in ("../../etc/passwd", SHA + "/x", "AB" * 32):
        with pytest.raises(ValueError):
            transcript_store.stored_path(bad, str(tmp_path))


def test_by_default_the_store_is_in_the_user_data_dir(folder, transcriptions):
    (folder / "vidkit.toml").write_text(f"[privacy]\nroster = '{folder / 'roster.txt'}'\n", encoding="utf-8")
    video = make_video(folder / "walk.mp4", seconds=3.0)
    transcribe_job(video, settings_for(folder), Reporter(quiet=True), folder / "out")
    store = Path(os.environ["XDG_DATA_HOME"]) / "vidkit" / "private-transcripts"  # isolated by conftest
    assert (store / f"{transcription_key(file_sha256(video), settings_for(folder))}.transcript.json").is_file()


def test_a_damaged_stored_transcript_counts_as_gone(tmp_path):
    (tmp_path / f"{SHA}.transcript.json").write_text("{not json", encoding="utf-8")
    assert transcript_store.load_clear(SHA, str(tmp_path)) is None


def test_the_key_is_the_recording_and_the_settings_that_choose_the_words(folder):
    assert store_key(SHA, {"a": 1, "b": 2}) == store_key(SHA, {"b": 2, "a": 1})
    key = transcription_key(SHA, settings_for(folder))
    assert key.startswith(SHA + ".") and transcript_store.key_sha256(key) == SHA
    assert transcription_key(SHA, settings_for(folder, threads=3, device="cpu")) == key  # speed only
    for changed in ({"model": "base"}, {"language": "nl"}, {"beam_size": 1}, {"glossary": ""}):
        assert transcription_key(SHA, settings_for(folder, **changed)) != key, changed
    glossary = folder / "terms.txt"
    glossary.write_text("CAREN\n", encoding="utf-8")
    before = transcription_key(SHA, settings_for(folder, glossary=str(glossary)))
    glossary.write_text("CAREN\nproprioception\n", encoding="utf-8")
    assert transcription_key(SHA, settings_for(folder, glossary=str(glossary))) != before  # by content


def test_a_roster_transcription_writes_only_the_redacted_transcript_beside_the_outputs(folder, transcriptions):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    settings = settings_for(folder)
    result = transcribe_job(video, settings, Reporter(quiet=True), folder / "out")
    beside = load_transcript(folder / "out" / "walk.transcript.json")
    assert "Maria" not in beside.to_json() and "Jansen" not in beside.to_json() and "[name]" in beside.text
    assert "Maria" in result.transcript.text  # the caller gets the clear words, in memory
    key = transcription_key(file_sha256(video), settings)
    assert beside.provenance[KEY_FIELD] == key and beside.provenance["redaction"]["counts"]["name"] == 1
    kept = transcript_store.load_clear(key, str(folder / "private"))
    assert kept is not None and "Maria Jansen" in kept.text
    assert result.summary["redaction"]["name"] == 1


def test_a_renamed_copy_finds_the_stored_transcript_and_a_changed_file_does_not(folder, transcriptions):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    settings = settings_for(folder)
    caption_job(video, settings, Reporter(quiet=True), out=folder / "out")
    assert transcriptions == [("walk.mp4", "")]
    renamed = folder / "renamed copy.mp4"
    renamed.write_bytes(video.read_bytes())
    caption_job(renamed, settings, Reporter(quiet=True), out=folder / "out2")
    assert transcriptions == [("walk.mp4", "")]  # same bytes: the stored transcript, no second transcription
    assert "[name]" in (folder / "out2" / "renamed copy.srt").read_text("utf-8")
    assert "Maria" not in (folder / "out2" / "renamed copy.transcript.json").read_text("utf-8")
    changed = folder / "changed.mp4"
    ffmpeg("-i", str(video), "-c:v", "libx264", "-crf", "30", "-c:a", "copy", str(changed))
    caption_job(changed, settings, Reporter(quiet=True), out=folder / "out3")
    assert transcriptions == [("walk.mp4", ""), ("changed.mp4", "")]


def test_another_model_is_not_given_the_stored_transcript_silently(folder, transcriptions):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    caption_job(video, settings_for(folder), Reporter(quiet=True), out=folder / "out")
    caption_job(video, settings_for(folder, model="base"), Reporter(quiet=True), out=folder / "base")
    assert transcriptions == [("walk.mp4", ""), ("walk.mp4", "base")]
    assert len(list((folder / "private").iterdir())) == 2  # both kept, neither overwrote the other
    # A redacted transcript beside the outputs is used as one found there is without a roster,
    # with the clear words it was made from (its key), whatever model is set now.
    result = caption_job(video, settings_for(folder, model="base"), Reporter(quiet=True), out=folder / "out")
    assert len(transcriptions) == 2 and result.transcript.provenance["model"]["name"] == ""


def test_a_clear_transcript_left_in_the_output_folder_is_moved_to_the_store(folder, transcriptions):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    out = folder / "out"
    out.mkdir()
    (out / "walk.transcript.json").write_text(spoken(file_sha256(video)).to_json(), encoding="utf-8")
    caption_job(video, settings_for(folder), Reporter(quiet=True), out=out)
    assert transcriptions == []  # the clear one found there was used ...
    redacted = load_transcript(out / "walk.transcript.json")
    assert "Maria" not in redacted.to_json()  # ... and redacted in place, naming where the clear one is
    assert "Maria" in stored_clear(redacted, settings_for(folder)).text


def test_a_clear_transcript_given_from_the_output_folder_is_moved_too(folder, transcriptions):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    out = folder / "out"
    out.mkdir()
    given = out / "walk.transcript.json"
    given.write_text(spoken(file_sha256(video)).to_json(), encoding="utf-8")
    result = caption_job(video, settings_for(folder), Reporter(quiet=True), out=out, transcript_path=given)
    assert transcriptions == [] and "Maria" in result.transcript.text
    assert "Maria" not in given.read_text("utf-8")


def test_a_redacted_transcript_is_never_taken_for_a_clear_one(folder, transcriptions):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    settings = settings_for(folder)
    transcribe_job(video, settings, Reporter(quiet=True), folder / "out")
    redacted = folder / "out" / "walk.transcript.json"
    assert "redaction" in load_transcript(redacted).provenance
    assert "Maria" in clear_transcript(load_transcript(redacted), redacted.name, settings).text
    for kept in (folder / "private").iterdir():
        kept.unlink()  # the store was emptied (or this is another machine)
    with pytest.raises(BadInputError, match="redacted transcript"):
        caption_job(video, settings, Reporter(quiet=True), out=folder / "out", transcript_path=redacted)
    with pytest.raises(BadInputError, match="is already redacted and the clear transcript is not in the private"):
        clear_transcript(load_transcript(redacted), redacted.name, settings)
    # Found rather than given: transcribed again, so the bleeps have the words of the names.
    result = caption_job(video, settings, Reporter(quiet=True), out=folder / "out")
    assert len(transcriptions) == 2 and "Maria" in result.transcript.text


def test_a_redacted_transcript_of_another_recording_beside_the_input_is_passed_over(folder, transcriptions):
    video = make_video(folder / "walk.mp4", seconds=3.0)
    settings = settings_for(folder)
    transcribe_job(video, settings, Reporter(quiet=True))  # beside the input
    make_video(video, seconds=2.5)  # the recording was replaced by another one of the same name
    result = caption_job(video, settings, Reporter(quiet=True), out=folder / "out")
    assert len(transcriptions) == 2
    assert result.transcript.provenance["input_sha256"] == file_sha256(video)
    # Without -o the outputs go beside the input too: the other recording's are not replaced silently.
    with pytest.raises(BadInputError, match="another recording also named 'walk'.*--overwrite"):
        caption_job(video, settings, Reporter(quiet=True))
    caption_job(video, settings, Reporter(quiet=True), overwrite=True)
    assert len(transcriptions) == 2  # the new recording's transcript is in the store already
    assert load_transcript(folder / "walk.transcript.json").provenance["input_sha256"] == file_sha256(video)


def test_a_clips_redacted_transcript_leads_to_the_same_excerpt_of_the_clear_one(folder, transcriptions):
    from vidkit.clips.excerpt import transcript_excerpt
    from vidkit.clips.silence import SpanMap
    from vidkit.privacy.redact import redact_transcript
    from vidkit.privacy.roster import parse_roster

    video = make_video(folder / "walk.mp4", seconds=3.0)
    settings = settings_for(folder)
    clear = transcribe_job(video, settings, Reporter(quiet=True), folder / "out").transcript
    redacted = redact_transcript(clear, parse_roster("Maria Jansen\n"))[0]
    one = transcript_excerpt(redacted, 0.8, 1.6)
    assert [w.text for w in stored_clear(one, settings).words] == ["Maria", "Jansen,"]
    trimmed = SpanMap(((0.2, 0.75), (0.85, 1.6)), 0.2, 1.6).retime_transcript(redacted)
    assert "[name]" in trimmed.text
    assert "Maria Jansen," in stored_clear(trimmed, settings).text



def test_a_language_without_number_tables_is_refused_before_transcribing(folder, transcriptions):
    """With a roster, French speech would keep its numbers: refused before minutes of work."""
    video = make_video(folder / "walk.mp4", seconds=3.0)
    with pytest.raises(BadInputError, match="--language"):
        transcribe_job(video, settings_for(folder, language="fr"), Reporter(quiet=True), folder / "out")
    assert transcriptions == []
    transcribe_job(video, settings_for(folder, language="nl"), Reporter(quiet=True), folder / "out")
    assert len(transcriptions) == 1
