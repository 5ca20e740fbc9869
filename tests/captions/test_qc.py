"""QC of cues: each rule, forced versus avoidable, low-probability words and the JSON form."""

from __future__ import annotations

import json

import pytest

from vidkit.captions.cue import Cue, CueRules
from vidkit.captions.qc import check_cues
from vidkit.transcript import Word

RULES = CueRules()
LONG_WORD = "pneumonoultramicroscopicsilicovolcanoconiosis"  # 45 characters


def cue(start: float, end: float, *lines: str, word_length: float | None = None) -> Cue:
    """A cue whose words share its time evenly (or last `word_length` seconds each)."""
    tokens = " ".join(lines).split()
    step = word_length if word_length is not None else (end - start) / len(tokens)
    words = tuple(Word(start + i * step, start + (i + 1) * step, t) for i, t in enumerate(tokens))
    return Cue(start, end, tuple(lines), words)


def rules_broken(cues, rules=RULES, words=None) -> list[tuple[int, str, bool]]:
    return [(v.cue_index, v.rule, v.forced) for v in check_cues(cues, rules, words).violations]


def test_good_cues_pass():
    cues = [cue(0.0, 2.0, "Good morning everyone."), cue(2.08, 4.0, "Let us begin.")]
    report = check_cues(cues, RULES)
    assert report.violations == ()
    assert report.ok


def test_long_line_of_several_words_is_unforced():
    line = "this line is definitely much longer than forty-two characters"
    assert rules_broken([cue(0.0, 4.0, line)]) == [(0, "line_length", False)]
    violation = check_cues([cue(0.0, 4.0, line)], RULES).violations[0]
    assert (violation.value, violation.limit) == (len(line), 42)


def test_a_single_overlong_word_is_forced():
    assert rules_broken([cue(0.0, 4.0, LONG_WORD, "is bad")]) == [(0, "line_length", True)]


def test_an_overlong_word_sharing_its_line_is_unforced():
    assert rules_broken([cue(0.0, 4.0, "So " + LONG_WORD)]) == [(0, "line_length", False)]


def test_too_many_lines():
    assert rules_broken([cue(0.0, 4.0, "one", "two", "three")]) == [(0, "line_count", False)]


def test_fast_cue_with_silence_after_it_is_unforced():
    text = "x" * 30  # 30 cps over 1 s, 20 cps needs 1.5 s and the next cue is at 5 s
    cues = [cue(0.0, 1.0, text), cue(5.0, 7.0, "Next.")]
    assert rules_broken(cues) == [(0, "cps", False)]


def test_fast_cue_crowded_by_the_next_one_is_forced():
    text = "x" * 30  # at most 1.1 - 0.08 = 1.02 s available: 29 cps
    cues = [cue(0.0, 1.0, text), cue(1.1, 3.0, "Next.")]
    assert rules_broken(cues) == [(0, "cps", True)]


def test_last_cue_may_use_max_duration_for_reading_speed():
    assert rules_broken([cue(0.0, 1.0, "x" * 30)]) == [(0, "cps", False)]
    assert rules_broken([cue(0.0, 7.0, "x" * 42, "y" * 42, "z" * 42, "w" * 30)], CueRules(
        max_lines=4
    )) == [(0, "cps", True)]  # 159 characters cannot be read in 7 s


def test_short_cue_with_room_is_unforced_and_without_room_forced():
    assert rules_broken([cue(0.0, 0.5, "Yes."), cue(3.0, 4.0, "Next.")]) == [
        (0, "min_duration", False)
    ]
    assert rules_broken([cue(0.0, 0.5, "Yes."), cue(0.7, 2.0, "Next.")]) == [
        (0, "min_duration", True)
    ]
    assert rules_broken([cue(0.0, 0.5, "Yes.")]) == [(0, "min_duration", False)]


def test_long_cue_is_forced_only_by_a_long_word():
    assert rules_broken([cue(0.0, 8.0, "We waited and waited.", word_length=1.0)]) == [
        (0, "max_duration", False)
    ]
    assert rules_broken([cue(0.0, 8.0, "Mmmmmmm.", word_length=7.5)]) == [
        (0, "max_duration", True)
    ]


def test_gap_under_two_frames_is_never_forced():
    cues = [cue(0.0, 1.0, "One."), cue(1.05, 2.5, "Two.")]
    assert rules_broken(cues) == [(0, "gap", False)]
    violation = check_cues(cues, RULES).violations[0]
    assert violation.value == pytest.approx(0.05)
    assert violation.limit == pytest.approx(0.08)


def test_gap_of_exactly_two_frames_passes_despite_rounding():
    start = 1.1
    cues = [cue(0.0, start - RULES.min_gap, "One."), cue(start, 2.5, "Two.")]
    assert rules_broken(cues) == []


def test_overlap_is_reported_once_and_never_forced():
    cues = [cue(0.0, 1.2, "One."), cue(1.0, 2.5, "Two.")]
    assert rules_broken(cues) == [(0, "overlap", False)]
    assert check_cues(cues, RULES).violations[0].value == pytest.approx(0.2)


def test_low_probability_words_are_listed_with_their_cue():
    words = (Word(0.0, 0.5, "Good", 0.9), Word(0.5, 1.2, "morming", 0.3))
    cues = [Cue(0.0, 1.5, ("Good morming",), words)]
    (low,) = check_cues(cues, RULES).low_probability_words
    assert (low.start, low.end, low.text, low.probability, low.cue_index) == (
        0.5,
        1.2,
        "morming",
        0.3,
        0,
    )


def test_low_probability_words_from_the_transcript_include_unshown_ones():
    cues = [Cue(0.0, 1.5, ("Good morning",), ())]
    words = [Word(0.2, 0.5, " Good", 0.4), Word(5.0, 5.2, "um", 0.1), Word(6.0, 6.1, "yes", 0.9)]
    low = check_cues(cues, RULES, words).low_probability_words
    assert [(w.text, w.cue_index) for w in low] == [("Good", 0), ("um", None)]


def test_report_summary_ok_and_json():
    words = (Word(0.0, 0.3, "Yes.", 0.2),)
    cues = [
        Cue(0.0, 0.3, ("Yes.",), words),  # short, with room: unforced
        cue(2.0, 3.0, "x" * 30),  # 30 cps, crowded: forced
        cue(3.1, 4.6, "Fine."),
    ]
    report = check_cues(cues, RULES)
    assert report.summary == {
        "cues": 3,
        "violations": 2,
        "unforced_violations": 1,
        "low_probability_words": 1,
    }
    assert not report.ok
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert data["summary"] == report.summary
    assert {(v["rule"], v["forced"]) for v in data["violations"]} == {
        ("min_duration", False),
        ("cps", True),
    }
    assert data["violations"][0]["reason"]
    assert data["low_probability_words"][0]["text"] == "Yes."


def test_no_cues_is_ok():
    report = check_cues([], RULES)
    assert report.ok
    assert report.summary["cues"] == 0
