import pytest

from vidkit.transcribe.quality import compression_ratio, glossary_echo, repeated_ngram, segment_flags


@pytest.mark.parametrize("text, expected", [
    ("Thank you. Thank you. Thank you.", True),
    ("lift your knee lift your knee lift your knee lift your knee", True),
    ("no no no no", True),
    ("no, no, no", False),  # emphatic speech, not a loop
    ("Keep your head up and look at the road on the screen.", False),
    ("", False),
])
def test_repeated_ngram(text, expected):
    assert repeated_ngram(text) is expected


def test_compression_ratio_separates_loops_from_speech():
    speech = "Today we will work on your gait and your step length, with the harness on."
    loop = "and then we walk " * 30
    assert compression_ratio(speech) < 2.4 < compression_ratio(loop)


def test_glossary_echo_only_for_segments_made_of_terms():
    terms = ("CAREN", "weight shift", "gait")
    assert glossary_echo("Weight shift.", terms)
    assert not glossary_echo("Focus on the weight shift.", terms)
    assert not glossary_echo("weight shift", ())


def test_segment_flags_combines_guards():
    flags = segment_flags("weight shift", avg_logprob=-1.5, no_speech_prob=0.9, glossary=("weight shift",))
    assert set(flags) == {"glossary-echo", "low-confidence", "likely-no-speech"}
    assert segment_flags("We will slow the belt down now.", avg_logprob=-0.2, no_speech_prob=0.01) == ()
