"""The glossary in front of the decoder: terms and example sentences, every window; the
clinic's words spelled as in the glossary, a patient called Karen still Karen."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidkit.errors import BadInputError
from vidkit.transcribe.engines import make_words
from vidkit.transcribe.glossary import MAX_CONTEXT_CHARS, Glossary, load_glossary, read_glossary


def test_rehab_glossary_has_terms_and_an_example_that_keeps_caren_and_karen_apart():
    glossary = read_glossary("rehab")
    assert "CAREN" in glossary.terms and "proprioception" in glossary.terms
    assert not any(t.startswith(">") for t in glossary.terms)
    context = glossary.decoder_context()
    assert context.startswith("CAREN, gait,") and "the CAREN lab" in context and "Karen" in context
    assert "Karen" in glossary.echo_words() and "Patients" not in glossary.echo_words()


def test_a_user_glossary_file_with_examples(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("Lokomat  # robot\nC-Mill\n> Walk on the C-Mill, then the Lokomat\n>\n", encoding="utf-8")
    glossary = read_glossary(str(path))
    assert glossary.terms == ("Lokomat", "C-Mill") and load_glossary(str(path)) == ["Lokomat", "C-Mill"]
    assert glossary.decoder_context() == "Lokomat, C-Mill. Walk on the C-Mill, then the Lokomat."
    assert read_glossary("").decoder_context() is None
    with pytest.raises(BadInputError):
        read_glossary("nonexistent-glossary")


@given(st.lists(st.text(st.characters(categories=["L"]), min_size=1, max_size=30), min_size=1, max_size=80),
       st.lists(st.text(st.characters(categories=["L", "Zs"]), min_size=1, max_size=200), max_size=10))
def test_the_context_stays_short_and_starts_with_the_terms(terms, examples):
    glossary = Glossary(tuple(terms), tuple(e for e in examples if e.strip()))
    context = glossary.decoder_context()
    assert len(context) <= MAX_CONTEXT_CHARS
    assert context.startswith((", ".join(terms) + ".")[:MAX_CONTEXT_CHARS])


def test_a_piece_without_a_leading_space_continues_the_word_before_it():
    raw = [(0.0, 0.4, " Set", 0.9), (0.4, 0.6, " it", 0.9), (0.6, 0.8, " to", 0.9), (0.8, 1.0, " 1", 0.8),
           (1.0, 1.1, ".0", 0.7), (1.1, 1.5, " meters", 0.9), (1.5, 1.8, " 15", 0.9), (1.8, 1.9, "%", 0.6)]
    words = make_words(raw, "en")
    assert [w.text for w in words] == ["Set", "it", "to", "1.0", "meters", "15%"]
    assert (words[3].start, words[3].end, words[3].probability) == (0.8, 1.1, 0.7)


def test_languages_written_without_spaces_keep_their_pieces():
    assert [w.text for w in make_words([(0, 1, "你", 0.9), (1, 2, "好", 0.9)], "zh")] == ["你", "好"]


@pytest.fixture(scope="module")
def engine():
    from vidkit.transcribe.engines import FasterWhisperEngine

    return FasterWhisperEngine("", threads=2)


@pytest.mark.slow
@pytest.mark.parametrize("voice,noisy,sentence", [
    ("en-us", False, 0), ("en", True, 0),  # "the CAREN lab": "Caron Lab" / "Karen Lab" before
    ("en-gb-x-rp", False, 1), ("en-us+f3", True, 1),  # "the CAREN system": "current system" before
    ("en-us", False, 10), ("en", True, 11),  # "Karen" the patient stays Karen
])
def test_caren_is_spelled_caren_and_karen_stays_karen(engine, voice, noisy, sentence):
    from tests.support.glossary_set import SENTENCES, VOICES, glossary_set
    from vidkit.transcribe.engines import DecodeOptions

    rate = dict(VOICES)[voice]
    item = next(i for i in glossary_set(voices=((voice, rate),), sentences=(SENTENCES[sentence],))
                if i.noisy == noisy)
    options = DecodeOptions(language="en", hotwords=read_glossary("rehab").decoder_context())
    text = " ".join(s.text for s in engine.transcribe(item.audio, options).segments)
    expected = "Karen" if "Karen" in item.reference else "CAREN"
    assert re.search(rf"\b{expected}\b", text), text
    if expected == "Karen":
        assert not re.search(r"\bCAREN\b", text), text


def test_lone_dots_after_a_sentence_are_not_words():
    """With a context before every window, tiny.en sometimes idles with ". . . ." after the
    last sentence: neither a word for captions nor text."""
    from vidkit.transcribe.engines import clean_text

    raw = [(0.0, 0.5, " last", 0.9), (0.5, 0.9, " week.", 0.9), (0.9, 1.0, " .", 0.3), (1.0, 1.1, " .", 0.3)]
    assert [w.text for w in make_words(raw, "en")] == ["last", "week."]
    assert clean_text(" since last week. . . . . .") == "since last week."
    assert clean_text(" Wait... what? Yes.") == "Wait... what? Yes."
