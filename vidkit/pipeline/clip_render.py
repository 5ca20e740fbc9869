"""Make one clip: schedule its frames, find and track faces, choose the crop path, build its
captions, render it in one pass, verify it, and write its sidecars and thumbnail."""

from __future__ import annotations

import math
import tempfile
from itertools import accumulate
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vidkit.captions.cue import Cue
from vidkit.captions.run import build_for
from vidkit.captions.writers import styled_file
from vidkit.clips.excerpt import fit_cues
from vidkit.faces.masking import (ClipMasks, FaceScans, FrameVerifier, faces_window, find_faces, mask_and_verify,
                                  masks_for)
from vidkit.clips.reframe import Crop
from vidkit.clips.render import RenderSpec, frame_times, render_clip, source_rate
from vidkit.clips.schedule import Schedule, build_schedule
from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.media.frames import even_size
from vidkit.media.probe import MediaInfo
from vidkit.faces.options import BlurOptions, Finding
from vidkit.privacy.bleep import bleep_filter
from vidkit.faces.detect import Detectors
from vidkit.transcript import Transcript

SHORTS_MAX_SECONDS = 180.0  # YouTube treats longer vertical videos as ordinary videos


@dataclass(frozen=True)
class ClipPlan:
    """How every clip of a run is made (from flags and [clip] settings)."""

    aspect: tuple[int, int] | None = None
    blur: bool = True
    burn: bool = False
    max_pan: float = 0.35
    branding: Any = None  # a vidkit.clips.branding.Branding, or None
    branding_values: dict[str, str] | None = None
    thumbnail: bool = True
    title: str | None = None
    size: str = "1080"  # [clip] size of reframed clips: 1080, 720 or auto (vidkit.clips.reframe.output_size)


@dataclass
class MadeClip:
    schedule: Schedule
    cues: list[Cue]
    masks: ClipMasks | None
    crops: list[Crop | None]
    rounds: list[list[Finding]]
    verified: bool | None  # None: not masked
    lead_seconds: float  # intro card length: sidecar captions start this much later
    size: tuple[int, int]

    def painted_in_output(self, index: int) -> list[tuple[int, int, int, int]]:
        """The rectangles painted on clip frame `index` (counted from the first frame after
        any intro card), in output pixels (x0, y0, x1, y1): the mask's area after the crop
        and scale. The scaler blends a few pixels across each edge; that is not included."""
        if self.masks is None:
            return []
        rects = self.masks.painted.get(self.schedule.pts[index], [])
        crop = self.crops[index]
        x, y, w, h = (crop.x, crop.y, crop.w, crop.h) if crop is not None else (0, 0, *self.masks.size)
        sx, sy = self.size[0] / w, self.size[1] / h
        shown = []
        for x0, y0, x1, y1 in rects:
            x0, y0, x1, y1 = max(x0, x), max(y0, y), min(x1, x + w), min(y1, y + h)
            if x1 > x0 and y1 > y0:
                shown.append((math.floor((x0 - x) * sx), math.floor((y0 - y) * sy),
                              math.ceil((x1 - x) * sx), math.ceil((y1 - y) * sy)))
        return shown


def schedule_for(info: MediaInfo, spans: Sequence[tuple[float, float]]) -> Schedule:
    """Which source frame fills each clip frame (see vidkit.clips.schedule)."""
    times = frame_times(info, spans[0][0], spans[-1][1])
    return build_schedule(times, spans, source_rate(info))


def make_clip(info: MediaInfo, schedule: Schedule, excerpt: Transcript | None, video: Path,
              plan: ClipPlan, options: BlurOptions, settings: Settings, reporter: Reporter, label: str,
              redactions: Sequence[Any] = (), scans: FaceScans | None = None,
              detectors: Detectors | None = None) -> MadeClip:
    """Render `video` for `schedule`; faces masked (and verified) when `plan.blur`. `excerpt`:
    the clip's transcript in clip time (already redacted); `redactions`: roster items to bleep
    (source time); `scans`: face scans shared by the job's renders (see FaceScans); `detectors`:
    where the detectors come from (the registry by default)."""
    detectors = detectors or Detectors()
    from vidkit.clips import reframe

    source_size = even_size(info)
    size = reframe.output_size(plan.aspect, source_size, plan.size) if plan.aspect else source_size
    masks = None
    if plan.blur or plan.aspect:
        start, end = faces_window(info, schedule, options)
        if scans is not None and (known := scans.window(info, options, start, end)) is not None:
            faces = known  # scanned earlier in the job (the publishable video)
        else:
            progress = reporter.stage(f"{label}: finding faces", min(end, info.duration) - start)
            faces = find_faces(info, schedule, detectors, options, progress, scans)
        masks = masks_for(info, faces, options)
    crops = _crop_path(info, schedule, masks, plan, source_size, reporter, label)
    cues, style, rules = clip_cues(excerpt, float(schedule.rate), schedule.duration, settings, plan)
    ass = None
    if plan.burn and cues:
        ass = styled_file(cues, style, size[0], size[1], rules.max_line_chars).to_string("ass")
    audio_filter = _bleeps(redactions, schedule, settings)
    with tempfile.TemporaryDirectory(prefix="vidkit-brand-") as work:
        spec = RenderSpec(size=size, crop=lambda k: crops[k],
                          paint=masks.paint if (masks is not None and plan.blur) else None,
                          ass=ass, audio_filter=audio_filter, crf=options.crf, preset=options.preset)
        lead = _add_branding(spec, plan, size, schedule, Path(work))
        rounds: list[list[Finding]] = []
        verified = None
        if plan.blur and masks is not None:
            def render(current: ClipMasks, scan: FrameVerifier | None, round_: int) -> None:
                spec.paint, spec.inspect = current.paint, scan
                doing = "rendering and verifying" if scan is not None else "rendering"
                suffix = f" (round {round_ + 1})" if round_ else ""
                render_clip(info, schedule, spec, video, reporter.stage(f"{label}: {doing}{suffix}", schedule.duration))

            done = mask_and_verify(info, schedule, masks.faces, options, render, detectors, video)
            masks, rounds, verified = done.masks, done.rounds, done.verified
        else:
            render_clip(info, schedule, spec, video, reporter.stage(f"{label}: rendering", schedule.duration))
    return MadeClip(schedule, cues, masks, crops, rounds, verified, lead, size)


def _crop_path(info: MediaInfo, schedule: Schedule, masks: ClipMasks | None, plan: ClipPlan,
               source_size: tuple[int, int], reporter: Reporter, label: str) -> list[Crop | None]:
    if not plan.aspect:
        return [None] * schedule.frames
    from vidkit.clips import reframe

    fps = float(schedule.rate)
    subjects = [masks.subject_boxes(pts) if masks else [] for pts in schedule.pts]
    if not any(subjects):
        subjects = reframe.motion_subjects_for(info, schedule, reporter.stage(f"{label}: following motion", schedule.duration))
    # Where trimmed pauses were cut out the subject may jump: the crop may cut with it.
    cuts = list(accumulate(s.frames for s in schedule.spans))[:-1]
    path = reframe.crop_path(subjects, source_size, plan.aspect, fps, max_pan=plan.max_pan, cuts=cuts)
    return list(path)


def clip_cues(excerpt: Transcript | None, fps: float, duration: float, settings: Settings, plan: ClipPlan):
    """(cues, style, rules) for a clip's excerpt (clip time), built to the caption rules and
    kept inside the clip's `duration` seconds; Shorts get the shorts style unless one is set."""
    if excerpt is None:
        return [], None, None
    section = settings.section("captions")
    if plan.aspect == (9, 16) and settings.source("captions", "style") == "default":
        section["style"] = settings.get("clip", "shorts_style")  # big word-by-word captions for Shorts
    style, rules, _, cues = build_for(excerpt, section, fps)
    return fit_cues(cues, duration), style, rules


def _bleeps(redactions: Sequence[Any], schedule: Schedule, settings: Settings) -> str | None:
    """The bleep filter for roster names spoken inside the clip, in clip time."""
    if not redactions:
        return None
    moved = []
    for item in redactions:
        for begin, end in schedule.clip_ranges(item.audio_start, item.audio_end):
            moved.append(replace(item, audio_start=begin, audio_end=end))
    if not moved:
        return None
    privacy = settings.section("privacy")
    return bleep_filter(moved, schedule.duration, privacy["audio"], privacy["padding"])


def _add_branding(spec: RenderSpec, plan: ClipPlan, size: tuple[int, int], schedule: Schedule,
                  workdir: Path) -> float:
    """Fill the spec's branding graph; returns the intro length in seconds."""
    if plan.branding is None:
        return 0.0
    from vidkit.clips.branding import branding_graph

    rate = f"{schedule.rate.numerator}/{schedule.rate.denominator}"
    graph = branding_graph(plan.branding, width=size[0], height=size[1], rate=rate, first_input_index=2,
                           workdir=workdir, values=plan.branding_values or {})
    spec.branding_inputs = graph.inputs
    spec.branding_filters = graph.filters
    spec.extra_seconds = graph.extra_seconds
    return graph.intro_seconds


def crop_inside(crops: Sequence[Crop | None], masks: ClipMasks | None, schedule: Schedule) -> float | None:
    """Fraction of clip frames whose main face (the one the crop follows) is fully inside the
    crop, give or take a pixel; None without a crop or a face."""
    from vidkit.clips import reframe

    if masks is None or not crops or crops[0] is None:
        return None
    subjects = [masks.subject_boxes(pts) for pts in schedule.pts]
    scores = reframe.subject_scores(subjects, masks.size)
    if not scores:
        return None
    main = max(scores, key=scores.get)
    boxes = [dict(frame).get(main) for frame in subjects]
    return round(reframe.crop_stats(crops, boxes, slack=1), 4)
