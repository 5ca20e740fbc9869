"""Faces in a clip: detect over the clip's stretch of the source, link tracks, mask them in the
one render pass, then verify the clip itself with the second detector.

Detection runs a little past both ends of the clip so tracks can be extended into it from
faces first seen just outside. Verification scans the rendered clip (cropped and scaled as it
will be published); what it finds is mapped back to source pixels, masked as tracks, and the
clip is rendered again from the source, never re-encoded from itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from vidkit.clips.render import Crop
from vidkit.clips.schedule import Schedule
from vidkit.media.frames import Planes, even_size, read_bgr
from vidkit.media.probe import MediaInfo, probe
from vidkit.privacy.anonymise import (BlurOptions, Finding, covered, detect_all, detection_plan,
                                      merge_duplicates, regions_for)
from vidkit.privacy.detect import Box, Detector
from vidkit.privacy.mask import apply, region, static_region
from vidkit.privacy.tracks import EXTENDED, Track, TrackRules, boxes_by_frame, build_tracks

Progress = Callable[[float], None]


@dataclass
class ClipFaces:
    """Detections for the frames around a clip, indexed in decode order."""

    pts: list[int]
    times: list[float]
    detections: list[list[Box]]
    index_of: dict[int, int] = field(default_factory=dict)  # source pts → index

    def __post_init__(self) -> None:
        self.index_of = {pts: i for i, pts in enumerate(self.pts)}


def find_faces(info: MediaInfo, schedule: Schedule, detector: Detector, options: BlurOptions,
               on_progress: Progress | None = None) -> ClipFaces:
    """Faces in every source frame from `extend_seconds` before the clip to as long after it."""
    margin = options.extend_seconds + 0.1
    start = max(0.0, min(schedule.times) - margin)
    end = max(schedule.times) + margin
    pts, times, found = [], [], []
    for frame in read_bgr(info, detection_plan(info, options), (start, end)):
        boxes = [b.scaled(scale) for image, scale in frame.images.values() for b in detector.detect(image)]
        found.append(merge_duplicates(boxes) if len(frame.images) > 1 else boxes)
        pts.append(frame.pts)
        times.append(frame.time)
        if on_progress is not None:
            on_progress(frame.time - start)
    return ClipFaces(pts, times, found)


@dataclass
class ClipMasks:
    """Tracks over the clip's frames and the rectangles painted on each source frame."""

    faces: ClipFaces
    tracks: list[Track]
    options: BlurOptions
    size: tuple[int, int]
    by_frame: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_frame = boxes_by_frame(self.tracks)

    def rects(self, pts: int) -> list[tuple[int, int, int, int]]:
        index = self.faces.index_of.get(pts)
        if index is None:  # not analysed (cannot happen for scheduled frames): mask all fixed areas
            return [static_region(r.box, self.size) for r in self.options.regions]
        return regions_for(index, self.faces.times[index], self.by_frame, self.options, self.size)

    def paint(self, pts: int, planes: Planes) -> None:
        for rect in self.rects(pts):
            apply(planes, rect, self.options.mode, self.options.cells)

    def subject_boxes(self, pts: int) -> list[tuple[int, Box]]:
        """(track id, box) of the faces on a source frame, for reframing: seen or bridged, not
        the guesses that extend a track past its ends (those exist for the mask only)."""
        index = self.faces.index_of.get(pts)
        if index is None:
            return []
        return [(tid, tb.box) for tid, tb in self.by_frame.get(index, ()) if tb.kind != EXTENDED]


def masks_for(info: MediaInfo, faces: ClipFaces, options: BlurOptions) -> ClipMasks:
    size = even_size(info)
    fps = info.video.fps if info.video and info.video.fps else 25.0
    rules = TrackRules(max_gap=max(2, round(fps)), extend=max(1, round(options.extend_seconds * fps)))
    return ClipMasks(faces, build_tracks(faces.detections, size, rules), options, size)


def verify_clip(clip_path: Path, schedule: Schedule, crops: Callable[[int], Crop | None],
                out_size: tuple[int, int], masks: ClipMasks, verifier: Detector, lead_frames: int = 0,
                on_progress: Progress | None = None) -> list[Finding]:
    """Faces the verifier sees in the rendered clip that no mask covers, in source pixels.

    `lead_frames`: frames before the clip proper (an intro card); a face found there or past
    the end cannot be mapped to the source and is reported at frame -1."""
    options = masks.options
    out_info = probe(clip_path)
    plan = detection_plan(out_info, replace(options, detect_size=options.verify_size, fine_every=0),
                          options.verify_every)
    seen, _ = detect_all(out_info, verifier, plan, on_progress)
    kept = set(options.keep_tracks)
    findings = []
    for out_index, boxes in enumerate(seen):
        k = out_index - lead_frames
        if not boxes:
            continue
        if not 0 <= k < schedule.frames:
            findings += [Finding(-1, out_index / float(schedule.rate), b) for b in boxes]
            continue
        pts = schedule.pts[k]
        box_map = _to_source(crops(k), out_size, masks.size)
        index = masks.faces.index_of.get(pts, -1)
        painted = masks.rects(pts)
        kept_boxes = [region(tb, masks.size, options.margins)
                      for tid, tb in masks.by_frame.get(index, ()) if tid in kept]
        for box in boxes:
            source_box = box_map(box)
            # A hit on our own fill or on a consenting person's face is not a leak.
            if covered(source_box, painted) < 0.9 and covered(source_box, kept_boxes) < 0.5:
                findings.append(Finding(index, schedule.times[k], source_box))
    return findings


def _to_source(crop: Crop | None, out_size: tuple[int, int], source_size: tuple[int, int]
               ) -> Callable[[Box], Box]:
    """Map a box in clip pixels back to upright source pixels."""
    x0, y0, w, h = (crop.x, crop.y, crop.w, crop.h) if crop else (0, 0, *source_size)
    sx, sy = w / out_size[0], h / out_size[1]
    return lambda b: Box(x0 + b.x * sx, y0 + b.y * sy, b.w * sx, b.h * sy, b.score, "verifier")


def add_findings(faces: ClipFaces, findings: list[Finding]) -> int:
    """Verifier findings become detections for the next render; returns how many could be
    placed (those outside the analysed frames cannot)."""
    placed = 0
    for finding in findings:
        if 0 <= finding.frame < len(faces.detections):
            faces.detections[finding.frame].append(finding.box)
            placed += 1
    return placed
