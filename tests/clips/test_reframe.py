"""Reframing: the crop path's guarantees (inside, even, bounded pan, no jitter) as properties,
and on rendered sessions with known face positions, how often the crop keeps the face."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.faces import SCENARIOS, render, write_clip
from vidkit.clips import reframe
from vidkit.clips.motion import motion_subjects, read_motion_frames, small_gray
from vidkit.clips.render import frame_times, source_rate
from vidkit.clips.reframe import (Crop, crop_path, crop_size, crop_stats, output_size, parse_aspect,
                                  subject_scores, subjects_from_boxes, subjects_from_tracks)
from vidkit.clips.schedule import build_schedule
from vidkit.errors import BadInputError
from vidkit.media import probe
from vidkit.faces.detect import Box, make_detector
from vidkit.faces.tracks import TrackRules, build_tracks

ASPECTS = [(9, 16), (1, 1), (4, 5), (16, 9)]


def max_step(width: int, fps: float, max_pan: float = 0.35) -> float:
    # Even offsets move in 2 px steps, so a pan slower than 1 px per frame still shows 2 px.
    return max(max_pan * width / fps + 1, 2)


def face_at(cx: float, cy: float, w: float = 60, tid: int = 0) -> tuple[int, Box]:
    return tid, Box(cx - w / 2, cy - w / 2, w, w)


# ---------------------------------------------------------------------------- sizes

@pytest.mark.parametrize("text, aspect", [
    ("9:16", (9, 16)), ("1:1", (1, 1)), ("4:5", (4, 5)), ("16:9", (16, 9)), ("9x16", (9, 16)),
    (" 16X9 ", (16, 9)),
])
def test_parse_aspect(text, aspect):
    assert parse_aspect(text) == aspect


@pytest.mark.parametrize("text", ["", "9:15", "16/9", "4:3", "1", "a:b", "9:16:1", "-9:16"])
def test_parse_aspect_refuses_with_the_choices(text):
    with pytest.raises(BadInputError, match="9:16, 1:1, 4:5, 16:9"):
        parse_aspect(text)


def test_output_sizes_are_fixed():
    assert [output_size(a) for a in ASPECTS] == [(1080, 1920), (1080, 1080), (1080, 1350), (1920, 1080)]


@pytest.mark.parametrize("aspect, source, crop", [
    ((9, 16), (640, 360), (202, 360)), ((1, 1), (640, 360), (360, 360)),
    ((4, 5), (640, 360), (288, 360)), ((16, 9), (640, 360), (640, 360)),
    ((9, 16), (1920, 1080), (606, 1080)), ((16, 9), (1080, 1920), (1080, 606)),
    ((9, 16), (641, 361), (202, 360)),
])
def test_crop_size(aspect, source, crop):
    assert crop_size(aspect, source) == crop


@given(st.sampled_from(ASPECTS), st.integers(64, 4000), st.integers(64, 4000))
def test_crop_size_is_the_largest_even_crop_of_that_shape(aspect, width, height):
    cw, ch = crop_size(aspect, (width, height))
    assert cw % 2 == 0 and ch % 2 == 0
    assert cw <= width and ch <= height
    assert cw >= width - 2 or ch >= height - 2  # touches two sides of the source
    assert abs(cw * aspect[1] - ch * aspect[0]) <= 2 * max(aspect)  # shape off by < 2 px


# ---------------------------------------------------------------------------- properties

@st.composite
def sessions(draw):
    """A random clip: size, frame rate, aspect and up to three faces on random walks with gaps."""
    width = draw(st.integers(160, 1920))
    height = draw(st.integers(90, 1080))
    fps = draw(st.sampled_from([24, 25, 30, 50, 60]))
    frames = draw(st.integers(1, 150))
    seed = draw(st.integers(0, 2**32 - 1))
    faces = draw(st.integers(0, 3))
    rng = np.random.default_rng(seed)
    subjects: list[list[tuple[int, Box]]] = [[] for _ in range(frames)]
    for tid in range(faces):
        size = rng.uniform(10, 0.5 * height)
        x, y = rng.uniform(-size, width), rng.uniform(-size, height)
        jump = rng.uniform(0, 0.1 * width)  # up to 2.5-6 frame widths per second: faster than any pan
        for frame in range(frames):
            x = float(np.clip(x + rng.normal(0, jump), -size, width))
            y = float(np.clip(y + rng.normal(0, jump), -size, height))
            if rng.random() > 0.3:
                subjects[frame].append((tid, Box(x, y, size, size)))
    cuts = draw(st.lists(st.integers(0, frames), max_size=3))
    return subjects, (width, height), fps, draw(st.sampled_from(ASPECTS)), cuts


@settings(max_examples=150, deadline=None)
@given(sessions(), st.sampled_from([0.1, 0.35, 1.0]))
def test_crops_are_inside_even_exact_and_pan_at_bounded_speed(session, max_pan):
    subjects, (width, height), fps, aspect, cuts = session
    crops = crop_path(subjects, (width, height), aspect, fps, max_pan=max_pan, cuts=cuts)
    cw, ch = crop_size(aspect, (width, height))
    assert len(crops) == len(subjects)
    limit = max_step(width, fps, max_pan)
    for i, crop in enumerate(crops):
        assert (crop.w, crop.h) == (cw, ch)
        assert crop.x % 2 == 0 and crop.y % 2 == 0
        assert 0 <= crop.x and crop.x + crop.w <= width
        assert 0 <= crop.y and crop.y + crop.h <= height
        if i and i not in cuts:
            before = crops[i - 1]
            assert abs(crop.x - before.x) <= limit and abs(crop.y - before.y) <= limit


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([(640, 360), (1280, 720), (1920, 1080)]),
       st.floats(0.2, 0.8))
def test_a_still_face_with_detector_noise_gives_a_still_crop(seed, size, where):
    rng = np.random.default_rng(seed)
    width, height = size
    subjects = []
    for _ in range(250):  # 10 s at 25 fps
        dx, dy, dw = rng.uniform(-2, 2, 3)
        subjects.append([face_at(where * width + dx, height / 2 + dy, 60 + dw)])
    xs = [c.x for c in crop_path(subjects, size, (9, 16), 25)]
    assert max(xs) - min(xs) <= 2  # what the brief asks
    assert len(set(xs)) == 1  # what the dead zone gives: not even one 2 px step


@pytest.mark.parametrize("aspect", ASPECTS)
def test_without_subjects_the_crop_is_centred(aspect):
    crops = crop_path([[] for _ in range(50)], (1280, 720), aspect, 25)
    cw, ch = crop_size(aspect, (1280, 720))
    centred = Crop((1280 - cw) // 4 * 2, (720 - ch) // 4 * 2, cw, ch)
    assert set(crops) == {centred}


def test_no_frames_no_crops():
    assert crop_path([], (640, 360), (9, 16), 25) == []


def test_16_9_from_16_9_is_the_whole_frame():
    subjects = [[face_at(100 + 4 * i, 180)] for i in range(50)]
    assert set(crop_path(subjects, (640, 360), (16, 9), 25)) == {Crop(0, 0, 640, 360)}


def test_gaps_are_bridged_and_the_ends_held():
    """Seen only in frames 40-49 (left) and 100-109 (right) of 160: the crop waits at the first
    sighting, glides across the gap and stays after the last one."""
    subjects: list[list[tuple[int, Box]]] = [[] for _ in range(160)]
    for i in range(40, 50):
        subjects[i] = [face_at(100, 180)]
    for i in range(100, 110):
        subjects[i] = [face_at(540, 180)]
    crops = crop_path(subjects, (640, 360), (9, 16), 25)
    assert len(set(crops[:20])) == 1 and len(set(crops[-30:])) == 1
    for i in (*range(40, 50), *range(100, 110)):
        box = subjects[i][0][1]
        assert crops[i].x <= box.x and box.x + box.w <= crops[i].x + crops[i].w
    xs = [c.x for c in crops[50:100]]
    assert xs == sorted(xs) and xs[0] < xs[-1]


@pytest.mark.parametrize("smooth_seconds", [0.0, 0.6])
def test_the_crop_pans_early_for_a_face_faster_than_the_pan_limit(smooth_seconds):
    """The face crosses 40% of the frame in 16 frames (0.64 frame widths per second) against a
    pan limit of 0.35: a crop that only reacts loses it for ~4 frames; starting to pan before
    the face moves (offline lookahead) keeps it in view. Without smoothing, the lookahead of
    the planner's corridor is all there is."""
    fps, width = 25, 640
    xs = np.concatenate([np.full(50, 0.25), np.linspace(0.25, 0.65, 16), np.full(50, 0.65)]) * width
    subjects = [[face_at(x, 180)] for x in xs]
    crops = crop_path(subjects, (width, 360), (9, 16), fps, smooth_seconds=smooth_seconds)
    assert crop_stats(crops, [s[0][1] for s in subjects]) == 1.0
    assert crops[45].x > crops[0].x  # already moving before the face does
    assert max(abs(a.x - b.x) for a, b in zip(crops, crops[1:])) <= max_step(width, fps)


def test_at_a_cut_the_crop_may_jump_and_elsewhere_not():
    """Trimming a pause out makes the face jump from the left to the right third: at the cut
    the crop jumps with it; without `cuts` it pans at the limit and loses the face for a while."""
    subjects = [[face_at(120, 180)]] * 60 + [[face_at(520, 180)]] * 60
    boxes = [s[0][1] for s in subjects]
    cut = crop_path(subjects, (640, 360), (9, 16), 25, cuts=[60])
    assert crop_stats(cut, boxes) == 1.0
    assert len(set(cut[:60])) == 1 and len(set(cut[60:])) == 1
    panned = crop_path(subjects, (640, 360), (9, 16), 25)
    assert crop_stats(panned, boxes) < 1.0
    assert max(abs(a.x - b.x) for a, b in zip(panned, panned[1:])) <= max_step(640, 25)


def test_the_primary_subject_is_the_central_steady_one():
    """The patient stays mid-frame all clip; a therapist (bigger, nearer the camera) stands at
    the left edge for half of it. The crop stays on the patient."""
    subjects = []
    for i in range(100):
        frame = [face_at(330, 150, 50, tid=7)]
        if i < 50:
            frame.append(face_at(40, 150, 80, tid=3))
        subjects.append(frame)
    scores = subject_scores(subjects, (640, 360))
    assert max(scores, key=scores.get) == 7
    crops = crop_path(subjects, (640, 360), (9, 16), 25)
    assert crop_stats(crops, [f[0][1] for f in subjects]) == 1.0


def test_a_companion_who_fits_is_kept_in_the_picture_too():
    subjects = [[face_at(300, 150, 40, tid=0), face_at(370, 150, 30, tid=1)] for _ in range(50)]
    crops = crop_path(subjects, (640, 360), (9, 16), 25)
    assert crop_stats(crops, [f[1][1] for f in subjects]) == 1.0


def test_a_long_absence_hands_over_to_the_next_subject():
    """The primary leaves for 4 s (longer than hold_seconds); the one person still there is
    followed meanwhile."""
    subjects = []
    for i in range(250):
        frame = [face_at(550, 150, tid=1)] if 50 <= i < 150 else []
        if not 50 <= i < 150:
            frame.append(face_at(320, 150, tid=0))
        subjects.append(frame)
    crops = crop_path(subjects, (640, 360), (9, 16), 25)
    assert crop_stats(crops[70:150], [f[0][1] for f in subjects[70:150]]) == 1.0


def test_crop_stats():
    crops = [Crop(0, 0, 100, 100)] * 3
    boxes = [Box(10, 10, 20, 20), None, Box(90, 10, 20, 20)]
    assert crop_stats(crops, boxes) == 0.5
    assert crop_stats(crops, [None] * 3) == 1.0


# ---------------------------------------------------------------------------- rendered sessions

SIZE, FPS, SECONDS = (640, 360), 25, 5.0
NEED = 0.95


@functools.cache
def rendered(name: str):
    clip = render(SCENARIOS[name], size=SIZE, fps=FPS, seconds=SECONDS)
    bgr = [np.ascontiguousarray(frame[..., ::-1]) for frame in clip.frames]
    return clip, bgr


def truth_subjects(clip) -> list[list[tuple[int, Box]]]:
    return [[(b.face_id, Box(b.x, b.y, b.w, b.h)) for b in frame] for frame in clip.truth]


def primary_truth(clip) -> list[object | None]:
    """The main face's true box per frame (None while it is out of the picture): the face the
    ranking picks from the ground truth itself."""
    scores = subject_scores(truth_subjects(clip), clip.size)
    main = max(scores, key=scores.get)
    return [next((b for b in frame if b.face_id == main), None) for frame in clip.truth]


def report(record_property, label: str, value: float) -> None:
    record_property(label, round(value, 3))
    print(f"{label}: {value:.1%} of frames with the face fully inside the crop")


@pytest.mark.parametrize("name", ["moving", "two_faces", "leaving", "occluded"])
def test_noisy_truth_keeps_the_face_in_the_crop(name, record_property):
    """Ground truth with ±3 px detector noise and 10% of frames missed at random."""
    clip, _ = rendered(name)
    rng = np.random.default_rng(5)
    detections = []
    for frame in truth_subjects(clip):
        noisy = [(tid, Box(*(np.array([b.x, b.y, b.w, b.h]) + rng.uniform(-3, 3, 4)))) for tid, b in frame]
        detections.append(noisy if rng.random() >= 0.1 else [])
    crops = crop_path(detections, clip.size, (9, 16), clip.fps)
    inside = crop_stats(crops, primary_truth(clip))
    report(record_property, f"{name} noisy truth", inside)
    assert inside >= NEED


@pytest.mark.slow
@pytest.mark.parametrize("name", ["moving", "two_faces", "leaving", "occluded"])
def test_real_detections_keep_the_face_in_the_crop(name, record_property):
    """YuNet on the rendered frames, linked by the privacy tracker, as `vidkit clip` would."""
    clip, frames = rendered(name)
    detector = make_detector("yunet")
    detections = [detector.detect(frame) for frame in frames]
    tracks = build_tracks(detections, clip.size, TrackRules(max_gap=FPS, extend=FPS // 2))
    crops = crop_path(subjects_from_tracks(tracks, len(clip)), clip.size, (9, 16), clip.fps)
    inside = crop_stats(crops, primary_truth(clip))
    report(record_property, f"{name} YuNet", inside)
    assert inside >= NEED


@pytest.mark.parametrize("name", ["moving", "occluded", "leaving", "two_faces"])
def test_motion_alone_keeps_the_walker_in_the_crop(name, record_property):
    """No faces given: the motion signal has to find the walker, though the VR screen scrolls
    and the treadmill belt runs. A centred crop would keep the face in under half the frames."""
    clip, frames = rendered(name)
    scale = SIZE[0] / 160
    boxes = motion_subjects((small_gray(frame, 160) for frame in frames), scale)
    crops = crop_path(subjects_from_boxes(boxes), clip.size, (9, 16), clip.fps)
    inside = crop_stats(crops, primary_truth(clip))
    centred = crop_stats(crop_path([[] for _ in frames], clip.size, (9, 16), clip.fps), primary_truth(clip))
    report(record_property, f"{name} motion only", inside)
    assert centred < 0.5
    assert inside >= 0.8


def test_motion_prefers_a_crossing_walker_to_a_belt_that_always_runs():
    """A belt in the middle moves in every frame and is the bigger region; the walker crosses
    once. Weighting by how rarely a pixel moves is what picks the walker."""
    rng = np.random.default_rng(0)
    walker = rng.integers(0, 255, (24, 12)).astype(np.uint8)
    frames = []
    for i in range(100):
        frame = np.full((90, 160), 120, np.uint8)
        frame[76:88, 50:110] = np.where((np.arange(60) + 2 * i) % 6 < 2, 200, 60)
        x = 10 + 130 * i // 100
        frame[30:54, x:x + 12] = walker
        frames.append(frame)
    found = motion_subjects(frames, scale=4.0)
    for i, boxes in enumerate(found):
        (box,) = boxes
        assert box.y < 40 * 4 and abs(box.x + box.w / 2 - (16 + 130 * i // 100) * 4) <= 16


def test_read_motion_frames(small_video):
    frames = list(read_motion_frames(probe(small_video)))
    assert len(frames) == 75 and {f.gray.shape for f in frames} == {(120, 160)}  # 320x240 source
    assert {f.scale for f in frames} == {2.0} and frames[0].gray.dtype == np.uint8
    assert [f.time for f in frames] == sorted(f.time for f in frames)
    assert len(list(read_motion_frames(probe(small_video), (1.0, 2.0)))) == 25


def test_motion_subjects_for_a_clip_with_a_cut(tmp_path, record_property):
    """Through the real reader and a two-span schedule (a pause trimmed out), as `vidkit clip`
    does when it finds no face."""
    clip = render(SCENARIOS["moving"], size=SIZE, fps=FPS, seconds=SECONDS)
    source = write_clip(clip, tmp_path / "moving.mp4", audio=False)
    info = probe(source)
    spans = [(0.5, 2.0), (3.0, 4.8)]
    schedule = build_schedule(frame_times(info, 0.5, 4.8), spans, source_rate(info))
    done = []
    subjects = reframe.motion_subjects_for(info, schedule, done.append)
    assert len(subjects) == schedule.frames
    assert done and done[-1] == pytest.approx(schedule.duration, abs=0.1)
    cut = schedule.spans[0].frames
    crops = crop_path(subjects, info.video.display_size, (9, 16), FPS, cuts=[cut])
    assert abs(crops[cut].x - crops[cut - 1].x) > max_step(SIZE[0], FPS)  # the face jumped: so may the crop
    truth = primary_truth(clip)
    inside = crop_stats(crops, [truth[round(t * FPS)] for t in schedule.times])
    report(record_property, "moving, cut, motion through the reader", inside)
    assert inside >= 0.8


def test_motion_finds_nothing_in_a_still_scene():
    still = [np.full((90, 160), 120, np.uint8)] * 10
    assert motion_subjects(still) == [[]] * 10
    assert motion_subjects(still[:1]) == [[]]


@pytest.mark.parametrize("size,source,expected", [
    ("1080", (640, 360), (1080, 1920)), ("720", (1920, 1080), (720, 1280)),
    ("auto", (1280, 720), (720, 1280)), ("auto", (640, 360), (720, 1280)),
    ("auto", (1920, 1080), (1080, 1920)), ("auto", (1080, 1920), (1080, 1920)), ("auto", (3840, 2160), (1080, 1920))])
def test_clip_size_chooses_the_class_of_the_output(size, source, expected):
    assert output_size((9, 16), source, size) == expected


def test_720_sizes_are_two_thirds_and_even():
    assert [output_size(a, None, "720") for a in ASPECTS] == [(720, 1280), (720, 720), (720, 900), (1280, 720)]


def test_an_unknown_clip_size_is_refused():
    with pytest.raises(BadInputError, match="clip.size '4k'"):
        output_size((9, 16), (1920, 1080), "4k")
