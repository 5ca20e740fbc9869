"""Tracks only ever add coverage: every detection is covered, gaps filled, both ends extended."""

from hypothesis import given, settings
from hypothesis import strategies as st

from vidkit.faces.detect import Box
from vidkit.faces.mask import Margins, region
from vidkit.faces.tracks import DETECTED, EXTENDED, FILLED, TrackRules, build_tracks, link

SIZE = (640, 360)


def moving_face(frames: int, missing: set[int] = frozenset(), x0: float = 100, speed: float = 4):
    return [[] if f in missing else [Box(x0 + speed * f, 100, 50, 60, 0.9)] for f in range(frames)]


def test_gap_is_filled_by_interpolation():
    detections = moving_face(20, missing={8, 9, 10})
    (track,) = build_tracks(detections, SIZE, TrackRules(extend=0))
    assert [track.boxes[f].kind for f in (8, 9, 10)] == [FILLED] * 3
    assert track.boxes[9].box.x == 100 + 4 * 9  # linear motion is recovered exactly


def test_track_is_extended_both_ways_and_follows_motion():
    detections = [[] for _ in range(40)]
    for f in range(15, 25):
        detections[f] = [Box(100 + 4 * f, 100, 50, 60, 0.9)]
    (track,) = build_tracks(detections, SIZE, TrackRules(extend=5))
    assert track.first == 10 and track.last == 29
    assert track.boxes[10].kind == EXTENDED and track.boxes[29].kind == EXTENDED
    # Extrapolated along the motion, and grown: the guessed box still holds the true face.
    truth = Box(100 + 4 * 10, 100, 50, 60)
    guess = track.boxes[10].box
    assert guess.x <= truth.x and guess.x + guess.w >= truth.x + truth.w


def test_two_faces_crossing_stay_two_tracks():
    detections = [[Box(50 + 10 * f, 100, 50, 60, 0.9), Box(500 - 10 * f, 110, 50, 60, 0.9)] for f in range(40)]
    tracks = link(detections, TrackRules())
    assert len(tracks) == 2
    assert all(len(t.boxes) == 40 for t in tracks)


def test_extension_stays_inside_the_video():
    detections = moving_face(10) + [[] for _ in range(20)]
    (track,) = build_tracks(detections, SIZE, TrackRules(extend=13))
    assert track.first == 0 and track.last == 9 + 13
    (short,) = build_tracks(moving_face(10), SIZE, TrackRules(extend=13))
    assert short.last == 9  # no frames invented past the end of the video


boxes = st.builds(Box, st.floats(0, 600), st.floats(0, 320), st.floats(12, 200), st.floats(12, 200),
                  st.floats(0.3, 1.0))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(boxes, max_size=4), min_size=1, max_size=40))
def test_every_detection_is_painted(detections):
    """Property: whatever the detections, the painted region of its frame contains each one."""
    tracks = build_tracks(detections, SIZE)
    margins = Margins()
    for frame, found in enumerate(detections):
        painted = [region(t.boxes[frame], SIZE, margins) for t in tracks if frame in t.boxes]
        for det in found:
            x0, y0 = max(0, det.x), max(0, det.y)
            x1, y1 = min(SIZE[0], det.x + det.w), min(SIZE[1], det.y + det.h)
            if x1 <= x0 or y1 <= y0:
                continue
            assert any(px0 <= x0 + 1e-6 and py0 <= y0 + 1e-6 and px1 >= x1 - 1e-6 and py1 >= y1 - 1e-6
                       for px0, py0, px1, py1 in painted), (frame, det, painted)
    assert sum(t.count(DETECTED) for t in tracks) == sum(len(d) for d in detections)
