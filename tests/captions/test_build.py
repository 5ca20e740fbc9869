"""Cue building: grouping by dynamic programming and the timing rules, on examples and on
random English-like word streams (hypothesis)."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidkit.captions.build import build_cues
from vidkit.captions.cue import CueRules
from vidkit.captions.linebreak import ARTICLES, AUXILIARIES, DETERMINERS, PRONOUNS
from vidkit.captions.qc import check_cues
from vidkit.transcript import Word

EPS = 1e-6
RULES = CueRules()
FRAME_GAP = 2 / 25  # RULES.min_gap


def timed(text: str, start: float = 0.0, per_word: float = 0.3, gap: float = 0.0) -> list[Word]:
    """Words of `text` spoken back to back from `start` (seconds)."""
    words, t = [], start
    for token in text.split():
        words.append(Word(t, t + per_word, token))
        t += per_word + gap
    return words


def texts(cues) -> list[list[str]]:
    return [[w.text for w in cue.words] for cue in cues]


# --- grouping -------------------------------------------------------------------------


def test_no_words_no_cues():
    assert build_cues([], RULES) == []
    assert build_cues([Word(0, 1, "  "), Word(1, 2, "")], RULES) == []


def test_empty_words_are_skipped_and_text_is_stripped():
    words = [Word(0.0, 0.4, " Hello"), Word(0.4, 0.5, " "), Word(0.5, 0.9, " there. ")]
    (cue,) = build_cues(words, RULES)
    assert cue.lines == ("Hello there.",)
    assert [w.text for w in cue.words] == ["Hello", "there."]
    assert cue.words[1].start == 0.5


def test_cues_end_at_sentence_ends():
    first = "We walked around the lake this morning with the whole group."
    second = "Afterwards everybody had a cup of tea in the garden."
    cues = build_cues(timed(first + " " + second, per_word=0.3), RULES)
    assert [" ".join(c.lines) for c in cues] == [first, second]


def test_a_long_pause_breaks_even_a_short_sentence():
    words = timed("I see", per_word=0.3) + timed("so what now", start=2.0, per_word=0.3)
    assert texts(build_cues(words, RULES)) == [["I", "see"], ["so", "what", "now"]]


def test_a_short_pause_does_not_strand_a_tiny_cue():
    words = timed("So,", per_word=0.3) + timed("I think we can start now.", start=0.8)
    assert len(build_cues(words, RULES)) == 1


MONOLOGUE = (
    "so what we are going to do today is walk up and down the corridor with the frame "
    "and then we will sit down for a while and talk about how your knee has been feeling "
    "since the operation because the surgeon wants to know whether the swelling has gone "
    "down and whether you can bend it a little more than last week when we met Anna "
    "Schmidt in the gym and she showed you the new exercises for your hip and your back"
)


def test_bound_pairs_are_not_split_across_cues_in_continuous_speech():
    cues = build_cues(timed(MONOLOGUE, per_word=0.25), RULES)
    assert len(cues) > 4
    bound_left = ARTICLES | DETERMINERS | PRONOUNS | AUXILIARIES
    for cue in cues[:-1]:
        last = cue.words[-1].text.lower()
        assert last not in bound_left - {"that"}, cue.lines
        assert last != "anna", cue.lines


# --- timing ---------------------------------------------------------------------------


def test_short_cue_is_extended_to_min_duration():
    words = [Word(1.0, 1.2, "Yes.")] + timed("Okay, let us begin the session now.", start=5.0)
    cue = build_cues(words, RULES)[0]
    assert cue.start == 1.0
    assert cue.end == pytest.approx(1.0 + 5 / 6)


def test_small_gap_is_closed_to_exactly_two_frames():
    first = timed("We walked around the lake this morning with the whole group.", per_word=0.3)
    second = timed("Afterwards everybody had tea in the garden.", start=first[-1].end + 0.3)
    cues = build_cues(first + second, RULES)
    assert len(cues) == 2
    assert cues[1].start == second[0].start
    assert cues[1].start - cues[0].end == pytest.approx(FRAME_GAP, abs=1e-9)


def test_large_gap_is_left_open():
    first = timed("We walked around the lake this morning with the whole group.", per_word=0.3)
    second = timed("Afterwards everybody had tea in the garden.", start=first[-1].end + 0.8)
    cues = build_cues(first + second, RULES)
    assert cues[0].end == first[-1].end  # nothing asked for more time


def test_overlapping_words_shorten_the_earlier_cue():
    first = timed("We walked around the lake this morning with the whole group.", per_word=0.3)
    second = timed("Afterwards everybody had tea in the garden.", start=first[-1].end - 0.05)
    cues = build_cues(first + second, RULES)
    assert cues[0].end == pytest.approx(second[0].start - FRAME_GAP)


def test_fast_speech_is_extended_to_max_cps():
    text = "Nevertheless the committee reconvened."  # 38 characters
    words = timed(text, per_word=0.25) + timed("Right.", start=6.0)
    cue = build_cues(words, RULES)[0]
    assert cue.end == pytest.approx(len(text) / RULES.max_cps)
    assert cue.cps == pytest.approx(RULES.max_cps)


def test_fast_speech_extension_stops_before_the_next_cue_and_qc_calls_it_forced():
    rules = CueRules(max_lines=1)  # one line: the two sentences cannot share a cue
    first = timed("Nevertheless the committee reconvened.", per_word=0.25)
    second = timed("Afterwards everybody went home.", start=1.3)
    cues = build_cues(first + second, rules)
    assert texts(cues) == [[w.text for w in first], [w.text for w in second]]
    assert cues[0].end == pytest.approx(cues[1].start - FRAME_GAP)
    report = check_cues(cues, rules)
    assert [(v.rule, v.forced) for v in report.violations if v.cue_index == 0] == [("cps", True)]
    assert report.ok


def test_a_word_longer_than_max_duration_is_capped():
    (cue,) = build_cues([Word(0.0, 9.0, "Mmmmmmm.")], RULES)
    assert cue.duration == pytest.approx(RULES.max_duration)


def test_other_frame_rates_set_the_gap():
    rules = CueRules(fps=30.0, min_gap_frames=3)
    first = timed("We walked around the lake this morning with the whole group.", per_word=0.3)
    second = timed("Afterwards everybody had tea in the garden.", start=first[-1].end + 0.2)
    cues = build_cues(first + second, rules)
    assert cues[1].start - cues[0].end == pytest.approx(0.1, abs=1e-9)


def test_two_hours_of_speech_is_fast():
    rng = random.Random(7)
    vocab = MONOLOGUE.split()
    words, t = [], 0.0
    for i in range(20_000):
        text = vocab[i % len(vocab)] + ("." if rng.random() < 0.06 else "")
        words.append(Word(t, t + 0.25, text))
        t += 0.25 + rng.choice([0.0, 0.0, 0.05, 0.2, 0.5])
    began = time.perf_counter()
    cues = build_cues(words, RULES)
    elapsed = time.perf_counter() - began
    assert sum(len(c.words) for c in cues) == 20_000
    # About 0.5 s on a laptop core. The bound only catches a quadratic slip (minutes): a busy
    # CI machine took 3 s, and speed claims belong in bench/, not in a timed test.
    assert elapsed < 30.0, f"{elapsed:.2f} s for 20k words"


# --- properties on random word streams -------------------------------------------------

VOCAB = (
    "the a an my your their this that I you he she we they it is are was will can't not "
    "don't have been and but so because to of in on at with from about into patient knee "
    "walked slowly exercise physiotherapy hospital really better stretch balance today "
    "morning corridor frame swelling operation Maria Gonzalez Anna Schmidt Dr. okay yes um"
).split()
LONG_WORDS = ["pneumonoultramicroscopicsilicovolcanoconiosis", "electroencephalographically"]
PUNCTUATION = ["", "", "", "", "", "", ",", ",", ".", "?", "!", "..."]
GAPS = ["none"] * 5 + ["short"] * 3 + ["pause"] * 2 + ["long", "overlap"]

word_spec = st.tuples(
    st.sampled_from(VOCAB * 20 + LONG_WORDS + ["", " "]),
    st.sampled_from(PUNCTUATION),
    st.sampled_from([""] * 3 + [" "]),  # Whisper's leading space
    st.floats(0.03, 0.12),  # seconds per character
    st.sampled_from(GAPS),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),  # probability
    st.integers(0, 199),  # 1 in 200 words is held for 9 s
)


@st.composite
def word_streams(draw, well_formed: bool = False):
    """Timed words; `well_formed` ones last at least 0.2 s and never overlap."""
    size = draw(st.integers(0, 150))  # plain st.lists() stays short on average
    specs = draw(st.lists(word_spec, min_size=size, max_size=size))
    rate = draw(st.floats(0.5, 2.0))
    t = draw(st.floats(0.0, 100.0))
    words = []
    for text, mark, lead, per_char, gap, u, probability, held in specs:
        text = lead + text + (mark if text.strip() else "")
        duration = max(0.2 if well_formed else 0.02, per_char * rate * len(text))
        duration = duration if held else 9.0
        if well_formed and gap == "overlap":
            gap = "none"
        words.append(Word(t, t + duration, text, probability))
        t += duration + {
            "none": 0.0,
            "short": 0.25 * u,
            "pause": 0.3 + 0.7 * u,
            "long": 1.0 + 5.0 * u,
            "overlap": -0.05 * u,
        }[gap]
    return words


rules_strategy = st.one_of(
    st.just(CueRules()),
    st.builds(
        CueRules,
        max_line_chars=st.integers(16, 50),
        max_lines=st.integers(1, 3),
        max_cps=st.floats(12.0, 25.0),
        min_gap_frames=st.integers(0, 3),
        fps=st.sampled_from([24.0, 25.0, 30.0]),
        close_gap=st.floats(0.0, 1.0),
    ),
)


@settings(max_examples=200, deadline=None)
@given(words=word_streams(), rules=rules_strategy)
def test_built_cues_follow_every_rule_the_words_allow(words, rules):
    cues = build_cues(words, rules)

    kept = [w for w in words if w.text.strip()]
    shown = [w for cue in cues for w in cue.words]
    assert [(w.start, w.end, w.text.strip(), w.probability) for w in kept] == [
        (w.start, w.end, w.text, w.probability) for w in shown
    ]

    for cue in cues:
        assert " ".join(cue.lines) == " ".join(w.text for w in cue.words)
        assert 1 <= len(cue.lines) <= rules.max_lines
        for line in cue.lines:
            overlong_word = line in {w.text for w in cue.words}
            assert len(line) <= rules.max_line_chars or overlong_word
        assert cue.end > cue.start
        assert cue.duration <= rules.max_duration + EPS
        assert cue.start >= cue.words[0].start - EPS

    for cue, after in zip(cues, cues[1:]):
        gap = after.start - cue.end
        assert gap >= rules.min_gap - EPS
        if gap < rules.close_gap - EPS:  # chained, unless max_duration stopped it
            assert gap == pytest.approx(rules.min_gap, abs=EPS) or cue.duration == pytest.approx(
                rules.max_duration, abs=EPS
            )
        room_end = min(cue.start + rules.max_duration, after.start - rules.min_gap)
        # The cue stays up while its last word is spoken, unless there is no room.
        assert cue.end >= min(max(w.end for w in cue.words), room_end) - EPS

    report = check_cues(cues, rules)
    assert report.ok, report.unforced


@settings(max_examples=100, deadline=None)
@given(words=word_streams(well_formed=True))
def test_cues_start_with_their_first_word_when_words_do_not_overlap(words):
    for cue in build_cues(words, RULES):
        assert cue.start == cue.words[0].start
