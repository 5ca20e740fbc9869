"""Faces in a render (a clip, or a whole recording): detect over its stretch of the source, link
tracks, mask them in the one render pass, verify the render itself with the second detector,
and render again from the source while faces are found: `mask_and_verify`, the one loop that
`vidkit blur`, `vidkit render` and every clip go through.

Detection runs a little past both ends of the clip so tracks can be extended into it from
faces first seen just outside. Verification scans the clip's frames exactly as they go to the
encoder (masked and cropped) during the render, which spares decoding the output again; what
it finds is mapped back to source pixels, masked as tracks, and the clip is rendered again from
the source, never re-encoded from itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from vidkit.media.frames import Planes, even_size, read_bgr
from vidkit.media.probe import MediaInfo
from vidkit.faces.options import BlurOptions, Finding, detection_plan, regions_for, unmasked
from vidkit.faces.detect import Box, Detector, Detectors
from vidkit.faces.scan import AHEAD, detect_frames
from vidkit.faces.mask import apply, region, static_region
from vidkit.faces.tracks import EXTENDED, Track, TrackRules, boxes_by_frame, build_tracks

Progress = Callable[[float], None]


class Frames(Protocol):
    """The output frames of a render, in order: which source frame (pts) and when (seconds)
    each shows (a clip's vidkit.clips.schedule.Schedule; the recording itself for `blur`)."""

    pts: Sequence[int]
    times: Sequence[float]


class Crop(Protocol):
    """Where an output frame was cut from its source frame (vidkit.clips.reframe.Crop)."""

    x: int
    y: int


@dataclass
class ClipFaces:
    """Detections for the frames around a clip, indexed in decode order."""

    pts: list[int]
    times: list[float]
    detections: list[list[Box]]
    index_of: dict[int, int] = field(default_factory=dict)  # source pts → index

    def __post_init__(self) -> None:
        self.index_of = {pts: i for i, pts in enumerate(self.pts)}


def faces_window(info: MediaInfo, schedule: Frames, options: BlurOptions) -> tuple[float, float]:
    """The stretch of the source find_faces reads for a clip: `extend_seconds` (and a frame's
    worth) either side, so tracks reach into the clip from faces first seen just outside."""
    margin = options.extend_seconds + 0.1
    return max(0.0, min(schedule.times) - margin), max(schedule.times) + margin


def find_faces(info: MediaInfo, schedule: Frames, detectors: Detectors, options: BlurOptions,
               on_progress: Progress | None = None, scans: FaceScans | None = None) -> ClipFaces:
    """Faces (the primary detector, `options.detector`) in every source frame of
    faces_window(); kept in `scans` for later clips."""
    start, end = faces_window(info, schedule, options)
    pts, times, found = [], [], []
    frames = read_bgr(info, detection_plan(info, options), (start, end), ahead=AHEAD)
    for frame, faces in detect_frames(frames, detectors, options.detector, options.threads):
        found.append(faces)
        pts.append(frame.pts)
        times.append(frame.time)
        if on_progress is not None:
            on_progress(frame.time - start)
    faces = ClipFaces(pts, times, found)
    if scans is not None:
        scans.keep(info, options, (start, end), faces)
    return faces


class FaceScans:
    """Primary-detector scans kept for the rest of a job. The publishable video scans every
    frame of the recording; the Shorts cut from it afterwards read their stretches from that
    scan instead of decoding and detecting the same frames again (about a third of a session
    preset's time). A scan is reused only for the same file, unchanged, and the same detection
    settings; what verification adds to a render's detections is not kept, so a clip gets
    exactly the detections its own scan would have made."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[tuple[float, float], ClipFaces]] = {}
        self._running: list[tuple[tuple, threading.Thread]] = []
        self._stop = threading.Event()

    def start(self, info: MediaInfo, schedule: Frames, detectors: Detectors, options: BlurOptions,
              on_progress: Progress | None = None) -> None:
        """Scan `schedule`'s stretch on a background thread, for a render that comes later in
        the job (the session preset scans while the words are transcribed: the face scan
        needs no words, and Whisper leaves most of a second core idle). window() waits for
        it; a scan that fails is dropped, and the render then scans again in its own step,
        where the failure is reported."""
        stop = self._stop

        def progress(done: float) -> None:
            if stop.is_set():
                raise _Stopped
            if on_progress is not None:
                on_progress(done)

        def scan() -> None:
            try:
                find_faces(info, schedule, detectors, options, progress, self)
            except BaseException:  # noqa: BLE001 - dropped on purpose; see above
                pass

        thread = threading.Thread(target=scan, name="vidkit-face-scan", daemon=True)
        self._running.append((self._key(info, options), thread))
        thread.start()

    def close(self) -> None:
        """Stop background scans and wait for them (the end of a job, or its failure)."""
        self._stop.set()
        for _, thread in self._running:
            thread.join()
        self._running.clear()

    @staticmethod
    def _key(info: MediaInfo, options: BlurOptions) -> tuple:
        path = Path(info.path)
        stat = path.stat()
        return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, options.detector, options.detect_size,
                options.fine_size, options.fine_every)

    def keep(self, info: MediaInfo, options: BlurOptions, window: tuple[float, float], faces: ClipFaces) -> None:
        key = self._key(info, options)
        known = self._kept.get(key)
        if known is None or window[1] - window[0] > known[0][1] - known[0][0]:
            self._kept[key] = (window, _copy(faces))

    def window(self, info: MediaInfo, options: BlurOptions, start: float, end: float) -> ClipFaces | None:
        """The kept frames with start <= time < end (read_bgr's window), or None unless a
        kept scan covers all of [start, end). A background scan of the same file and settings
        is waited for first."""
        key = self._key(info, options)
        for running, thread in self._running:
            if running == key:
                thread.join()
        known = self._kept.get(key)
        if known is None:
            return None
        (begin, finish), faces = known
        if start < begin or end > finish:
            return None
        picked = [i for i, t in enumerate(faces.times) if start <= t < end]
        return ClipFaces([faces.pts[i] for i in picked], [faces.times[i] for i in picked],
                         [list(faces.detections[i]) for i in picked])


class _Stopped(Exception):
    """A background scan told to stop."""


def _copy(faces: ClipFaces) -> ClipFaces:
    return ClipFaces(list(faces.pts), list(faces.times), [list(boxes) for boxes in faces.detections])


@dataclass
class ClipMasks:
    """Tracks over the clip's frames and the rectangles painted on each source frame."""

    faces: ClipFaces
    tracks: list[Track]
    options: BlurOptions
    size: tuple[int, int]
    by_frame: dict = field(default_factory=dict)
    # source pts → the rectangles painted on that frame by the latest render
    painted: dict[int, list[tuple[int, int, int, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_frame = boxes_by_frame(self.tracks)

    def rects(self, pts: int) -> list[tuple[int, int, int, int]]:
        index = self.faces.index_of.get(pts)
        if index is None:  # not analysed (cannot happen for scheduled frames): mask all fixed areas
            return [static_region(r.box, self.size) for r in self.options.regions]
        return regions_for(index, self.faces.times[index], self.by_frame, self.options, self.size)

    def paint(self, pts: int, planes: Planes) -> None:
        rects = self.rects(pts)
        for rect in rects:
            apply(planes, rect, self.options.mode, self.options.cells)
        if rects:
            self.painted[pts] = rects

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


class FrameVerifier:
    """The second detector on every `verify_every`-th clip frame, exactly as it is piped to the
    encoder (masked and cropped, before scaling): what it finds that no mask covers is a finding,
    in source pixels, ready to become a detection for the next render.

    Detection runs on a worker thread (onnxruntime releases the GIL), so the frames keep flowing
    to the encoder meanwhile; at most `PENDING` frames wait, which bounds the memory."""

    PENDING = 8

    def __init__(self, schedule: Frames, masks: ClipMasks, verifier: Detector):
        self.schedule, self.masks, self.verifier = schedule, masks, verifier
        self.findings: list[Finding] = []
        self.scanned = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidkit-verify")
        self._slots = threading.BoundedSemaphore(self.PENDING)
        self._pending: list[Future] = []

    def reset(self, masks: ClipMasks) -> None:
        self.finish()
        self.masks, self.findings, self.scanned = masks, [], 0

    def __call__(self, index: int, planes: Planes, crop: Crop | None = None) -> None:
        if index % max(1, self.masks.options.verify_every):
            return
        image, factor = _small_bgr(planes, self.masks.options.verify_size)  # a copy: planes are reused
        self._slots.acquire()
        self._pending.append(self._pool.submit(self._scan, index, image, factor, crop))

    def finish(self) -> list[Finding]:
        """Wait for the frames still being scanned; errors in the worker surface here."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()
        return self.findings

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _scan(self, index: int, image: np.ndarray, factor: float, crop: Crop | None) -> None:
        try:
            boxes = self.verifier.detect(image)
            self.scanned += 1
            if boxes:
                self._judge(index, boxes, factor, crop)
        finally:
            self._slots.release()

    def _judge(self, index: int, boxes: list[Box], factor: float, crop: Crop | None) -> None:
        options = self.masks.options
        pts = self.schedule.pts[index]
        source_index = self.masks.faces.index_of.get(pts, -1)
        painted = self.masks.rects(pts)
        kept = [region(tb, self.masks.size, options.margins)
                for tid, tb in self.masks.by_frame.get(source_index, ()) if tid in set(options.keep_tracks)]
        x0, y0 = (crop.x, crop.y) if crop is not None else (0, 0)
        in_source = [Box(x0 + b.x / factor, y0 + b.y / factor, b.w / factor, b.h / factor, b.score, "verifier")
                     for b in boxes]
        time = self.schedule.times[index]
        self.findings += [Finding(source_index, time, box) for box in unmasked(in_source, painted, kept)]


def _small_bgr(planes: Planes, long_side: int) -> tuple[np.ndarray, float]:
    """A BGR copy of yuv420p planes, shrunk so its longer side is at most `long_side`."""
    y, u, v = planes
    h, w = y.shape
    factor = min(1.0, long_side / max(w, h))
    sw, sh = max(2, round(w * factor / 2) * 2), max(2, round(h * factor / 2) * 2)
    if (sw, sh) != (w, h):
        y = cv2.resize(y, (sw, sh), interpolation=cv2.INTER_AREA)
        u = cv2.resize(u, (sw // 2, sh // 2), interpolation=cv2.INTER_AREA)
        v = cv2.resize(v, (sw // 2, sh // 2), interpolation=cv2.INTER_AREA)
    packed = np.concatenate([np.ascontiguousarray(p).ravel() for p in (y, u, v)]).reshape(sh * 3 // 2, sw)
    return cv2.cvtColor(packed, cv2.COLOR_YUV2BGR_I420), sw / w


@dataclass
class Verified:
    masks: ClipMasks  # the masks of the last render
    rounds: list[list[Finding]]  # what the verifier found in each render (empty: none)
    verified: bool | None  # None: verification off
    verifier: dict[str, str] | None = None  # what verified (Detector.describe)


Render = Callable[[ClipMasks, "FrameVerifier | None", int], None]


def mask_and_verify(info: MediaInfo, frames: Frames, faces: ClipFaces, options: BlurOptions,
                    render: Render, detectors: Detectors | None = None, output: Path | None = None) -> Verified:
    """The one mask -> verify -> render-again loop of every masked output.

    `render(masks, scan, round)` writes the output once: each frame painted with
    `masks.paint(pts, planes)`, then handed to `scan(index, planes[, crop])` as it goes to the
    encoder. What the verifier finds that no mask covers becomes a detection, the tracks are
    linked again and the output is rendered again from the source (never re-encoded from
    itself), at most `options.max_rounds` more times; faces still found after that leave it
    unverified. `output`: the file `render` writes; when a later round is stopped or fails,
    the earlier round's file (found to show a face) is removed rather than left as if it were
    the output."""
    masks = masks_for(info, faces, options)
    scan = None
    if options.verify:
        # One onnxruntime thread: the encoder runs at the same time and wants the other core.
        scan = FrameVerifier(frames, masks, (detectors or Detectors()).make(options.verifier, 1))
    rounds: list[list[Finding]] = []
    try:
        while True:
            render(masks, scan, len(rounds))
            if scan is None:
                return Verified(masks, rounds, None)
            findings = scan.finish()
            rounds.append(findings)
            if not findings or len(rounds) > options.max_rounds or not add_findings(masks.faces, findings):
                return Verified(masks, rounds, not findings, scan.verifier.describe())
            masks = masks_for(info, masks.faces, options)
            scan.reset(masks)
    except BaseException:
        if rounds and output is not None:
            Path(output).unlink(missing_ok=True)
        raise
    finally:
        if scan is not None:
            scan.close()


def add_findings(faces: ClipFaces, findings: list[Finding]) -> int:
    """Verifier findings become detections for the next render; returns how many could be
    placed (those outside the analysed frames cannot)."""
    placed = 0
    for finding in findings:
        if 0 <= finding.frame < len(faces.detections):
            faces.detections[finding.frame].append(finding.box)
            placed += 1
    return placed
