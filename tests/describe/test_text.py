"""Summary, key terms, hashtags and chapters from transcript text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.describe.helpers import SAMPLE_TRANSCRIPT, TOPICS, transcript_from_lines
from vidkit.text.sentences import split_sentences
from vidkit.describe.chapters import (MIN_CHAPTER_SECONDS, Chapter, chapter_lines, chapter_problem, make_chapters,
                                      timestamp)
from vidkit.describe.keywords import hashtag, key_terms, make_hashtags, make_tags
from vidkit.describe.summary import central_indices, summarize
from vidkit.transcribe.glossary import load_glossary
from vidkit.transcript import load_transcript

REHAB = load_glossary("rehab")


def sentences_of(lines, duration=60.0):
    return split_sentences(transcript_from_lines(lines, duration))


# --- summary -------------------------------------------------------------------------------

def test_the_summary_picks_the_sentences_most_alike_the_rest_in_spoken_order():
    texts = [
        "The weather was nice this morning.",                           # off topic
        "Your step length on the treadmill is getting longer.",         # central
        "Did you park the car outside?",                                # off topic
        "On the treadmill, a longer step length helps your gait.",      # central
        "Gait training on the treadmill improves step length.",         # central
        "Lunch is at noon.",                                            # off topic
        "My cat sleeps all day.",                                       # off topic
    ]
    assert central_indices(texts, 3) == [1, 3, 4]
    lines = [(i * 4.0, t) for i, t in enumerate(texts)]
    assert summarize(sentences_of(lines)) == [texts[1], texts[3], texts[4]]


def test_a_short_talk_gets_two_sentences_and_placeholders_come_last():
    texts = ["Good morning [name], the treadmill and harness are ready.",
             "The harness holds you on the treadmill.",
             "Walk on the treadmill in the harness.",
             "Lunch is at noon."]
    summary = summarize(sentences_of([(i * 4.0, t) for i, t in enumerate(texts)]))
    assert summary == [texts[1], texts[2]]


def test_the_summary_of_the_real_sample_is_about_the_exercise():
    summary = summarize(split_sentences(load_transcript(SAMPLE_TRANSCRIPT)))
    assert len(summary) == 3
    assert "gait" in summary[0] and "step length" in summary[0]
    assert all(s[-1] in ".?!" for s in summary)  # the run-on at the end is passed over


def test_summary_of_nothing_is_empty():
    assert summarize([]) == []


# --- key terms, tags, hashtags -------------------------------------------------------------

def test_key_terms_put_glossary_terms_first_then_frequent_words_and_never_names():
    text = ("Maria, keep your gait steady. Your step length is good, Maria. Now the weight shift: "
            "shift slowly. Slowly, again. Well done Maria.")
    terms = key_terms(text, REHAB)
    assert terms[:3] == ["gait", "step length", "weight shift"]
    assert "slowly" in terms
    assert "maria" not in [t.casefold() for t in terms]  # capitalised mid-sentence: a name


def test_placeholders_are_not_key_terms():
    assert "name" not in key_terms("[name] walks. [name] walks again. [redacted]", REHAB)


@pytest.mark.parametrize("term,tag", [("step length", "#StepLength"), ("CAREN", "#CAREN"), ("gait", "#Gait"),
                                      ("weight-shift", "#Weightshift"), ("évaluation", "#Évaluation"),
                                      ("100", None), ("!!", None)])
def test_hashtags_are_camel_case_without_spaces(term, tag):
    assert hashtag(term) == tag


def test_at_most_three_hashtags_and_shorts_first():
    assert make_hashtags(["gait", "balance", "harness", "posture"]) == ["#Gait", "#Balance", "#Harness"]
    assert make_hashtags(["gait", "Gait", "balance"], first=["#Shorts"]) == ["#Shorts", "#Gait", "#Balance"]


def test_tags_start_with_the_clinics_and_drop_duplicates():
    assert make_tags(["gait", "Rehabilitation", "step  length"], ["rehabilitation"]) == \
        ["rehabilitation", "gait", "step length"]


# --- chapters ------------------------------------------------------------------------------

@pytest.mark.parametrize("seconds,text", [(0, "00:00"), (9.99, "00:09"), (65, "01:05"), (3599, "59:59"),
                                          (3600, "1:00:00"), (3725, "1:02:05"), (36000, "10:00:00")])
def test_timestamps(seconds, text):
    assert timestamp(seconds) == text


def test_three_topics_make_three_chapters_titled_by_their_key_terms():
    chapters, problem = make_chapters(sentences_of(TOPICS), 40.0, REHAB)
    assert problem is None
    assert chapter_lines(chapters) == ["00:00 Harness", "00:13 Gait", "00:26 Balance"]


def test_one_topic_makes_no_chapters_and_says_why():
    lines = [(i * 5.0, "Walk on the treadmill with the harness on.") for i in range(8)]
    chapters, problem = make_chapters(sentences_of(lines), 40.0, REHAB)
    assert chapters == [] and "at least 3 chapters" in problem


def test_topics_too_short_for_youtube_make_no_chapters():
    quick = [(t / 4, text) for t, text in TOPICS]  # the same three topics in 10 s
    chapters, problem = make_chapters(sentences_of(quick, 10.0), 10.0, REHAB)
    assert chapters == [] and problem


def test_a_chapter_without_glossary_terms_is_titled_by_its_first_words():
    lines = [(0.5, "Welcome to the clinic today everyone."), (4, "Welcome to the clinic again."),
             *[(t + 10, text) for t, text in TOPICS[3:]]]
    chapters, problem = make_chapters(sentences_of(lines, 50.0), 50.0, REHAB)
    assert problem is None
    assert chapters[0] == Chapter(0, "Welcome to the clinic today")


@pytest.mark.parametrize("chapters,duration,reason", [
    ([Chapter(0, "a"), Chapter(10, "b")], 30, "at least 3"),
    ([Chapter(1, "a"), Chapter(11, "b"), Chapter(21, "c")], 40, "00:00"),
    ([Chapter(0, "a"), Chapter(9, "b"), Chapter(20, "c")], 40, "00:00 would last 9"),
    ([Chapter(0, "a"), Chapter(10, "b"), Chapter(20, "c")], 29.5, "00:20 would last 9.5"),
    ([Chapter(0, "a"), Chapter(20, "b"), Chapter(10, "c")], 40, "would last 0"),
])
def test_chapter_rules(chapters, duration, reason):
    assert reason in chapter_problem(chapters, duration)
    assert chapter_problem([Chapter(0, "a"), Chapter(10, "b"), Chapter(20, "c")], 30) is None


_WORDS = ["gait", "harness", "balance", "treadmill", "step", "length", "posture", "walk", "slow", "left"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(0.5, 12.0), st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8)),
                min_size=1, max_size=25),
       st.floats(0.0, 30.0))
def test_chapters_are_only_ever_made_as_youtube_accepts_them(spoken, tail):
    lines, t = [], 0.0
    for gap, words in spoken:
        t += gap
        lines.append((round(t, 2), " ".join(words) + "."))
        t += 0.3 * len(words)
    duration = t + tail
    chapters, problem = make_chapters(sentences_of(lines, duration), duration, REHAB)
    if chapters:
        assert problem is None and len(chapters) >= 3 and chapters[0].start == 0
        ends = [c.start for c in chapters[1:]] + [duration]
        assert all(end - c.start >= MIN_CHAPTER_SECONDS for c, end in zip(chapters, ends))
        assert chapter_lines(chapters)[0].startswith("00:00 ")
    else:
        assert problem


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 200), max_size=8), st.floats(0, 250))
def test_chapter_problem_agrees_with_youtubes_rules(starts, duration):
    chapters = [Chapter(s, "x") for s in starts]
    ends = starts[1:] + [duration]
    valid = (len(starts) >= 3 and starts[0] == 0
             and all(end - start >= 10 for start, end in zip(starts, ends)))
    assert (chapter_problem(chapters, duration) is None) == valid
