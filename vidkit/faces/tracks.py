"""Link per-frame detections into face tracks, fill the gaps, and extend both ends.

A miss is a leak, so temporal logic only ever adds coverage: every detection lands in a
track; gaps between detections of a track are interpolated; each track is extended before
its first and after its last detection (the work is offline, so both directions are known).
Frame numbers are indices into the decoded stream; boxes are pixels of the upright frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from vidkit.faces.detect import Box

DETECTED, FILLED, EXTENDED, VERIFIED = "detected", "filled", "extended", "verification"


@dataclass(frozen=True)
class TrackBox:
    box: Box
    kind: str  # detected | filled | extended | verification
    speed: float = 0.0  # centre motion, pixels per frame, for the motion margin


@dataclass
class Track:
    id: int
    boxes: dict[int, TrackBox] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return min(self.boxes)

    @property
    def last(self) -> int:
        return max(self.boxes)

    def count(self, kind: str) -> int:
        return sum(1 for b in self.boxes.values() if b.kind == kind)

    def scores(self) -> list[float]:
        return [b.box.score for b in self.boxes.values() if b.kind in (DETECTED, VERIFIED)]


@dataclass(frozen=True)
class TrackRules:
    max_gap: int = 25  # frames a track may go unseen and still continue (1 s at 25 fps)
    extend: int = 13  # frames added before the first and after the last detection
    grow_per_frame: float = 0.02  # extended boxes grow: the face may be moving away from the guess
    min_iou: float = 0.1
    max_centre_jump: float = 1.0  # in face widths per unseen frame, for re-linking after a gap


def _centre(box: Box) -> tuple[float, float]:
    return box.x + box.w / 2, box.y + box.h / 2


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def _link_score(track_box: Box, gap: int, det: Box, rules: TrackRules) -> float:
    """Higher is a better match; 0 means "not this track"."""
    overlap = iou(track_box, det)
    (tx, ty), (dx, dy) = _centre(track_box), _centre(det)
    size = max(track_box.w, track_box.h, det.w, det.h, 1.0)
    distance = ((tx - dx) ** 2 + (ty - dy) ** 2) ** 0.5 / size
    ratio = max(track_box.w, det.w) / max(min(track_box.w, det.w), 1.0)
    if ratio > 2.5:
        return 0.0
    if overlap >= rules.min_iou:
        return 1.0 + overlap
    limit = rules.max_centre_jump * (1 + 0.5 * (gap - 1))
    return max(0.0, 1.0 - distance / limit) if distance < limit else 0.0


def link(detections: Sequence[Sequence[Box]], rules: TrackRules = TrackRules()) -> list[Track]:
    """Greedy frame-by-frame association; each detection joins the best open track or starts one."""
    tracks: list[Track] = []
    open_tracks: list[Track] = []
    for frame, boxes in enumerate(detections):
        open_tracks = [t for t in open_tracks if frame - t.last <= rules.max_gap + 1]
        pairs = []
        for ti, track in enumerate(open_tracks):
            last = track.boxes[track.last].box
            for di, det in enumerate(boxes):
                score = _link_score(last, frame - track.last, det, rules)
                if score > 0:
                    pairs.append((score, ti, di))
        used_t, used_d = set(), set()
        for score, ti, di in sorted(pairs, reverse=True):
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            open_tracks[ti].boxes[frame] = TrackBox(boxes[di], _kind(boxes[di]))
        for di, det in enumerate(boxes):
            if di not in used_d:
                track = Track(len(tracks), {frame: TrackBox(det, _kind(det))})
                tracks.append(track)
                open_tracks.append(track)
    return tracks


def _kind(box: Box) -> str:
    return VERIFIED if box.source == "verifier" else DETECTED


def _lerp(a: Box, b: Box, t: float) -> Box:
    return Box(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, a.w + (b.w - a.w) * t,
               a.h + (b.h - a.h) * t, min(a.score, b.score))


def complete(track: Track, frame_count: int, frame_size: tuple[int, int],
             rules: TrackRules = TrackRules()) -> Track:
    """Fill gaps by interpolation and extend both ends; never drops or moves a detection."""
    keys = sorted(track.boxes)
    boxes = dict(track.boxes)
    for a, b in zip(keys, keys[1:]):
        if b - a > 1:
            box_a, box_b = track.boxes[a].box, track.boxes[b].box
            for f in range(a + 1, b):
                boxes[f] = TrackBox(_lerp(box_a, box_b, (f - a) / (b - a)), FILLED)
    first, last = keys[0], keys[-1]
    vel_start = _velocity(track, keys[:3])
    vel_end = _velocity(track, keys[-3:])
    width, height = frame_size
    for step in range(1, rules.extend + 1):
        for frame, origin, vel in ((first - step, first, vel_start), (last + step, last, vel_end)):
            if not 0 <= frame < frame_count or frame in boxes:
                continue
            direction = -1 if frame < origin else 1
            base = track.boxes[origin].box
            grow = 1 + rules.grow_per_frame * step
            cx, cy = _centre(base)
            cx += vel[0] * step * direction
            cy += vel[1] * step * direction
            w, h = base.w * grow, base.h * grow
            guess = Box(cx - w / 2, cy - h / 2, w, h, base.score)
            if guess.x + guess.w > 0 and guess.y + guess.h > 0 and guess.x < width and guess.y < height:
                boxes[frame] = TrackBox(guess, EXTENDED)
    boxes = _size_floor(boxes)
    with_speed = {}
    ordered = sorted(boxes)
    for i, f in enumerate(ordered):
        prev_f = ordered[i - 1] if i else f
        next_f = ordered[i + 1] if i + 1 < len(ordered) else f
        (px, py), (nx, ny) = _centre(boxes[prev_f].box), _centre(boxes[next_f].box)
        span = max(next_f - prev_f, 1)
        speed = ((nx - px) ** 2 + (ny - py) ** 2) ** 0.5 / span
        with_speed[f] = TrackBox(boxes[f].box, boxes[f].kind, speed)
    return Track(track.id, with_speed)


def _size_floor(boxes: dict[int, TrackBox]) -> dict[int, TrackBox]:
    """Grow boxes smaller than the track's typical face to that size, about their centre.

    A face half behind a pillar or half out of the frame is boxed small and off-centre by
    the detector, while the rest of it (chin, forehead) is still on screen: the track knows
    how big this face really is.
    """
    sizes = [(tb.box.w, tb.box.h) for tb in boxes.values() if tb.kind in (DETECTED, VERIFIED)]
    if not sizes:
        return boxes
    typical_w = float(np.median([w for w, _ in sizes]))
    typical_h = float(np.median([h for _, h in sizes]))
    grown = {}
    for frame, tb in boxes.items():
        box = tb.box
        w, h = max(box.w, typical_w), max(box.h, typical_h)
        if (w, h) == (box.w, box.h):
            grown[frame] = tb
            continue
        cx, cy = _centre(box)
        grown[frame] = TrackBox(Box(cx - w / 2, cy - h / 2, w, h, box.score, box.source), tb.kind, tb.speed)
    return grown


def _velocity(track: Track, keys: list[int]) -> tuple[float, float]:
    if len(keys) < 2:
        return 0.0, 0.0
    (ax, ay), (bx, by) = _centre(track.boxes[keys[0]].box), _centre(track.boxes[keys[-1]].box)
    span = keys[-1] - keys[0]
    return (bx - ax) / span, (by - ay) / span


def build_tracks(detections: Sequence[Sequence[Box]], frame_size: tuple[int, int],
                 rules: TrackRules = TrackRules()) -> list[Track]:
    """Detections per frame → completed tracks covering every detection.

    Ids follow the first primary detection of each track, and tracks only the verifier found
    come last, so the id a person picks from a review sheet (for --keep-track) names the same
    face on the next run, and in every re-render round.
    """
    linked = link(detections, rules)

    def order(track: Track) -> tuple[int, int]:
        primary = [f for f, tb in track.boxes.items() if tb.kind == DETECTED]
        return (0, min(primary)) if primary else (1, track.first)

    ordered = sorted(linked, key=order)
    return [complete(Track(n, t.boxes), len(detections), frame_size, rules) for n, t in enumerate(ordered)]


def boxes_by_frame(tracks: Sequence[Track]) -> dict[int, list[tuple[int, TrackBox]]]:
    """Frame → [(track id, box)], for the renderer."""
    frames: dict[int, list[tuple[int, TrackBox]]] = {}
    for track in tracks:
        for frame, box in track.boxes.items():
            frames.setdefault(frame, []).append((track.id, box))
    return frames
