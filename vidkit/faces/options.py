"""What face masking is asked to do (BlurOptions, fixed regions) and the rules every render
applies: which sizes the primary detector sees, what is painted on a frame, and which boxes
the verifier finds are leaks (Finding). The loop itself: vidkit.faces.masking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vidkit.media.probe import MediaInfo
from vidkit.faces.detect import Box, Detector
from vidkit.faces.mask import Margins, region, static_region
from vidkit.faces.tracks import iou

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1: pixels of the upright frame


@dataclass(frozen=True)
class StaticRegion:
    """An area always masked (e.g. a monitor showing patient data); pixels of the upright frame."""

    box: Box
    start: float = 0.0  # seconds
    end: float = float("inf")


@dataclass(frozen=True)
class BlurOptions:
    mode: str = "solid"
    cells: int = 6  # pixelate: cells across the face
    detector: str = "yunet"
    verifier: str = "centerface"
    detect_size: int = 640  # longer side of the frames the primary detector sees, pixels
    fine_size: int = 1920  # ... and every `fine_every` frames, up to this size (small faces)
    fine_every: int = 12
    verify_size: int = 640
    verify_every: int = 4  # the verifier scans every n-th output frame
    extend_seconds: float = 0.5
    keep_tracks: tuple[int, ...] = ()
    regions: tuple[StaticRegion, ...] = ()
    verify: bool = True
    max_rounds: int = 2
    threads: int = 0
    crf: int = 20
    preset: str = "veryfast"
    margins: Margins = field(default_factory=Margins)


@dataclass
class Finding:
    frame: int
    time: float
    box: Box


def detection_plan(info: MediaInfo, options: BlurOptions, stride: int = 1) -> Callable[[int], list[int]]:
    """Which sizes to detect at for each frame: a coarse size on every `stride`-th frame, and
    every `fine_every` frames the full frame too, which finds ~30 px faces in 1080p that the
    coarse pass misses (tracks bridge the frames between)."""
    assert info.video is not None
    full = max(info.video.width, info.video.height)
    coarse = min(options.detect_size, full)
    fine = min(full, options.fine_size)
    wants_fine = options.fine_every > 0 and fine >= coarse * 1.5

    def sizes(index: int) -> list[int]:
        chosen = [coarse] if index % stride == 0 else []
        if wants_fine and index % options.fine_every == 0:
            chosen.append(fine)
        return chosen

    return sizes



def faces_in(images: dict[int, tuple[Any, float]], detector: Detector) -> list[Box]:
    """Faces in one frame's images (read_bgr's {size: (image, scale)}), in full-frame pixels."""
    boxes = [b.scaled(scale) for image, scale in images.values() for b in detector.detect(image)]
    return merge_duplicates(boxes) if len(images) > 1 else boxes


def unmasked(boxes: Sequence[Box], painted: Sequence[tuple[int, int, int, int]],
             kept: Sequence[tuple[int, int, int, int]]) -> list[Box]:
    """Verifier boxes that are leaks: a hit on our own fill or on a consenting person's face
    (a kept track's region) is not one."""
    return [box for box in boxes if covered(box, painted) < 0.9 and covered(box, kept) < 0.5]


def merge_duplicates(boxes: list[Box], min_iou: float = 0.5) -> list[Box]:
    """One box per face when two scales found it: strongly overlapping boxes become their
    union, so merging never uncovers a pixel either detection covered."""
    merged: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        for i, other in enumerate(merged):
            if iou(box, other) >= min_iou:
                x0, y0 = min(box.x, other.x), min(box.y, other.y)
                x1, y1 = max(box.x + box.w, other.x + other.w), max(box.y + box.h, other.y + other.h)
                merged[i] = Box(x0, y0, x1 - x0, y1 - y0, other.score, other.source)
                break
        else:
            merged.append(box)
    return merged


def regions_for(frame: int, time: float, by_frame, options: BlurOptions,
                 size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    rects = [region(tb, size, options.margins) for tid, tb in by_frame.get(frame, ())
             if tid not in options.keep_tracks]
    rects += [static_region(r.box, size) for r in options.regions if r.start <= time <= r.end]
    return rects


def covered(box: Box, rects: Sequence[tuple[int, int, int, int]]) -> float:
    """Fraction of `box` inside the union-approximation (max single overlap) of painted rects."""
    area = max(box.w * box.h, 1e-9)
    best = 0.0
    for x0, y0, x1, y1 in rects:
        ix = max(0.0, min(box.x + box.w, x1) - max(box.x, x0))
        iy = max(0.0, min(box.y + box.h, y1) - max(box.y, y0))
        best = max(best, ix * iy / area)
    return best
