"""Face anonymisation of one whole video (`vidkit blur`): detect on every frame, link tracks,
mask in one decode -> encode pass (PyAV), verify with the second detector as the frames go to
the encoder, and render again from the source while faces are found: the loop every masked
render shares (vidkit.faces.masking.mask_and_verify). Faces still found after the last round
leave the output marked unverified, and publishing refuses unverified output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vidkit.faces.detect import Detectors
from vidkit.faces.mask import MODES
from vidkit.faces.masking import ClipFaces, ClipMasks, FrameVerifier, mask_and_verify
from vidkit.faces.options import BlurOptions, Finding, Rect, detection_plan
from vidkit.faces.scan import AHEAD, detect_frames
from vidkit.faces.tracks import Track
from vidkit.media.frames import Planes, even_size, read_bgr, transcode
from vidkit.media.probe import MediaInfo

Progress = Callable[[str, float, float], None]


@dataclass
class BlurResult:
    tracks: list[Track]
    times: list[float]
    rounds: list[list[Finding]]  # findings of each verification scan
    verified: bool
    frame_size: tuple[int, int]
    detectors: dict[str, dict[str, str]]
    # The rectangles painted on each output frame (frame index → rects; frames without any
    # left out): every other pixel is the source's, up to encoder loss.
    painted: dict[int, list[Rect]] = field(default_factory=dict)


def anonymise(info: MediaInfo, out_path: Path, options: BlurOptions,
              on_progress: Progress | None = None, detectors: Detectors | None = None) -> BlurResult:
    """Write `out_path` with every detected face masked; see the module docstring. `detectors`:
    where the primary detector and the verifier come from (the registry by default)."""
    assert info.video is not None
    if options.mode not in MODES:
        raise ValueError(f"unknown mode {options.mode!r}")
    progress = on_progress or (lambda stage, done, total: None)
    detectors = detectors or Detectors()
    faces = scan_recording(info, detectors, options, lambda t: progress("Finding faces", t, info.duration))

    def render(masks: ClipMasks, scan: FrameVerifier | None, round_: int) -> None:
        label = ("Masking and verifying" if scan is not None else "Masking") + (f" (round {round_ + 1})" if round_ else "")

        def process(index: int, planes: Planes) -> None:
            masks.paint(index if index < len(faces.pts) else -1, planes)  # -1: not scanned, fixed regions only
            if scan is not None:
                scan(index, planes)

        transcode(info, out_path, process, crf=options.crf, preset=options.preset,
                  on_progress=lambda t: progress(label, t, info.duration))
        progress(label, info.duration, info.duration)

    done = mask_and_verify(info, faces, faces, options, render, detectors, out_path)
    painted = {index: rects for index, rects in done.masks.painted.items() if index >= 0}
    described = {"primary": detectors.make(options.detector, 1).describe()}
    if done.verifier is not None:
        described["verifier"] = done.verifier
    return BlurResult(done.masks.tracks, faces.times, done.rounds, done.verified is True, even_size(info),
                      described, painted)


def scan_recording(info: MediaInfo, detectors: Detectors, options: BlurOptions,
                   on_progress: Callable[[float], None] | None = None) -> ClipFaces:
    """Faces in every frame of the recording, in decode order (the order transcode paints). A
    frame is known by its number, not its pts: some streams have none, or repeat them."""
    pts, times, found = [], [], []
    frames = read_bgr(info, detection_plan(info, options), ahead=AHEAD)
    for frame, faces in detect_frames(frames, detectors, options.detector, options.threads):
        found.append(faces)
        pts.append(frame.index)
        times.append(frame.time)
        if on_progress is not None:
            on_progress(frame.time)
    if on_progress is not None:
        on_progress(info.duration)  # the last frame starts before the end: close the bar
    return ClipFaces(pts, times, found)
