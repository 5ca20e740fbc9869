"""The clip frame schedule: constant-rate sources map one to one, variable-rate ones onto a
steady clock, and source times map into clip time across trimmed spans."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidkit.clips.schedule import build_schedule
from vidkit.errors import ProcessingError

RATE = Fraction(25)


def cfr(count: int, fps: int = 25, start_pts: int = 0) -> list[tuple[int, float]]:
    # pts in a 1/12800 time base, as mp4 muxers write them
    step = 12800 // fps
    return [(start_pts + i * step, (start_pts + i * step) / 12800) for i in range(count)]


def test_constant_rate_source_maps_frame_for_frame():
    frames = cfr(100)
    schedule = build_schedule(frames, [(1.0, 2.0)], RATE)
    assert schedule.frames == 25
    assert schedule.pts == tuple(p for p, _ in frames[25:50])
    assert schedule.spans[0].start == 1.0 and schedule.spans[0].end == 2.0


def test_start_between_frames_snaps_to_the_nearest_frame_within_half_a_frame():
    frames = cfr(100)
    schedule = build_schedule(frames, [(1.015, 2.015)], RATE)  # 0.375 of a frame after frame 25
    assert schedule.times[0] == 1.0 and schedule.frames == 25
    schedule = build_schedule(frames, [(1.025, 2.025)], RATE)  # 0.625 of a frame: frame 26
    assert schedule.times[0] == pytest.approx(1.04)


def test_variable_rate_source_is_resampled_to_a_steady_clock():
    # 25 fps with a 0.2 s hole (dropped frames) and then 50 fps for a while
    times = [i / 25 for i in range(50)] + [2.2 + i / 50 for i in range(50)]
    frames = [(round(t * 12800), t) for t in times]
    schedule = build_schedule(frames, [(1.0, 3.0)], RATE)
    assert schedule.frames == 50
    assert list(schedule.times) == sorted(schedule.times)  # never goes back in time
    # each output frame shows the latest source frame at most half a frame after its tick
    for k, shown in enumerate(schedule.times):
        tick = 1.0 + k / 25
        assert shown <= tick + 0.02 + 1e-9
        later = [t for t in times if shown < t <= tick + 0.02 + 1e-9]
        assert not later


def test_several_spans_and_clip_ranges():
    schedule = build_schedule(cfr(250), [(1.0, 2.0), (4.0, 4.5), (6.0, 8.0)], RATE)
    assert [s.frames for s in schedule.spans] == [25, 13, 50]  # 12.5 frames round up
    first, second, third = schedule.spans
    assert schedule.duration == pytest.approx(sum(s.duration for s in schedule.spans))
    # a word said across the first cut is kept in pieces; one said in a cut part disappears
    assert schedule.clip_ranges(1.8, 4.2) == [(pytest.approx(0.8), pytest.approx(1.0)),
                                              (pytest.approx(1.0), pytest.approx(1.2))]
    assert schedule.clip_ranges(2.5, 3.5) == []
    assert schedule.clip_ranges(7.0, 7.5) == [(pytest.approx(first.duration + second.duration + 1.0),
                                               pytest.approx(first.duration + second.duration + 1.5))]
    assert schedule.span_of(0) == 0 and schedule.span_of(25) == 1 and schedule.span_of(schedule.frames - 1) == 2


def test_no_frames_is_an_error():
    with pytest.raises(ProcessingError):
        build_schedule([], [(0.0, 1.0)], RATE)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.005, 0.2), min_size=5, max_size=200),
       st.floats(0, 1), st.floats(0.05, 3))
def test_schedule_properties(gaps, start_fraction, length):
    times = []
    t = 0.0
    for gap in gaps:
        times.append(round(t, 6))
        t += gap
    frames = [(i, time) for i, time in enumerate(times)]
    start = start_fraction * times[-1]
    schedule = build_schedule(frames, [(start, start + length)], RATE)
    assert schedule.frames == max(1, int(length * 25 + 0.5 + 1e-9))
    assert list(schedule.pts) == sorted(schedule.pts)
    assert all(p in dict(frames) for p in schedule.pts)
    assert schedule.duration == pytest.approx(schedule.frames / 25)
