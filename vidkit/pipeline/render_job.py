"""`vidkit render`: the publishable full-length video in one encode.

The whole recording is made as one clip (one span from its first frame to its last, source
aspect, no reframing) by the clip machinery: faces found and masked, the render scanned by
the second detector and rendered again from the source while faces are found (the same loop
as clips, not a copy), captions burned from the redacted transcript, roster names bleeped and
branding added, all in one ffmpeg encode. Then the second listen. Outputs, named so that
`vidkit describe` and `vidkit publish` find them like a clip's:

    <stem>.publish.mp4              the video
    <stem>.publish.json             its record (schema vidkit.publish/1)
    <stem>.publish.srt / .vtt       captions timed for the video (after any intro card)
    <stem>.publish.transcript.json  the (redacted) transcript, in source time
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit.records import PublishRecord
from vidkit.clips.render import frame_times, source_rate
from vidkit.clips.schedule import Schedule, build_schedule
from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError
from vidkit.media import MediaInfo, probe
from vidkit.media.output import output_path
from vidkit.pipeline.blur_job import UnverifiedOutput, blur_options
from vidkit.pipeline.clip_job import SIDECARS, _excerpt, _privacy, _redacted, _sidecars, _words
from vidkit.pipeline.clip_render import ClipPlan, MadeClip, make_clip
from vidkit.origin import check_stem_outputs
from vidkit.pipeline.steps import find_transcript, obtain_transcript, resolve_out_dir
from vidkit.hashing import file_sha256

PUBLISH_SCHEMA = "vidkit.publish/1"
NAME = ".publish"  # <stem>.publish.mp4 and its files
LABEL = "Render"


@dataclass
class RenderJobResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def render_job(input_path: Path, settings: Settings, reporter: Reporter, out: Path | None = None, *,
               captions: bool = True, overwrite: bool = False, title: str | None = None,
               scans: Any = None, detectors: Any = None, engines: Any = None) -> RenderJobResult:
    """Write `<stem>.publish.mp4` and its record; UnverifiedOutput (exit 1) after writing them
    when a face is still found or the second listen still hears a redacted item. `title` is
    drawn on the intro card (checked like `clip --title`: no roster name, number or part of
    the recording's file name). `scans`: a vidkit.faces.masking.FaceScans that keeps the face
    scan for the job's clips; `detectors`, `engines`: where detectors and speech engines come
    from (the registries by default)."""
    info = probe(input_path)
    if info.video is None:
        raise BadInputError(f"{info.path.name} has no video stream: there is nothing to render")
    roster = None
    if settings.get("privacy", "roster"):
        from vidkit.privacy.options import privacy_options

        roster = privacy_options(settings, [(input_path, "the recording's file name")]).roster
    from vidkit.privacy.identifying import refuse_title

    refuse_title(title, Path(input_path).stem, roster, "--title")
    plan = render_plan(settings, captions, title)
    if plan.branding is not None and not (title or settings.get("clinic", "name")):
        import logging

        logging.getLogger(__name__).warning("the intro card has no text: give --title or set clinic.name")
    options = blur_options(settings, (), ())
    out_dir = resolve_out_dir(settings, out)
    check_stem_outputs(input_path, out_dir, overwrite=overwrite)
    job = RenderJobResult()
    transcript = None
    # The words, found or made: burned captions, the names to bleep, and the SRT/VTT and
    # transcript that describe and publish need (also with --no-captions).
    if info.audio is not None:
        got = obtain_transcript(input_path, info, settings, reporter, out, None, engines)
        job.outputs.update(got.outputs)
        transcript = got.transcript
    transcript_path = find_transcript(input_path, out_dir) if transcript is not None else None
    redacted, redactions = _redacted(transcript, settings)
    schedule = whole_schedule(info)
    spans = [(s.start, s.end) for s in schedule.spans]
    excerpt = _excerpt(redacted, spans)
    video = output_path(input_path, out_dir, f"{NAME}.mp4")
    made = make_clip(info, schedule, excerpt, video, plan, options, settings, reporter, LABEL, redactions, scans,
                     detectors)
    job.outputs["publish.video"] = video
    try:
        cues = _sidecars(job, "publish", input_path, out_dir, NAME, excerpt, made.cues, made)  # publish.srt, ...
        words = _words(video, job.outputs.get("publish.transcript"), transcript, redactions, spans, _privacy(settings),
                       settings, reporter, LABEL, bleeped=True, engines=engines)
        source = {"sha256": file_sha256(input_path), "duration": round(info.duration, 6), "fps": info.video.fps,
                  "transcript_sha256": file_sha256(transcript_path) if transcript_path else None}
        record = publish_record(source, made, plan, cues, video)
        record["words"] = words.to_dict()
        # Bound to the video: an edited caption track no longer matches and the publish gate refuses it.
        record["files"] = {kind: file_sha256(job.outputs[f"publish.{kind}"])
                           for kind in SIDECARS if f"publish.{kind}" in job.outputs}
        job.outputs["publish.record"] = PublishRecord(record).save(output_path(input_path, out_dir, f"{NAME}.json"))
        job.summary = {key: record[key] for key in ("frames", "duration", "size", "captions", "burned_captions",
                                                    "branding", "intro_seconds", "privacy")}
        job.summary["words"] = {key: record["words"][key] for key in ("redacted", "counts", "audio_bleeped", "verified")}
    except BaseException:  # stopped or failed before its record was written: not left as an output
        video.unlink(missing_ok=True)
        raise
    if made.verified is False:
        left = made.rounds[-1]
        raise UnverifiedOutput(f"{len(left)} face(s) still found after masking (first at {left[0].time:.2f} s); "
                               f"{record_name(video)} says verified: false")
    if words.verified is False:
        from vidkit.privacy.spoken import heard_message

        raise UnverifiedOutput(heard_message(video.name, words.heard))
    return job


def render_plan(settings: Settings, captions: bool, title: str | None = None) -> ClipPlan:
    """Always masked and verified; captions unless --no-captions; [clip] branding when set."""
    branding = None
    if settings.get("clip", "branding"):
        from vidkit.clips.branding import load_branding

        branding = load_branding(settings.get("clip", "branding"))
    clinic = settings.section("clinic")
    values = {"title": title or "", "clinic": clinic["name"], "contact": clinic["contact"]}
    return ClipPlan(aspect=None, blur=True, burn=captions, branding=branding, branding_values=values,
                    thumbnail=False, title=title)


def whole_schedule(info: MediaInfo) -> Schedule:
    """Every video frame, first to last: one span of the frame count times the frame length
    (a variable-rate source is put on a steady clock over the same stretch)."""
    rate = source_rate(info)
    times = frame_times(info, 0.0, info.duration)
    if not times:
        raise BadInputError(f"{info.path.name} has no video frames")
    return build_schedule(times, [(times[0][1], times[-1][1] + float(1 / rate))], rate)


def record_name(video: Path) -> str:
    """`X.publish.mp4` -> `X.publish.json`: the record beside the video."""
    return Path(video).stem + ".json"


def publish_record(source: dict[str, Any], made: MadeClip, plan: ClipPlan, captions: int,
                   video: Path) -> dict[str, Any]:
    """What `<stem>.publish.json` says: hashes, never file names (they may name a patient).
    The privacy block is a clip record's, so the publish gates and describe read it alike."""
    privacy: dict[str, Any] = {"masked": False, "verified": None}
    if made.masks is not None:
        privacy = {"masked": True, "verified": made.verified, "tracks": len(made.masks.tracks),
                   "verification_rounds": len(made.rounds),
                   "faces_left": len(made.rounds[-1]) if made.rounds else 0}
    return {
        "schema": PUBLISH_SCHEMA,
        "source": source,
        "frames": made.schedule.frames,
        "duration": round(made.schedule.duration, 6),
        "size": list(made.size),
        "captions": captions,
        "burned_captions": bool(plan.burn and made.cues),
        "branding": plan.branding is not None,
        "intro_seconds": round(made.lead_seconds, 6),  # the sidecar captions start this much later
        "privacy": privacy,
        "video_sha256": file_sha256(video),
    }
