"""Choosing clips: sentences, phrase search, ranking by topic and key terms, clips.json."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vidkit.clips.ranges import ClipRange
from vidkit.clips.select import (CANDIDATES_SCHEMA, Candidate, find_phrase, rank_candidates, read_candidates,
                                 write_candidates)
from vidkit.text.sentences import split_sentences
from vidkit.text.wording import content_bag, cosine, find_terms, normalise, stem, term_patterns
from vidkit.errors import BadInputError
from vidkit.transcribe.glossary import load_glossary
from vidkit.transcript import Segment, Transcript, Word

REHAB = load_glossary("rehab")


def words_of(timed: list[tuple[str, float, float]], probability: float = 0.95) -> tuple[Word, ...]:
    """Words from (text, start, end) triples (seconds)."""
    return tuple(Word(start, end, text, probability) for text, start, end in timed)


def segment(number: int, words: tuple[Word, ...], flags: tuple[str, ...] = ()) -> Segment:
    return Segment(number, words[0].start, words[-1].end, " ".join(w.text for w in words), words, flags=flags)


def transcript_of(*segments_words: tuple[Word, ...], duration: float | None = None) -> Transcript:
    segments = tuple(segment(i, words) for i, words in enumerate(segments_words))
    return Transcript("en", duration or segments[-1].end + 1.0, segments)


def timed(sentences: list[str], start: float = 0.5, word: float = 0.3, gap: float = 0.05,
          pause: float = 0.5) -> list[list[tuple[str, float, float]]]:
    """Each sentence's words as (text, start, end), `word` seconds each, `gap` between words and
    `pause` between sentences; a None entry adds a 2.5 s silence."""
    out, now = [], start
    for sentence in sentences:
        if sentence is None:
            now += 2.5
            continue
        triples = []
        for text in sentence.split():
            triples.append((text, round(now, 3), round(now + word, 3)))
            now += word + gap
        out.append(triples)
        now += pause - gap
    return out


WARM_UP = [
    "Good morning, come in and have a seat.",
    "How are you feeling today?",
    "My knee was a bit sore after the last session, but the pain went away by the evening.",
    "That is normal after a harder session, the soreness should fade within a day.",
    "Did you sleep well last night?",
    "Yes, I slept much better this week.",
    "Good, sleep helps the muscles recover.",
    "Let us start with a few minutes of warm-up on the bike.",
    "Keep the pedals turning slowly and breathe calmly.",
    "Your heart rate looks fine, we can move on.",
]
GAIT = [
    "Now we will work on your gait on the treadmill.",
    "I am fastening the harness so you are safe on the treadmill.",
    "The treadmill starts slowly, at one kilometre per hour.",
    "Try to lengthen your step and land on your heel.",
    "Your step length on the left side is shorter than on the right side.",
    "Focus on a longer step with the left leg and a clear heel strike.",
    "I will raise the treadmill speed a little now.",
    "Good, your gait is more even and your steps are longer.",
    "Keep your posture upright and look ahead, not at your feet.",
    "Swing your arms with each step to help the rhythm of your gait.",
    "We will keep this treadmill speed for two more minutes.",
    "Your stride and step length are much more even on the treadmill now.",
    "I am slowing the treadmill down and we stop the gait training here.",
]
BALANCE = [
    "Next we will practise your balance standing on the foam pad.",
    "Stand with your feet together and keep your balance for thirty seconds.",
    "Now shift your weight slowly from the left foot to the right foot.",
    "This weight shift trains your balance and your proprioception.",
    "Try to stand on the foam with your eyes closed.",
    "Without your eyes your balance depends on proprioception in your feet and ankles.",
    "Keep your knees soft and your posture tall while you stand on the foam.",
    "Now stand on one foot and hold the balance for ten seconds.",
    "Your balance on the foam is much steadier than last week.",
    "We will finish the balance exercises with ten slow weight shifts.",
]
SMALL_TALK = [
    "So, any plans for the weekend?",
    "My daughter is visiting with the grandchildren on Saturday.",
    "How lovely, how old are the grandchildren now?",
    "The boy is six and the girl just turned four.",
    "Are you going to the football match on Sunday?",
    "No, I will watch the football on television with my daughter.",
    "I hope the weather stays nice for your weekend with the grandchildren.",
    "Thank you, see you on Thursday.",
]


def session() -> tuple[Transcript, dict[str, tuple[float, float]]]:
    """A ~3 minute therapy session in four topics, three sentences per segment, and the span
    (seconds) of each topic. A flagged invented segment sits in the pause after gait training."""
    script = WARM_UP + [None] + GAIT + [None] + BALANCE + [None] + SMALL_TALK
    sentences = timed(script)
    spans, index = {}, 0
    for name, part in (("warm-up", WARM_UP), ("gait", GAIT), ("balance", BALANCE), ("small talk", SMALL_TALK)):
        spans[name] = (sentences[index][0][1], sentences[index + len(part) - 1][-1][2])
        index += len(part)
    segments = [segment(i, words_of([w for s in sentences[k:k + 3] for w in s]))
                for i, k in enumerate(range(0, len(sentences), 3))]
    gait_end = spans["gait"][1]
    invented = segment(len(segments), words_of([("Subscribe", gait_end + 0.6, gait_end + 1.0),
                                                ("now.", gait_end + 1.0, gait_end + 1.4)], 0.2),
                       flags=("likely-no-speech",))
    segments = sorted([*segments, invented], key=lambda s: s.start)
    return Transcript("en", spans["small talk"][1] + 2.0, tuple(segments)), spans


SESSION, SPANS = session()


def overlap(candidate: Candidate, span: tuple[float, float]) -> float:
    return max(0.0, min(candidate.end, span[1]) - max(candidate.start, span[0])) / (candidate.end - candidate.start)


def assert_valid_clips(candidates, transcript, video_duration, min_seconds, max_seconds):
    """Inside the video, whole sentences, within min/max, non-overlapping, best first."""
    sentences = split_sentences(transcript)
    for c in candidates:
        assert 0 <= c.start < c.end <= video_duration
        assert min_seconds - 1e-3 <= c.end - c.start <= max_seconds + 1e-3
        assert 0 <= c.score <= 1 and c.reasons and len(c.text) <= 80
        inside = [s for s in sentences if c.start <= s.start < c.end]
        assert inside and len(inside) == c.sentences
        assert c.start <= inside[0].words[0].start and c.end >= inside[-1].end - 1e-3
        for s in sentences:  # no sentence cut: each lies wholly inside or wholly outside
            assert s.end <= c.start + 1e-3 or s.start >= c.end - 1e-3 or (c.start <= s.start and s.end <= c.end + 1e-3)
    ordered = sorted(candidates, key=lambda c: c.start)
    assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:]))
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)


# --- sentences ------------------------------------------------------------------------------


def test_sentences_end_at_punctuation_pauses_and_segment_ends():
    first = words_of([("We", 0.0, 0.2), ("walk.", 0.2, 0.5), ("Then", 0.6, 0.8), ("rest", 0.8, 1.0),
                      ("now", 2.2, 2.4), ("please,", 2.4, 2.8)])
    second = words_of([("and", 2.9, 3.0), ("Dr.", 3.0, 3.2), ("Smith", 3.2, 3.5), ("helps?", 3.5, 3.9)])
    texts = [s.text for s in split_sentences(transcript_of(first, second))]
    assert texts == ["We walk.", "Then rest", "now please,", "and Dr. Smith helps?"]


def test_sentences_skip_flagged_segments():
    real = words_of([("Walk", 0.0, 0.3), ("on", 0.3, 0.5)])
    invented = words_of([("Subscribe", 0.6, 0.9)])
    more = words_of([("slowly.", 1.0, 1.3)])
    transcript = Transcript("en", 2.0, (segment(0, real), segment(1, invented, ("glossary-echo",)), segment(2, more)))
    assert [s.text for s in split_sentences(transcript)] == ["Walk on", "slowly."]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["walk", "step.", "slow,", "good!", "heel", "why?"]),
                          st.floats(0, 3), st.floats(0.05, 0.8)), min_size=1, max_size=40),
       st.integers(1, 6))
def test_sentences_keep_every_word_once_in_order(spec, per_segment):
    triples, now = [], 0.0
    for text, gap, length in spec:
        now += gap
        triples.append((text, now, now + length))
        now += length
    words = words_of(triples)
    transcript = transcript_of(*(words[i:i + per_segment] for i in range(0, len(words), per_segment)))
    sentences = split_sentences(transcript)
    assert [w for s in sentences for w in s.words] == list(words)
    for s in sentences:
        assert s.start == s.words[0].start and s.end == s.words[-1].end
        assert all(b.start - a.end < 1.0 for a, b in zip(s.words, s.words[1:]))
        assert all(not w.text.endswith((".", "?", "!")) for w in s.words[:-1])


# --- wording --------------------------------------------------------------------------------


def test_wording_helpers():
    assert normalise("Don't stop, Maria! Left-foot—now") == "dont stop maria left foot now"
    assert {stem(w) for w in ("step", "steps", "stepping")} == {"step"}
    assert stem("balances") == stem("balance") and stem("harness") == "harness"
    patterns = term_patterns(["weight shift", "treadmill", "CAREN", "treadmill"])
    assert find_terms("Weight shifts on the treadmills; the CAREN treadmill.", patterns) == [
        "weight shift", "treadmill", "CAREN", "treadmill"]
    assert cosine(content_bag("treadmill speed"), content_bag("the treadmill")) > 0.5
    assert cosine(content_bag("the and"), content_bag("treadmill")) == 0.0


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


# --- find_phrase ----------------------------------------------------------------------------


def test_find_exact_phrase_snaps_to_its_sentence_and_pads():
    hits = find_phrase(SESSION, "land on your heel", video_duration=SESSION.duration)
    assert len(hits) == 1
    sentence = next(s for s in split_sentences(SESSION) if "land on your heel" in s.text)
    assert hits[0].start == pytest.approx(sentence.start - 0.25, abs=1e-3)  # halfway into a 0.5 s gap
    assert hits[0].end == pytest.approx(sentence.end + 0.25, abs=1e-3)
    assert hits[0].score == 1.0 and hits[0].sentences == 1
    assert hits[0].text == sentence.text


def test_find_misspelled_word():
    hits = find_phrase(SESSION, "tredmill speed", video_duration=SESSION.duration)
    assert len(hits) == 2  # "raise the treadmill speed" and "keep this treadmill speed"
    assert all("treadmill speed" in h.text for h in hits)
    assert all(0.8 <= h.score < 1 for h in hits)


def test_find_reports_the_closest_match():
    with pytest.raises(BadInputError, match=r'"knee brace fitting" was not found.*closest match is ".*"'
                                            r" \(score \d+, 80 needed\)"):
        find_phrase(SESSION, "knee brace fitting", video_duration=SESSION.duration)
    with pytest.raises(BadInputError, match="at least one word"):
        find_phrase(SESSION, " ?! ", video_duration=SESSION.duration)


def test_find_merges_overlapping_hits():
    # "balance" is said in six sentences; neighbours padded into the same gap merge.
    hits = find_phrase(SESSION, "balance", video_duration=SESSION.duration)
    assert 1 <= len(hits) < 6
    assert sum(h.sentences for h in hits) >= 6
    assert all(a.end < b.start for a, b in zip(hits, hits[1:]))
    assert any(len(h.reasons) > 1 for h in hits)


def test_find_padding_stops_halfway_in_the_gap_and_at_the_video_edges():
    words = words_of([("Heel", 0.1, 0.4), ("strike.", 0.4, 0.9), ("Good", 1.1, 1.4), ("work.", 1.4, 1.9)])
    transcript = transcript_of(words[:2], words[2:], duration=2.0)
    first = find_phrase(transcript, "heel strike", padding=0.5, video_duration=2.0)
    assert (first[0].start, first[0].end) == (0.0, 1.0)  # clamped at 0; stops halfway to "Good"
    last = find_phrase(transcript, "good work", padding=0.5, video_duration=2.0)
    assert (last[0].start, last[0].end) == (1.0, 2.0)  # clamped at the video's end


def test_find_does_not_match_the_middle_of_a_longer_word():
    # "read" is inside "treadmill" and "tea" inside "steadier", but a search is for words.
    for phrase in ("read", "tea"):
        with pytest.raises(BadInputError, match=f'"{phrase}" was not found'):
            find_phrase(SESSION, phrase, video_duration=SESSION.duration)


def test_find_needs_a_near_exact_match_from_a_shorter_window():
    # "work on your" without "gait" is not "work on your gait".
    words = words_of([(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate("we work on your knees today.".split())])
    with pytest.raises(BadInputError, match=r'closest match is "work on your" \(score 83, 90 needed\)'):
        find_phrase(transcript_of(words), "work on your gait", video_duration=5.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 400), st.integers(1, 4), st.floats(0, 2))
def test_find_finds_any_spoken_words(first, size, padding):
    words = [w for s in split_sentences(SESSION) for w in s.words]
    first = first % (len(words) - size)
    phrase = " ".join(w.text for w in words[first:first + size])
    if len(normalise(phrase)) < 4:
        return  # very short phrases may match better elsewhere; that is fine
    hits = find_phrase(SESSION, phrase, padding=padding, video_duration=SESSION.duration)
    assert any(h.start <= words[first].start and words[first + size - 1].end <= h.end for h in hits)
    assert all(0 <= h.start < h.end <= SESSION.duration for h in hits)


# --- rank_candidates ------------------------------------------------------------------------


def test_rank_session_gives_valid_clips():
    clips = rank_candidates(SESSION, count=4, video_duration=SESSION.duration, terms=REHAB)
    assert len(clips) == 4
    assert_valid_clips(clips, SESSION, SESSION.duration, 15, 60)
    assert all("Subscribe" not in c.text for c in clips)


def test_rank_prefers_gait_training_to_small_talk():
    clips = rank_candidates(SESSION, count=12, min_seconds=15, max_seconds=30,
                            video_duration=SESSION.duration, terms=REHAB)
    gait = [c.score for c in clips if overlap(c, SPANS["gait"]) > 0.6]
    chat = [c.score for c in clips if overlap(c, SPANS["small talk"]) > 0.6]
    assert gait and chat and min(gait) > max(chat)
    best = clips[0]
    assert overlap(best, SPANS["gait"]) + overlap(best, SPANS["balance"]) > 0.6
    assert any("key terms" in r and "treadmill" in r for c in clips for r in c.reasons)


def test_rank_reasons_read_well():
    best = rank_candidates(SESSION, count=1, video_duration=SESSION.duration, terms=REHAB)[0]
    assert any(r.startswith("coherent topic (") for r in best.reasons)
    assert any(r.startswith("no pause over 2 s") or "pause" in r for r in best.reasons)
    without_terms = rank_candidates(SESSION, count=1, video_duration=SESSION.duration)[0]
    assert "no key terms" in without_terms.reasons


def test_rank_penalises_long_silences():
    sentences = timed(["Walk on the treadmill now.", "Keep your gait even.", None,
                       "Walk on the treadmill again.", "Keep your gait even again."] * 3)
    transcript = transcript_of(*(words_of(s) for s in sentences))
    clips = rank_candidates(transcript, count=20, min_seconds=4, max_seconds=12,
                            video_duration=transcript.duration, terms=REHAB)
    quiet = [c for c in clips if any("pause" in r and r[0].isdigit() for r in c.reasons)]
    steady = [c for c in clips if "no pause over 2 s" in c.reasons]
    assert quiet and steady and max(c.score for c in quiet) < max(c.score for c in steady)


def test_rank_refuses_too_short_and_bad_limits():
    short = transcript_of(words_of([("Walk", 0.0, 0.5), ("now.", 0.5, 1.0)]), duration=5.0)
    with pytest.raises(BadInputError, match=r"too short.*lower --min"):
        rank_candidates(short, count=1, video_duration=5.0)
    with pytest.raises(BadInputError, match="--min"):
        rank_candidates(SESSION, count=1, min_seconds=30, max_seconds=20, video_duration=SESSION.duration)
    with pytest.raises(BadInputError, match="at least one clip"):
        rank_candidates(SESSION, count=0, video_duration=SESSION.duration)
    long_sentence = transcript_of(words_of([(f"w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(100)]))
    with pytest.raises(BadInputError, match="widen --min/--max"):
        rank_candidates(long_sentence, count=1, min_seconds=5, max_seconds=20, video_duration=60.0)


@st.composite
def random_transcripts(draw):
    vocabulary = ["gait", "treadmill.", "balance,", "walk", "the", "knee", "weekend.", "good?", "step", "foam"]
    triples, now = [], draw(st.floats(0, 3))
    for _ in range(draw(st.integers(1, 80))):
        now += draw(st.sampled_from([0.05, 0.1, 0.4, 1.2, 2.5]))
        length = draw(st.floats(0.1, 0.7))
        triples.append((draw(st.sampled_from(vocabulary)), round(now, 3), round(now + length, 3)))
        now += length
    words = words_of(triples, draw(st.sampled_from([0.3, 0.9])))
    size = draw(st.integers(2, 12))
    transcript = transcript_of(*(words[i:i + size] for i in range(0, len(words), size)))
    return transcript, triples[-1][2] + draw(st.floats(0, 5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_transcripts(), st.integers(1, 5), st.floats(2, 20), st.floats(0, 20))
def test_rank_properties(case, count, min_seconds, extra):
    transcript, video_duration = case
    max_seconds = min_seconds + extra
    try:
        clips = rank_candidates(transcript, count=count, min_seconds=min_seconds, max_seconds=max_seconds,
                                video_duration=video_duration, terms=REHAB)
    except BadInputError as exc:
        assert "--min" in str(exc) or "--max" in str(exc)
        return
    assert 1 <= len(clips) <= count
    assert_valid_clips(clips, transcript, video_duration, min_seconds, max_seconds)


# --- clips.json -----------------------------------------------------------------------------


def test_candidates_file_round_trip_and_edits():
    clips = rank_candidates(SESSION, count=2, video_duration=SESSION.duration, terms=REHAB)
    text = write_candidates(clips, "ab" * 32)
    data = json.loads(text)
    assert data["schema"] == CANDIDATES_SCHEMA and data["source"] == {"sha256": "ab" * 32}
    assert set(data["clips"][0]) == {"start", "end", "score", "reasons", "text"}
    assert "\n  " in text  # indented for people
    assert read_candidates(text, "clips.json") == [ClipRange(c.start, c.end) for c in clips]
    # A person deletes a clip, types a timecode, adds a note.
    data["clips"] = data["clips"][:1]
    data["clips"][0].update(start="00:00:40.5", note="nice walk")
    assert read_candidates(json.dumps(data), "clips.json") == [ClipRange(40.5, clips[0].end)]


@pytest.mark.parametrize("clips, message", [
    ([{"start": 1}], r'clips.json, range 1: expected an object with "start" and "end"'),
    ([{"start": 1, "end": 2}, {"start": "soon", "end": 3}], r"clips.json, range 2: cannot read the time 'soon'"),
    ([{"start": 5, "end": 2}], "clips.json, range 1: .*negative"),
    ([], "lists no clips"),
])
def test_candidates_file_refuses_bad_entries(clips, message):
    text = json.dumps({"schema": CANDIDATES_SCHEMA, "source": {"sha256": ""}, "clips": clips})
    with pytest.raises(BadInputError, match=message):
        read_candidates(text, "clips.json")


def test_candidates_file_refuses_other_files():
    with pytest.raises(BadInputError, match="not valid JSON"):
        read_candidates('{"clips": [', "clips.json")
    with pytest.raises(BadInputError, match="not a clips file"):
        read_candidates('[{"start": 1, "end": 2}]', "clips.json")
    with pytest.raises(BadInputError, match="schema"):
        read_candidates('{"schema": "vidkit.transcript/1", "clips": [{"start": 1, "end": 2}]}', "t.json")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 10**6)), min_size=1, max_size=8))
def test_candidates_file_round_trip_property(spans):
    clips = [Candidate(s / 1000, (s + n) / 1000, 0.5, ("why",), "text", 1) for s, n in spans]
    assert read_candidates(write_candidates(clips, "0"), "clips.json") == [c.to_range() for c in clips]
