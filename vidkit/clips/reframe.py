"""Reframing for `vidkit clip --aspect`: one crop window per frame that follows the subject.

The subject is a face track when there are faces (`subjects_from_tracks`), otherwise a motion
signal (`vidkit.clips.motion`); with neither the crop stays in the centre. The work is offline,
so the path is planned over the whole clip at once:

1. a target per frame: the subject's centre, pulled towards other people who fit beside it;
   short gaps are interpolated, the ends held;
2. a dead zone (the camera moves only when the target pushes it) run forwards and backwards,
   then a zero-phase Gaussian: a still patient gives a still crop, a walking one a smooth pan;
3. a feasible corridor: for every frame the crop positions that keep the subject inside with
   a margin *and* can be reached at the pan-speed limit from the frames around it. Computing it
   backwards as well as forwards is the lookahead: when the subject will outrun the limit, the
   crop starts panning early instead of losing it;
4. the smoothed target clamped into that corridor frame by frame, smoothed once more and
   clamped again, then snapped to even pixels (yuv420p crops need even offsets).

Each shot (the clip between cuts, where trimmed pauses were taken out) is planned on its own.

All positions are pixels of the upright source frame; speeds are pixels per frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vidkit.errors import BadInputError
from vidkit.faces.detect import Box
from vidkit.faces.tracks import DETECTED, FILLED, VERIFIED, Track, link

if TYPE_CHECKING:
    from vidkit.clips.schedule import Schedule
    from vidkit.media.probe import MediaInfo

# Output sizes are fixed per aspect, whatever the source: YouTube Shorts and the other
# platforms expect these exact sizes, so a small source is scaled up rather than sent small.
OUTPUT_SIZES = {(9, 16): (1080, 1920), (1, 1): (1080, 1080), (4, 5): (1080, 1350),
                (16, 9): (1920, 1080)}

# Per frame: (track id, face box) for each subject visible in it.
Subjects = Sequence[Sequence[tuple[int, Box]]]


@dataclass(frozen=True)
class Crop:
    """A crop window in upright source pixels: top-left corner and size, all even."""

    x: int
    y: int
    w: int
    h: int


def parse_aspect(text: str) -> tuple[int, int]:
    """`9:16`, `1:1`, `4:5` or `16:9` (also written `9x16`) → (9, 16); anything else is a
    BadInputError naming the choices."""
    parts = str(text).strip().lower().replace("x", ":").split(":")
    aspect = None
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        aspect = (int(parts[0]), int(parts[1]))
    if aspect not in OUTPUT_SIZES:
        choices = ", ".join(f"{a}:{b}" for a, b in OUTPUT_SIZES)
        raise BadInputError(f"unknown aspect {text!r}; use one of {choices}")
    return aspect


SIZES = ("1080", "720", "auto")  # [clip] size


def output_size(aspect: tuple[int, int], source_size: tuple[int, int] | None = None,
                size: str = "1080") -> tuple[int, int]:
    """The encoded size in pixels for an aspect. "1080": 9:16 → 1080x1920 (Shorts), 1:1 →
    1080x1080, 4:5 → 1080x1350, 16:9 → 1920x1080 (OUTPUT_SIZES), whatever `source_size` is,
    so a 360p source is scaled up rather than published small. "720": two thirds of those
    (720x1280, ...). "auto": 720 for a source whose shorter side is under 1080 pixels (its
    crop is at most 720 pixels tall or 405 wide: 720x1280 already scales it up), else 1080."""
    if size not in SIZES:
        raise BadInputError(f"clip.size {size!r}: use one of {', '.join(SIZES)}")
    if size == "auto":
        size = "720" if source_size is not None and min(source_size) < 1080 else "1080"
    width, height = OUTPUT_SIZES[aspect]
    return (width, height) if size == "1080" else (width * 2 // 3, height * 2 // 3)


def _even_floor(value: float) -> int:
    return int(math.floor(value + 1e-6)) // 2 * 2


def crop_size(aspect: tuple[int, int], source_size: tuple[int, int]) -> tuple[int, int]:
    """The largest crop of `aspect` inside the source, (width, height) in even pixels.

    Rounding to even makes the crop's shape differ from the aspect by at most 2 pixels
    (under 1% from 200 px up); scaling to `output_size` absorbs that."""
    a, b = aspect
    width, height = source_size
    if width * b >= height * a:  # the source is wider than the target: keep the full height
        ch = _even_floor(height)
        cw = _even_floor(ch * a / b)
    else:
        cw = _even_floor(width)
        ch = _even_floor(cw * b / a)
    return max(cw, 2), max(ch, 2)


# ---------------------------------------------------------------------------- subjects

def subjects_from_tracks(tracks: Sequence[Track], frame_count: int) -> list[list[tuple[int, Box]]]:
    """Per frame, (track id, box) of each track that was detected there or interpolated
    between detections. Extended boxes (guesses grown past a track's ends, made for the
    privacy mask) are left out: the crop should not chase a guess."""
    frames: list[list[tuple[int, Box]]] = [[] for _ in range(frame_count)]
    for track in tracks:
        for frame, track_box in track.boxes.items():
            if 0 <= frame < frame_count and track_box.kind in (DETECTED, FILLED, VERIFIED):
                frames[frame].append((track.id, track_box.box))
    return frames


def subjects_from_boxes(boxes: Sequence[Sequence[Box]]) -> list[list[tuple[int, Box]]]:
    """Give bare per-frame boxes (e.g. from `motion_subjects`) an identity by linking them
    from frame to frame, as face tracks are linked."""
    frames: list[list[tuple[int, Box]]] = [[] for _ in boxes]
    for track in link(boxes):
        for frame, track_box in track.boxes.items():
            frames[frame].append((track.id, track_box.box))
    return frames


def subject_scores(subjects: Subjects, source_size: tuple[int, int]) -> dict[int, float]:
    """How much each track deserves the crop: summed over its frames, the box's size
    (sqrt of area, pixels) weighted by how central it is (1 in the middle, 0.5 at an edge).

    Presence and size pick the patient over a passer-by; the centre weight breaks the tie
    with a therapist, who on a CAREN recording stands beside the treadmill, not on it."""
    half = source_size[0] / 2
    scores: dict[int, float] = {}
    for frame in subjects:
        for tid, box in frame:
            central = 1 - min(1.0, abs(box.x + box.w / 2 - half) / half)
            size = math.sqrt(max(box.w, 0) * max(box.h, 0))
            scores[tid] = scores.get(tid, 0.0) + size * (0.5 + 0.5 * central)
    return scores


def _missing_runs(present: Sequence[bool]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, seen in enumerate([*present, True]):
        if not seen and start is None:
            start = i
        elif seen and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _followed(subjects: Subjects, ranking: list[int], hold: int) -> list[tuple[int, Box] | None]:
    """The box to follow in each frame: the primary track's; where it is missing for more
    than `hold` frames, the best-ranked other track present (a stand-in); else None."""
    by_id = [dict(frame) for frame in subjects]
    primary = ranking[0]
    followed = [(primary, f[primary]) if primary in f else None for f in by_id]
    for start, end in _missing_runs([f is not None for f in followed]):
        if end - start <= hold:
            continue  # a short miss: interpolating beats jumping to someone else
        for i in range(start, end):
            stand_in = next((tid for tid in ranking[1:] if tid in by_id[i]), None)
            if stand_in is not None:
                followed[i] = (stand_in, by_id[i][stand_in])
    return followed


# ---------------------------------------------------------------------------- one axis

def _extent(box: Box, axis: int) -> tuple[float, float]:
    return (box.x, box.x + box.w) if axis == 0 else (box.y, box.y + box.h)


def _keep_interval(a0: float, a1: float, size: float, crop: float, margin: float) -> tuple[float, float]:
    """Crop starts (pixels) that keep [a0, a1] inside with `margin` each side, within the
    frame; less margin, then the centred position, when the subject is too big for that."""
    limit = size - crop
    a0, a1 = max(a0, 0.0), min(a1, size)  # only the visible part can be kept in view
    for pad in (margin, 0.0):
        lo, hi = min(max(a1 + pad - crop, 0.0), limit), min(max(a0 - pad, 0.0), limit)
        if lo <= hi:
            return lo, hi
    centred = min(max((a0 + a1 - crop) / 2, 0.0), limit)
    return centred, centred


def _targets(followed, companions, axis: int, size: float, crop: float, margin: float):
    """Per frame: the wanted crop start (NaN where nobody is followed), and the intervals of
    starts that keep the followed box inside with the margin, and with none."""
    n = len(followed)
    target = np.full(n, np.nan)
    keep = np.stack([np.zeros(n), np.full(n, size - crop)])
    inside = keep.copy()
    for i, entry in enumerate(followed):
        if entry is None:
            continue
        tid, box = entry
        a0, a1 = _extent(box, axis)
        # +2 px: snapping to even pixels may move the crop by up to 2 px.
        keep[:, i] = _keep_interval(a0, a1, size, crop, margin * (a1 - a0) + 2)
        inside[:, i] = _keep_interval(a0, a1, size, crop, 2)
        centre, total = (a0 + a1) / 2, 1.0
        for other_id, other in companions[i]:
            if other_id == tid:
                continue
            b0, b1 = _extent(other, axis)
            u0, u1 = min(a0, b0), max(a1, b1)
            # Weight 1 when both fit with a quarter of the crop to spare, fading to 0 as they
            # stop fitting, so the target never jumps when someone walks off.
            spare = crop - (u1 - u0) - 2 * margin * (a1 - a0)
            weight = min(max(spare / (0.25 * crop), 0.0), 1.0)
            centre += weight * (u0 + u1) / 2
            total += weight
        # Not clamped to the frame yet: a subject leaving at an edge should pull the smoothed
        # path all the way to that edge, not stop a dead zone short of it.
        target[i] = centre / total - crop / 2
    return target, keep, inside


def _lazy(values: np.ndarray, dead_zone: float) -> np.ndarray:
    """A camera that moves only when the value leaves ±dead_zone around it."""
    out = np.empty_like(values)
    position = values[0]
    for i, v in enumerate(values):
        position = min(max(position, v - dead_zone), v + dead_zone)
        out[i] = position
    return out


def _gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing (sigma in frames), the ends padded with their values."""
    if sigma < 0.5 or len(values) < 2:
        return values
    radius = int(math.ceil(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    padded = np.pad(values, radius, mode="edge")
    return np.convolve(padded, kernel / kernel.sum(), mode="valid")


def _corridor(keep: np.ndarray, step: float, limit: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """Per frame, the crop starts inside the keep interval (keep[0], keep[1]) that are
    reachable at `step` pixels per frame from a valid start in the frames before *and after*.
    Where the subject cannot be kept (it outruns the limit), the closest reachable start
    is used instead, and the flag returned is False."""
    lo, hi = keep
    n = len(lo)
    low, high = np.empty(n), np.empty(n)
    prev = (0.0, limit)
    kept = True
    for i in range(n):
        r0, r1 = max(prev[0] - step, 0.0), min(prev[1] + step, limit)
        a, b = max(r0, lo[i]), min(r1, hi[i])
        if a > b:
            a = b = r1 if r1 < lo[i] else r0
            kept = False
        low[i], high[i] = prev = (a, b)
    for i in range(n - 2, -1, -1):  # backwards: this is the lookahead
        a, b = max(low[i], low[i + 1] - step), min(high[i], high[i + 1] + step)
        low[i], high[i] = (a, b) if a <= b else ((a + b) / 2,) * 2  # (b < a only by rounding)
    return low, high, kept


def _follow(target: np.ndarray, low: np.ndarray, high: np.ndarray, step: float) -> np.ndarray:
    """The target clamped into the corridor and to `step` pixels per frame; the corridor
    guarantees both can hold at once."""
    out = np.empty_like(target)
    position = min(max(target[0], low[0]), high[0])
    for i, t in enumerate(target):
        a, b = max(low[i], position - step), min(high[i], position + step)
        if a > b:  # rounding only
            a = b = (a + b) / 2
        position = out[i] = min(max(t, a), b)
    return out


def _snap_even(path: np.ndarray, limit: float) -> list[int]:
    """Even pixels, moving only when the path is 2 px away: no flicker between neighbours."""
    top = _even_floor(limit)
    snapped = [min(max(2 * round(path[0] / 2), 0), top)]
    for p in path[1:]:
        snapped.append(min(max(snapped[-1] + 2 * int((p - snapped[-1]) / 2), 0), top))
    return snapped


def _plan_axis(target, keep, inside, limit: float, step: float, sigma: float,
               dead_zone: float) -> list[int]:
    if limit <= 0:
        return [0] * len(target)
    known = ~np.isnan(target)
    if not known.any():
        filled = np.full(len(target), limit / 2)  # nobody to follow: the centre
    else:
        index = np.arange(len(target))
        filled = np.interp(index, index[known], target[known])  # holds the ends
    smooth = (_lazy(filled, dead_zone) + _lazy(filled[::-1], dead_zone)[::-1]) / 2
    smooth = _gaussian(smooth, sigma)
    # Snapping to even pixels may add up to 2 px to a step; plan 1 px slower to stay within +1.
    plan_step = max(step - 1, step / 2)
    low, high, kept = _corridor(keep, plan_step, limit)
    if not kept:  # somewhere the subject outruns the pan: give up the margin, not the subject
        low, high, _ = _corridor(inside, plan_step, limit)
    path = _follow(smooth, low, high, plan_step)
    path = _follow(_gaussian(path, sigma / 2), low, high, plan_step)  # round off clamp corners
    return _snap_even(path, limit)


# ---------------------------------------------------------------------------- the path

def crop_path(subjects: Subjects, source_size: tuple[int, int], aspect: tuple[int, int] | str,
              fps: float, *, max_pan: float = 0.35, smooth_seconds: float = 0.6,
              margin: float = 0.25, dead_zone: float = 0.03, hold_seconds: float = 2.0,
              cuts: Sequence[int] = ()) -> list[Crop]:
    """One crop per frame (len(subjects) frames) that follows the main subject.

    subjects: per frame, (track id, box) pairs in upright source pixels, e.g. from
    `subjects_from_tracks`; the id says which boxes are the same person, which is what lets
    the crop stay with the patient when the therapist steps into view.
    source_size: (width, height) pixels. fps: frames per second.
    max_pan: fastest pan, as a fraction of the source width per second (both axes).
    smooth_seconds: the Gaussian's sigma is half of this. margin: room kept around the
    followed box, as a fraction of its size. dead_zone: target moves smaller than this
    fraction of the crop size do not move the crop. hold_seconds: a primary subject missing
    for longer than this is stood in for by the next-best subject present. cuts: indices of
    frames that start a new shot (where trimmed pauses were cut out): the crop may jump there,
    and each shot is planned alone.
    """
    if isinstance(aspect, str):
        aspect = parse_aspect(aspect)
    width, height = source_size
    cw, ch = crop_size(aspect, source_size)
    n = len(subjects)
    if n == 0:
        return []
    scores = subject_scores(subjects, source_size)
    ranking = sorted(scores, key=lambda tid: (-scores[tid], tid))
    if ranking:
        followed = _followed(subjects, ranking, round(hold_seconds * fps))
        # Others only pull the crop if they are more than a brief false detection.
        company = {tid for tid in ranking if scores[tid] >= 0.2 * scores[ranking[0]]}
        companions = [[(tid, box) for tid, box in frame if tid in company] for frame in subjects]
    else:
        followed, companions = [None] * n, [[] for _ in range(n)]
    step = max_pan * width / fps
    sigma = smooth_seconds / 2 * fps
    shots = sorted({0, n, *(c for c in cuts if 0 < c < n)})
    axes = []
    for axis, size, crop in ((0, width, cw), (1, height, ch)):
        target, keep, inside = _targets(followed, companions, axis, size, crop, margin)
        path: list[int] = []
        for a, b in zip(shots, shots[1:]):
            path += _plan_axis(target[a:b], keep[:, a:b], inside[:, a:b], size - crop, step,
                               sigma, dead_zone * crop)
        axes.append(path)
    return [Crop(x, y, cw, ch) for x, y in zip(*axes)]


def crop_stats(crops: Sequence[Crop], boxes: Sequence[object | None], slack: float = 0.0) -> float:
    """Fraction of frames whose box (anything with x, y, w, h in source pixels; None where
    the subject is not in the picture) lies fully inside that frame's crop, widened by `slack`
    pixels on each side. 1.0 if no box."""
    inside = total = 0
    for crop, box in zip(crops, boxes):
        if box is None:
            continue
        total += 1
        inside += (crop.x - slack <= box.x and crop.y - slack <= box.y
                   and box.x + box.w <= crop.x + crop.w + slack and box.y + box.h <= crop.y + crop.h + slack)
    return inside / total if total else 1.0


def motion_subjects_for(info: MediaInfo, schedule: Schedule,
                        on_progress: Callable[[float], None] | None = None) -> list[list[tuple[int, Box]]]:
    """Subjects from motion for each frame of a clip `schedule` (vidkit.clips.schedule), for
    when no face was found. Reads the source frames the clip spans (the one IO function here);
    motion is measured between neighbouring source frames, then mapped to the clip's frames.
    on_progress: called with the clip seconds done so far."""
    from vidkit.clips.motion import motion_subjects, read_motion_frames

    start, end = min(schedule.times), max(schedule.times)
    frames = []
    for frame in read_motion_frames(info, (start, end + 1 / float(schedule.rate))):
        frames.append(frame)
        if on_progress is not None:
            on_progress(schedule.duration * min(1.0, (frame.time - start) / max(end - start, 1e-9)))
    if not frames:
        return [[] for _ in schedule.pts]
    found = motion_subjects((f.gray for f in frames), frames[0].scale)
    by_pts = {f.pts: boxes for f, boxes in zip(frames, found)}
    return subjects_from_boxes([by_pts.get(pts, []) for pts in schedule.pts])
