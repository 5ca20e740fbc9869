"""A person signal without faces: where in the frame things move, for reframing.

A CAREN recording is shot from a fixed camera: the room is static and the patient on the
treadmill moves (arms, legs, head bob). Two things move without being a person: the VR
screen's scenery scrolls and the treadmill belt runs, and both do so in nearly every frame at
the same place. So motion is found by frame differencing on small grey frames, and each
pixel's motion is weighted by how rarely that pixel moves over the clip: a person crossing the
room counts fully, the belt and the screen's texture hardly at all. Of the moving regions in
a frame the heaviest wins, with a preference for staying near the previous one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from vidkit.faces.detect import Box

if TYPE_CHECKING:
    from vidkit.media.probe import MediaInfo

# Pixels along the longer side: a walker is still ~20 px wide, and a frame's mask is ~14 KB.
MOTION_SIZE = 160


def small_gray(bgr: np.ndarray, long_side: int = MOTION_SIZE) -> np.ndarray:
    """A BGR (or grey) frame as a grey uint8 image `long_side` pixels along its longer side."""
    import cv2

    h, w = bgr.shape[:2]
    factor = long_side / max(h, w)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    return cv2.resize(gray, (max(2, round(w * factor)), max(2, round(h * factor))),
                      interpolation=cv2.INTER_AREA)


def _moving(before: np.ndarray, after: np.ndarray, threshold: float) -> np.ndarray:
    """0/1 mask of pixels that changed, without specks and with nearby parts joined."""
    import cv2

    # The threshold is a share of the frame's contrast, so a dim room still shows motion.
    low, high = np.percentile(after, (2, 98))
    mask = (cv2.absdiff(before, after) > max(threshold * (high - low), 3.0)).astype(np.uint8)
    # Opening drops 1-px lines (edges of slowly scrolling scenery, noise); closing joins a
    # head to its shoulders and swinging arms to the body.
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    size = max(3, mask.shape[1] // 20) | 1
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))


def motion_subjects(frames_gray: Iterable[np.ndarray], scale: float = 1.0, *, lag: int = 2,
                    threshold: float = 0.08, min_area: float = 0.004) -> list[list[Box]]:
    """Per frame, at most one pseudo face box around the main moving region, in full-frame
    pixels (`scale` = full-frame pixels per pixel of the given frames); [] where nothing moves.

    frames_gray: small grey uint8 frames (see `small_gray`), all the same size. lag: frames
    between the two compared (2 sees slow walking better than 1). threshold: the smallest
    change that counts, as a fraction of the frame's contrast (2nd to 98th percentile).
    min_area: smallest region, as a fraction of the frame (0.004: about a head and shoulders
    of a walker filling half the frame height). Keeps one small mask per frame (~14 KB at
    160x90), so it is meant for clips, not whole sessions.
    """
    import cv2

    recent: list[np.ndarray] = []
    masks: list[np.ndarray] = []
    for gray in frames_gray:
        recent.append(cv2.GaussianBlur(gray, (3, 3), 0))
        if len(recent) > lag:
            masks.append(_moving(recent.pop(0), recent[-1], threshold))
    if not masks:
        return [[] for _ in range(len(recent))]
    masks = [masks[0]] * lag + masks  # the first frames have nothing `lag` before them
    moved = np.zeros(masks[0].shape, np.float64)
    for mask in masks:
        moved += mask
    rarity = (1.0 - moved / len(masks)).ravel()  # ~1 where things rarely move, ~0 on the belt
    height, width = masks[0].shape
    min_pixels = min_area * width * height
    last = (width / 2, height / 2)  # start by preferring the centre
    found: list[list[Box]] = []
    for mask in masks:
        count, labels, stats, centres = cv2.connectedComponentsWithStats(mask, connectivity=8)
        weight = np.bincount(labels.ravel(), weights=rarity, minlength=count)
        best, best_score = 0, 0.0
        for k in range(1, count):
            if weight[k] < min_pixels:
                continue
            distance = math.dist(centres[k], last) / width
            score = weight[k] / (1 + 4 * distance)  # a region a quarter-frame away counts half
            if score > best_score:
                best, best_score = k, score
        if not best:
            found.append([])
            continue
        x, y, w, h, area = (int(v) for v in stats[best])
        last = tuple(centres[best])
        share = float(min(1.0, weight[best] / area))  # how rarely its pixels move, as a score
        found.append([Box(x * scale, y * scale, w * scale, h * scale, share, "motion")])
    return found


class MotionFrame(NamedTuple):
    """One decoded frame, small and grey, with where it sits in the source."""

    pts: int
    time: float  # seconds
    gray: np.ndarray  # small grey upright frame, uint8
    scale: float  # full-frame pixels per pixel of `gray`


def read_motion_frames(info: MediaInfo, window: tuple[float, float] | None = None,
                       long_side: int = MOTION_SIZE) -> Iterator[MotionFrame]:
    """Small grey upright frames of a video for `motion_subjects`: all of them, or those in
    `window` (start <= time < end, seconds)."""
    import cv2

    from vidkit.media.frames import read_bgr

    for frame in read_bgr(info, lambda index: [long_side], window):
        image, scale = frame.images[long_side]
        yield MotionFrame(frame.pts, frame.time, cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), scale)
