"""Silence trimming: which spans a clip keeps, and the map that keeps its transcript in sync."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vidkit.clips.silence import SpanMap, keep_spans, speech_regions
from vidkit.transcript import Segment, Transcript, Word

EPS = 1e-6


def words_at(*times: tuple[float, float]) -> list[Word]:
    return [Word(a, b, f"w{i}") for i, (a, b) in enumerate(times)]


def transcript_of(words: list[Word], per_segment: int = 3, **segment_fields) -> Transcript:
    segments = tuple(
        Segment(id=i, start=chunk[0].start, end=chunk[-1].end, text=" ".join(w.text for w in chunk),
                words=tuple(chunk), **segment_fields)
        for i, chunk in enumerate(words[k:k + per_segment] for k in range(0, len(words), per_segment)))
    return Transcript("en", 600.0, segments, {"model": "test"})


# --- keep_spans: worked examples ---------------------------------------------------------

def test_long_pauses_are_cut_leaving_margins():
    words = words_at((1.0, 1.5), (1.6, 2.0), (5.0, 5.5))
    # Lead-in of exactly 1.0 s is not longer than min_pause, so it stays; 2.0→5.0 is cut to
    # 2.25→4.75, widened to whole frames (2.28, 4.72); the tail after 5.5 keeps 0.25 s.
    assert keep_spans(words, 0.0, 10.0, fps=25) == [(0.0, 2.28), (4.72, 5.76)]


def test_clip_edges_get_no_margin():
    spans = keep_spans(words_at((3.0, 4.0)), 0.0, 10.0, fps=25, margin=0.5)
    assert spans == [(2.48, 4.52)]


def test_a_pause_of_exactly_min_pause_stays():
    assert keep_spans(words_at((0.0, 1.0), (2.0, 3.0)), 0.0, 3.0, fps=25, min_pause=1.0) == [(0.0, 3.0)]


def test_margins_wider_than_half_the_pause_cut_nothing():
    assert keep_spans(words_at((0.0, 1.0), (2.5, 3.0)), 0.0, 3.0, fps=25, margin=0.8) == [(0.0, 3.0)]


def test_cuts_shorter_than_two_frames_are_merged():
    # The pause 1.0→2.3 minus 0.25 s margins leaves 1.25→2.05: 20 frames cut at 25 fps ...
    assert keep_spans(words_at((0.0, 1.0), (2.3, 3.0)), 0.0, 3.0, fps=25) == [(0.0, 1.28), (2.04, 3.0)]
    # ... but at a margin of 0.6 s only 1.6→1.7 would go: fewer than 2 frames at 12.5 fps.
    assert keep_spans(words_at((0.0, 1.0), (2.3, 3.2)), 0.0, 3.2, fps=12.5, margin=0.6,
                      min_pause=1.0) == [(0.0, 3.2)]


def test_a_clip_without_words_is_kept_whole():
    assert keep_spans([], 2.0, 8.0, fps=25) == [(2.0, 8.0)]
    assert keep_spans(words_at((20.0, 21.0)), 2.0, 8.0, fps=25) == [(2.0, 8.0)]


def test_clip_off_the_frame_grid_is_narrowed_to_whole_frames():
    assert keep_spans([], 2.01, 7.99, fps=25) == [(2.04, 7.96)]
    assert keep_spans([], 2.001, 2.002, fps=25) == [(2.001, 2.002)]  # shorter than a frame


def test_vad_speech_in_a_pause_is_kept():
    words = words_at((0.0, 1.0), (6.0, 7.0))
    assert keep_spans(words, 0.0, 7.0, fps=25) == [(0.0, 1.28), (5.72, 7.0)]
    # A laugh at 3.0→3.4 that Whisper did not write down keeps its own margins.
    spans = keep_spans(words, 0.0, 7.0, fps=25, speech=[(3.0, 3.4)])
    assert spans == [(0.0, 1.28), (2.72, 3.68), (5.72, 7.0)]


def test_fractional_frame_rates_stay_on_the_grid():
    fps = 30000 / 1001
    spans = keep_spans(words_at((1.0, 2.0), (9.0, 10.0)), 0.0, 12.0, fps=fps)
    for a, b in spans:
        assert a * fps == pytest.approx(round(a * fps), abs=1e-6)
        assert b * fps == pytest.approx(round(b * fps), abs=1e-6)
    assert len(spans) == 2


@pytest.mark.parametrize("kwargs", [dict(fps=0), dict(fps=25, min_pause=-1), dict(fps=25, margin=-0.1)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        keep_spans([], 0.0, 1.0, **kwargs)
    with pytest.raises(ValueError):
        keep_spans([], 1.0, 1.0, fps=25)


# --- SpanMap: worked examples ------------------------------------------------------------

def test_span_map_times():
    spans = SpanMap(((0.0, 2.0), (4.0, 5.0)), 0.0, 10.0)
    assert spans.clip_duration == pytest.approx(3.0)
    assert spans.removed_seconds == pytest.approx(7.0)
    assert spans.to_clip(1.0) == pytest.approx(1.0)
    assert spans.to_clip(2.0) == pytest.approx(2.0)  # a span's end belongs to it
    assert spans.to_clip(3.0) is None
    assert spans.to_clip(4.0) == pytest.approx(2.0)
    assert spans.to_clip(4.5) == pytest.approx(2.5)
    assert spans.to_clip(5.5) is None
    assert spans.to_clip(-1.0) is None


@pytest.mark.parametrize("spans", [(), ((1.0, 1.0),), ((0.0, 2.0), (1.0, 3.0)), ((2.0, 3.0), (0.0, 1.0)),
                                   ((0.0, 11.0),)])
def test_span_map_refuses_bad_spans(spans):
    with pytest.raises(ValueError):
        SpanMap(spans, 0.0, 10.0)


def test_retime_transcript_example():
    words = words_at((1.0, 1.5), (1.6, 2.0), (5.0, 5.5), (5.6, 6.0))
    transcript = transcript_of(words, per_segment=3, avg_logprob=-0.2)
    spans = SpanMap(tuple(keep_spans(words, 0.0, 10.0, fps=25)), 0.0, 10.0)
    clip = spans.retime_transcript(transcript)
    assert [(w.start, w.end) for w in clip.words] == [(1.0, 1.5), (1.6, 2.0), (2.56, 3.06), (3.16, 3.56)]
    # A segment split by a cut stays one segment; segment fields and ids carry over.
    assert [s.text for s in clip.segments] == ["w0 w1 w2", "w3"]
    assert [s.id for s in clip.segments] == [0, 1]
    assert clip.segments[0].avg_logprob == -0.2
    assert (clip.segments[0].start, clip.segments[0].end) == (1.0, 3.06)
    assert clip.duration == pytest.approx(spans.clip_duration)
    assert clip.provenance["model"] == "test"
    assert clip.provenance["excerpt"] == {"source_start": 0.0, "source_end": 10.0,
                                          "kept_spans": [[0.0, 2.28], [4.72, 6.28]]}


def test_retime_drops_words_in_removed_parts_and_empty_segments():
    spoken = words_at((1.0, 1.5), (8.0, 8.5))
    # A segment flagged as invented sits in the pause; the spans were built without it.
    invented = Segment(id=1, start=4.0, end=4.6, text="thanks for watching", flags=("repeated-ngram",),
                       words=(Word(4.0, 4.3, "thanks"), Word(4.3, 4.6, "watching")))
    transcript = Transcript("en", 10.0, (
        Segment(0, 1.0, 1.5, "w0", (spoken[0],)), invented, Segment(2, 8.0, 8.5, "w1", (spoken[1],))), {})
    spans = SpanMap(tuple(keep_spans(spoken, 0.0, 10.0, fps=25)), 0.0, 10.0)
    clip = spans.retime_transcript(transcript)
    assert [w.text for w in clip.words] == ["w0", "w1"]
    assert [s.id for s in clip.segments] == [0, 1]


# --- properties --------------------------------------------------------------------------

FPS = st.sampled_from([24.0, 25.0, 30000 / 1001, 30.0, 50.0, 60.0])


@st.composite
def spoken_clips(draw):
    """(words, start, end, fps): sorted, non-overlapping words around a clip."""
    fps = draw(FPS)
    t = draw(st.floats(0.0, 5.0))
    words = []
    for _ in range(draw(st.integers(0, 12))):
        t += draw(st.floats(0.0, 3.0))
        length = draw(st.floats(0.0, 1.2))
        words.append(Word(round(t, 3), round(t + length, 3), "w"))
        t += length
    start = draw(st.floats(0.0, 10.0))
    end = start + draw(st.floats(0.2, 30.0))
    return words, start, end, fps


def grid_bounds(start: float, end: float, fps: float) -> tuple[float, float]:
    return math.ceil(start * fps - 1e-6) / fps, math.floor(end * fps + 1e-6) / fps


def clipped(a: float, b: float, lo: float, hi: float) -> tuple[float, float] | None:
    if b < lo or a >= hi or (b == lo and a < b):
        return None
    return max(a, lo), min(b, hi)


MIN_PAUSE, MARGIN = st.floats(0.3, 2.0), st.floats(0.0, 0.6)


@settings(max_examples=300, deadline=None)
@given(spoken_clips(), MIN_PAUSE, MARGIN)
def test_spans_are_sorted_disjoint_on_the_grid_and_inside_the_clip(clip, min_pause, margin):
    words, start, end, fps = clip
    spans = keep_spans(words, start, end, fps=fps, min_pause=min_pause, margin=margin)
    assert spans
    assert spans[0][0] >= start - EPS and spans[-1][1] <= end + EPS
    for a, b in spans:
        assert b - a >= 1 / fps - EPS
        assert abs(a * fps - round(a * fps)) < 1e-6 and abs(b * fps - round(b * fps)) < 1e-6
    for (_, b), (a, _) in zip(spans, spans[1:]):
        assert a - b >= 2 / fps - EPS
    assert sum(b - a for a, b in spans) <= end - start + EPS


@settings(max_examples=300, deadline=None)
@given(spoken_clips(), st.lists(st.tuples(st.floats(0, 40), st.floats(0, 2)), max_size=3), MIN_PAUSE, MARGIN)
def test_speech_with_margins_is_kept_and_only_long_pauses_go(clip, vad, min_pause, margin):
    words, start, end, fps = clip
    speech = [(a, a + length) for a, length in vad]
    spans = keep_spans(words, start, end, fps=fps, min_pause=min_pause, margin=margin, speech=speech)
    lo, hi = grid_bounds(start, end, fps)
    assume(hi > lo)
    voiced = [(w.start, w.end) for w in words] + speech
    for a, b in voiced:
        inside = clipped(a, b, start, end)
        if inside is None:
            continue
        wanted = clipped(max(inside[0] - margin, lo), min(inside[1] + margin, hi), lo, hi)
        if wanted is None:
            continue
        assert any(s - EPS <= wanted[0] and wanted[1] <= e + EPS for s, e in spans), (wanted, spans)
    # Every removed part lies in a pause longer than min_pause.
    removed = [(lo, spans[0][0])] + [(b, a) for (_, b), (a, _) in zip(spans, spans[1:])] + [(spans[-1][1], hi)]
    for r0, r1 in removed:
        if r1 - r0 < EPS:
            continue
        before = max([b for a, b in voiced if b <= r0 + EPS and b >= start] + [start])
        after = min([a for a, b in voiced if a >= r1 - EPS and a < end] + [end])
        assert not any(a < r1 - EPS and b > r0 + EPS for a, b in voiced)
        assert after - before > min_pause - EPS


@settings(max_examples=300, deadline=None)
@given(spoken_clips(), MIN_PAUSE, MARGIN)
def test_retimed_words_stay_in_order_inside_the_clip_and_keep_their_length(clip, min_pause, margin):
    words, start, end, fps = clip
    spans = SpanMap(tuple(keep_spans(words, start, end, fps=fps, min_pause=min_pause, margin=margin)),
                    start, end)
    assert spans.clip_duration + spans.removed_seconds == pytest.approx(end - start)
    retimed = spans.retime_transcript(transcript_of(words))
    assert retimed.duration == pytest.approx(spans.clip_duration, abs=1e-6)
    times = [(w.start, w.end) for w in retimed.words]
    assert times == sorted(times)
    assert all(0.0 <= a <= b <= spans.clip_duration + 1e-3 for a, b in times)
    lo, hi = grid_bounds(start, end, fps)
    # Words wholly inside the clip are all kept, as long as they were (the clip is half-open).
    whole = [w for w in words if lo <= w.start and w.end <= hi and (w.start + w.end) / 2 < hi - EPS]
    assert len(retimed.words) >= len(whole)
    for word in whole:
        mapped = spans.to_clip(word.start), spans.to_clip(word.end)
        assert None not in mapped
        assert mapped[1] - mapped[0] == pytest.approx(word.end - word.start, abs=1 / fps)


@settings(max_examples=200, deadline=None)
@given(spoken_clips(), st.lists(st.floats(-5, 45), min_size=2, max_size=20))
def test_to_clip_is_monotonic(clip, times):
    words, start, end, fps = clip
    spans = SpanMap(tuple(keep_spans(words, start, end, fps=fps)), start, end)
    mapped = [(t, spans.to_clip(t)) for t in sorted(times)]
    kept = [c for _, c in mapped if c is not None]
    assert kept == sorted(kept)
    assert all(0.0 <= c <= spans.clip_duration + EPS for c in kept)
    for t, c in mapped:
        inside = any(a - EPS <= t <= b + EPS for a, b in spans.spans)
        assert (c is not None) == inside


# --- VAD ---------------------------------------------------------------------------------

def test_speech_regions_find_spoken_parts():
    from tests.support.speech import synthesize_script

    audio, spoken = synthesize_script([(0.5, "Lift your left arm slowly."), (5.0, "Now the right one.")], 9.0)
    regions = speech_regions(audio)
    assert len(regions) == 2
    for (a, b), (ra, rb) in zip(spoken, regions):
        assert ra <= a + 0.1 and rb >= b - 0.1
    assert regions[0][1] < 3.5 and regions[1][0] > 4.0  # the pause in between is not speech
    assert speech_regions(np.zeros(3 * 16000, np.float32)) == []
    assert speech_regions(np.zeros(0, np.float32)) == []
