"""The synthetic face clips' ground truth is exact, and the leak measure tells leaks from fills."""

import dataclasses
import json
import math
from collections.abc import Iterator

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.faces import (
    SCENARIOS,
    FaceTrack,
    Pose,
    Scenario,
    face_boxes,
    face_images,
    read_frames,
    read_truth,
    render,
    write_clip,
)
from tests.support.leak import LEAK_THRESHOLD, MIN_SIZE, MIN_VISIBLE, face_detail, leaks


def _still(image: str, pose: Pose, **extra) -> Scenario:
    return Scenario("still", "", 0.2, (1280, 720), (FaceTrack(image, lambda t: pose),), **extra)


def _filled(clip, part=lambda box: np.s_[:, :]):
    """The clip's frames with (part of) every truth box painted black: a stand-in anonymiser."""
    for frame, boxes in zip(clip.frames, clip.truth):
        frame = frame.copy()
        for _, x, y, w, h, _ in boxes:
            frame[y:y + h, x:x + w][part((w, h))] = 0
        yield frame


def test_face_images_and_boxes():
    images, boxes = face_images(), face_boxes()
    assert set(images) == set(boxes) >= {"astronaut", "grace_hopper", "astronaut_flipped"}
    for name, crop in images.items():
        h, w, channels = crop.shape
        assert crop.dtype == np.uint8 and channels == 3 and 0.8 < w / h < 1.25
        x, y, bw, bh = boxes[name]
        assert 0 <= x and x + bw <= w and 0 <= y and y + bh <= h  # hair around, face inside
        assert bw * bh < 0.6 * w * h
    flipped = images["astronaut_flipped"]
    assert np.array_equal(flipped, images["astronaut"][:, ::-1])
    x, y, bw, bh = boxes["astronaut"]
    assert boxes["astronaut_flipped"] == (flipped.shape[1] - x - bw, y, bw, bh)


def test_truth_box_is_exactly_the_pasted_face():
    # Native scale, pixel-aligned: the face box pixels must be copied verbatim.
    x, y, bw, bh = face_boxes()["astronaut"]
    pose = Pose((600 + bw / 2) / 1280, (300 + bh / 2) / 720, bw)
    clip = render(_still("astronaut", pose), seconds=0.04)
    assert clip.truth == [[(0, 600, 300, bw, bh, 1.0)]]
    frame = next(clip.frames)
    pasted = face_images()["astronaut"][y:y + bh, x:x + bw]
    assert np.array_equal(frame[300:300 + bh, 600:600 + bw], pasted)


@pytest.mark.parametrize("name", ["rotating", "turning", "two_faces", "dim"])
def test_truth_boxes_cover_changed_pixels(name):
    scenario = SCENARIOS[name]
    clip = render(scenario, size=(640, 360), seconds=1.0)
    empty = render(dataclasses.replace(scenario, faces=()), size=(640, 360), seconds=1.0)
    checked = 0
    for i, (frame, background) in enumerate(zip(clip.frames, empty.frames)):
        if i % 6:
            continue
        for _, x, y, w, h, visible in clip.truth[i]:
            if visible == 1.0:
                region = np.s_[y:y + h, x:x + w]
                changed = np.abs(frame[region].astype(int) - background[region]).max(axis=2)
                assert (changed > 12).mean() > 0.85  # the face is pasted over the whole box
                checked += 1
    assert checked >= 3


def test_rotated_box_is_the_bounding_box_of_the_turned_face():
    _, _, bw, bh = face_boxes()["astronaut"]
    clip = render(SCENARIOS["rotating"], seconds=0.6)  # 25 degrees at t = 0.5 s
    (box,) = clip.truth[12]
    a, s = math.radians(25), 130 / bw
    assert box.w == pytest.approx(s * (bw * math.cos(a) + bh * math.sin(a)), abs=2)
    assert box.h == pytest.approx(s * (bw * math.sin(a) + bh * math.cos(a)), abs=2)
    assert box.visible_fraction == 1.0  # the corners outside the face are not counted


@settings(max_examples=40, deadline=None)
@given(cx=st.floats(-0.2, 1.2), cy=st.floats(-0.2, 1.2), width=st.floats(8, 400),
       angle=st.floats(-40, 40), squeeze=st.floats(0.25, 1.0))
def test_boxes_are_clipped_to_the_frame(cx, cy, width, angle, squeeze):
    clip = render(_still("grace_hopper", Pose(cx, cy, width, angle, squeeze)),
                  size=(320, 180), seconds=0.04)
    for box in clip.truth[0]:
        assert 0 <= box.x and box.x + box.w <= 320 and 0 <= box.y and box.y + box.h <= 180
        assert 0 < box.visible_fraction <= 1
        if box.visible_fraction < 1:
            assert box.x == 0 or box.y == 0 or box.x + box.w == 320 or box.y + box.h == 180


def test_leaving_face_is_partial_then_absent_then_back():
    clip = render(SCENARIOS["leaving"])
    fractions = [boxes[0].visible_fraction if boxes else 0.0 for boxes in clip.truth]
    assert fractions[0] == 1.0 and fractions[-1] == 1.0
    partial = [i for i, f in enumerate(fractions) if 0 < f < 0.9]
    gone = [i for i, f in enumerate(fractions) if f == 0]
    assert partial and gone and min(partial) < min(gone) and max(gone) < max(partial)
    for i in partial:
        box = clip.truth[i][0]
        assert box.x + box.w == 1280  # cut at the right edge


def test_occluded_face_hides_behind_the_pillar():
    clip = render(SCENARIOS["occluded"])
    x0, x1 = round(0.42 * 1280), round(0.58 * 1280)
    fractions = [boxes[0].visible_fraction if boxes else 0.0 for boxes in clip.truth]
    assert fractions[0] == 1.0 and fractions[-1] == 1.0
    assert 0 in fractions and any(0 < f < 0.5 for f in fractions)
    for boxes in clip.truth:
        for box in boxes:
            assert box.x + box.w <= x0 or box.x >= x1  # never reaches into the pillar
            if box.visible_fraction < 1:  # the pillar cuts a rectangle off one side
                bw, bh = face_boxes()["astronaut"][2:]
                full_area = 120 * (120 * bh / bw)
                assert box.w * box.h == pytest.approx(box.visible_fraction * full_area, rel=0.05)


def test_crossing_faces_hide_the_one_behind():
    clip = render(SCENARIOS["two_faces"])
    back = [b.visible_fraction for boxes in clip.truth for b in boxes if b.face_id == 0]
    front = [b.visible_fraction for boxes in clip.truth for b in boxes if b.face_id == 1]
    assert min(back) < 0.5 or len(back) < len(clip.truth)
    assert min(front) == 1.0


def test_scenario_sizes():
    widths = {name: [b.w for boxes in render(scenario).truth for b in boxes]
              for name, scenario in SCENARIOS.items()}
    assert min(widths["scaling"]) <= 42 and max(widths["scaling"]) >= 195
    assert 33 <= min(widths["small"]) and max(widths["small"]) <= 47
    assert all(len(boxes) == 4 for boxes in render(SCENARIOS["small"]).truth)
    assert 27 <= min(widths["small_1080"]) and max(widths["small_1080"]) <= 33
    assert min(widths["turning"]) < 0.4 * max(widths["turning"])
    assert render(SCENARIOS["small_1080"]).size == (1920, 1080)


def test_frames_are_lazy_and_repeatable():
    clip = render(SCENARIOS["moving"], size=(320, 180), seconds=0.4)
    assert isinstance(clip.frames, Iterator)
    first, again = list(clip.frames), list(clip.frames)
    assert len(first) == len(clip.truth) == 10
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert first[0].shape == (180, 320, 3) and first[0].dtype == np.uint8
    assert not np.array_equal(first[0], first[-1])  # the scene moves


def test_dim_scenario_is_dark_and_noisy():
    dim = next(render(SCENARIOS["dim"], size=(320, 180)).frames).astype(float)
    bright = next(render(dataclasses.replace(SCENARIOS["dim"], brightness=1.0, noise=0.0),
                         size=(320, 180)).frames).astype(float)
    assert 0.25 < dim.mean() / bright.mean() < 0.35
    assert np.std(dim - 0.3 * bright) > 2  # noise on top of the dimming


def test_write_clip_video_audio_and_truth(tmp_path):
    clip = render(SCENARIOS["occluded"], size=(320, 180), seconds=1.0)
    path = write_clip(clip, tmp_path / "occluded.mp4")
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 320, 180)
        assert video.codec_context.pix_fmt == "yuv420p"
        assert container.streams.audio[0].codec_context.name == "aac"
    decoded = list(read_frames(path))
    assert len(decoded) == len(clip.truth) == 25
    data = json.loads((tmp_path / "occluded.truth.json").read_text())
    assert data["fps"] == 25 and data["size"] == [320, 180] and len(data["frames"]) == 25
    assert read_truth(path).truth == clip.truth
    assert np.abs(decoded[0].astype(int) - next(clip.frames)).mean() < 3  # CRF 18 is close


def test_face_detail_extremes():
    face = face_images()["grace_hopper"]
    assert face_detail(face, face) == pytest.approx(1.0)
    assert face_detail(face, np.zeros_like(face)) < 0.05
    assert face_detail(face, np.full_like(face, 128)) < 0.05
    half = face.copy()
    half[:, : face.shape[1] // 2] = 0
    assert face_detail(face, half) > LEAK_THRESHOLD  # a half-covered face is recognisable
    with pytest.raises(ValueError):
        face_detail(face, face[1:])


@pytest.fixture(scope="module")
def moving():
    """The moving face at 640x360 (60 px wide) for one second."""
    return render(SCENARIOS["moving"], size=(640, 360), seconds=1.0)


def _judged(clip):
    return sum(b.visible_fraction >= MIN_VISIBLE and min(b.w, b.h) >= MIN_SIZE
               for boxes in clip.truth for b in boxes)


def _encode(clip, frames, path):
    write_clip(dataclasses.replace(clip, make_frames=lambda: frames), path, audio=False, crf=23)
    return read_frames(path)


def test_leaks_flags_an_untouched_reencoded_clip(moving, tmp_path):
    found = leaks(moving.frames, _encode(moving, moving.frames, tmp_path / "a.mp4"), moving.truth)
    assert len(found) == _judged(moving) == 25
    assert min(leak.similarity for leak in found) > 0.8


def test_leaks_passes_solid_filled_faces(moving, tmp_path):
    output = _encode(moving, _filled(moving), tmp_path / "b.mp4")
    assert leaks(moving.frames, output, moving.truth) == []


def test_leaks_flags_half_filled_faces(moving, tmp_path):
    output = _encode(moving, _filled(moving, lambda wh: np.s_[:, : wh[0] // 2]), tmp_path / "c.mp4")
    assert len(leaks(moving.frames, output, moving.truth)) == _judged(moving)


def test_leaks_rejects_a_short_output(moving):
    with pytest.raises(ValueError, match="output frames end"):
        leaks(moving.frames, list(moving.frames)[:-1], moving.truth)
