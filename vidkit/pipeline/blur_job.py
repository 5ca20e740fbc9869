"""`vidkit blur`: anonymised video, privacy report, optional review sheet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

from vidkit import artifacts
from vidkit.records import PrivacyReport
from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError, VidkitError
from vidkit.media import probe
from vidkit.captions.burn import metadata_args
from vidkit.media.ffmpeg import run_ffmpeg
from vidkit.media.output import atomic_path, output_path
from vidkit.faces.anonymise import BlurResult, anonymise
from vidkit.faces.options import BlurOptions, StaticRegion
from vidkit.faces.detect import Box
from vidkit.faces.mask import MODES, region
from vidkit.origin import check_stem_outputs
from vidkit.pipeline.steps import resolve_out_dir
from vidkit.faces.report import build_report, contact_sheet
from vidkit.privacy.spoken import NO_AUDIO, WordsRecord, heard_message, listen_again, unredacted

_REGION = re.compile(r"^\s*(\d+),(\d+),(\d+),(\d+)\s*(?:@\s*([\d.]+)\s*-\s*([\d.]*)\s*)?$")


class UnverifiedOutput(VidkitError):
    """The verifier still finds faces after the last masking round (exit code 1)."""


@dataclass
class BlurJobResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    result: BlurResult | None = None


def parse_region(text: str) -> StaticRegion:
    """`x,y,w,h` or `x,y,w,h@start-end` (pixels of the upright frame; seconds, end optional)."""
    match = _REGION.match(text)
    if not match:
        raise BadInputError(f"bad --region {text!r}; use x,y,w,h or x,y,w,h@start-end (pixels, seconds)")
    x, y, w, h = (int(v) for v in match.groups()[:4])
    if w == 0 or h == 0:
        raise BadInputError(f"--region {text!r} has zero width or height")
    start = float(match.group(5)) if match.group(5) else 0.0
    end = float(match.group(6)) if match.group(6) else float("inf")
    if end < start:
        raise BadInputError(f"--region {text!r} ends before it starts")
    return StaticRegion(Box(x, y, w, h), start, end)


def blur_options(settings: Settings, keep_tracks: tuple[int, ...], regions: tuple[str, ...]) -> BlurOptions:
    section = settings.section("blur")
    if section["mode"] not in MODES:
        raise BadInputError(f"unknown --mode {section['mode']!r}; use {', '.join(MODES)}")
    if section["mode"] == "blur":
        # Allowed, but said plainly: blurred faces can be re-identified by machines.
        import logging

        logging.getLogger(__name__).warning("mode 'blur' is reversible by machine; prefer solid or pixelate")
    burn = settings.section("burn")
    return BlurOptions(mode=section["mode"], cells=section["cells"], detector=section["detector"],
                       verifier=section["verifier"], detect_size=section["detect_size"],
                       fine_every=section["fine_every"], verify_every=section["verify_every"],
                       extend_seconds=section["extend_seconds"], keep_tracks=keep_tracks,
                       regions=tuple(parse_region(r) for r in regions), verify=section["verify"],
                       crf=burn["crf"], preset=burn["preset"])


def blur_job(input_path: Path, settings: Settings, reporter: Reporter, *, out: Path | None = None,
             keep_tracks: tuple[int, ...] = (), regions: tuple[str, ...] = (),
             review: bool = False, transcript_path: Path | None = None, overwrite: bool = False,
             detectors: Any = None, engines: Any = None) -> BlurJobResult:
    """`vidkit blur`; `detectors`, `engines`: where detectors and speech engines come from
    (vidkit.faces.detect.Detectors, vidkit.transcribe.engines.Engines; the registries by default)."""
    info = probe(input_path)
    if info.video is None:
        raise BadInputError(f"{info.path.name} has no video stream: there are no faces to mask")
    if settings.get("privacy", "roster"):
        from vidkit.privacy.options import privacy_options

        privacy_options(settings, [(input_path, "the recording's file name")])  # fails before minutes of work
    options = blur_options(settings, keep_tracks, regions)
    out_dir = resolve_out_dir(settings, out)
    check_stem_outputs(input_path, out_dir, overwrite=overwrite, keep=(transcript_path,))
    video = output_path(input_path, out_dir, artifacts.BLURRED)
    result = anonymise(info, video, options, reporter.update, detectors)
    unknown = set(keep_tracks) - {t.id for t in result.tracks}
    if unknown:
        video.unlink(missing_ok=True)
        raise BadInputError(f"--keep-track {sorted(unknown)[0]}: no such track (run with --review to see them)")
    job = BlurJobResult(result=result)
    job.outputs["video"] = video
    extra: dict[str, Any] = {}
    words = unredacted()
    if settings.get("privacy", "roster"):
        extra["redaction"], words = _redact_audio(input_path, info, video, settings, reporter, out,
                                                  transcript_path, job, engines)
    extra["words"] = words.to_dict()
    report = build_report(result, options, input_path, video, extra)
    job.outputs["report"] = PrivacyReport(report).save(output_path(input_path, out_dir, artifacts.PRIVACY_REPORT))
    if review:
        job.outputs["review"] = write_review(video, result, options,
                                             output_path(input_path, out_dir, artifacts.REVIEW_SHEET))
    remaining = result.rounds[-1] if result.rounds else []
    job.summary = {
        "tracks": len(result.tracks),
        "frames": len(result.times),
        "verified": result.verified,
        "verification_rounds": len(result.rounds),
        "faces_left": len(remaining),
    }
    job.summary["words_verified"] = words.verified
    if options.verify and not result.verified:
        first = remaining[0]
        raise UnverifiedOutput(
            f"{len(remaining)} face(s) still found after masking (first at {first.time:.2f} s, box "
            f"{round(first.box.x)},{round(first.box.y)},{round(first.box.w)},{round(first.box.h)}); "
            f"the output is marked unverified in {job.outputs['report'].name}"
        )
    if words.verified is False:
        raise UnverifiedOutput(heard_message(video.name, words.heard))
    return job


def _redact_audio(input_path: Path, info, video: Path, settings: Settings, reporter: Reporter,
                  out: Path | None, transcript_path: Path | None,
                  job: BlurJobResult, engines: Any = None) -> tuple[dict[str, Any], WordsRecord]:
    """Bleep roster names and identifying numbers in the blurred video's audio: the audio is
    filtered once from the source while the rendered video stream is copied, not re-encoded.
    Then the second listen over the result (the report's `words` block)."""
    from vidkit.pipeline.caption_redaction import redact_for_captions
    from vidkit.privacy.options import privacy_options
    from vidkit.pipeline.steps import find_transcript, obtain_transcript
    from vidkit.privacy.transcript_store import KEY_FIELD
    from vidkit.hashing import file_sha256

    privacy = privacy_options(settings)
    if info.audio is None:
        words = WordsRecord(redacted=True, roster_sha256=privacy.roster_sha256, note=NO_AUDIO)
        return {"audio": "no audio stream"}, words
    got = obtain_transcript(input_path, info, settings, reporter, out, transcript_path, engines)
    job.outputs.update(got.outputs)
    out_dir = resolve_out_dir(settings, out)
    redaction = redact_for_captions(input_path, info, got.transcript, privacy, out_dir, burn=True)
    job.outputs["redaction"] = redaction.report
    written = find_transcript(input_path, out_dir)
    words = WordsRecord(redacted=True, roster_sha256=privacy.roster_sha256, counts=redaction.summary["counts"],
                        audio_bleeped=bool(redaction.audio_filter),
                        transcript_sha256=file_sha256(written) if written else None,
                        clear_transcript=got.transcript.provenance.get(KEY_FIELD) if got.transcript else None)
    if redaction.audio_filter:
        with atomic_path(video) as tmp:
            run_ffmpeg(["-y", "-i", str(video.resolve()), "-i", str(info.path.resolve()),
                        "-map", "0:v:0", "-c:v", "copy", "-map", "1:a:0", "-af", redaction.audio_filter,
                        "-c:a", "aac", "-b:a", "192k", *metadata_args(), "-movflags", "+faststart",
                        str(tmp.resolve())],
                       duration=info.duration, on_progress=reporter.stage("Bleeping names", info.duration))
    if settings.get("privacy", "verify_words"):
        progress = reporter.stage("Listening again", info.duration)
        words.verified, words.heard, words.note = listen_again(
            video, privacy.roster, settings.section("transcribe"), lambda done, total: progress(done), engines)
    else:
        words.note = "the second listen is off (privacy.verify_words = false)"
    return redaction.summary, words


def write_review(video: Path, result: BlurResult, options: BlurOptions, target: Path) -> Path:
    """One thumbnail per track, cut from the anonymised output so masked faces stay masked."""
    import cv2

    wanted: dict[int, list[tuple[int, tuple[int, int, int, int]]]] = {}
    for track in result.tracks:
        best = max(track.boxes.items(), key=lambda kv: (kv[1].kind == "detected", kv[1].box.score))
        frame, tb = best
        x0, y0, x1, y1 = region(tb, result.frame_size, options.margins)
        pad_x, pad_y = (x1 - x0) // 2, (y1 - y0) // 2
        rect = (max(0, x0 - pad_x), max(0, y0 - pad_y), x1 + pad_x, y1 + pad_y)
        wanted.setdefault(frame, []).append((track.id, rect))
    thumbs: dict[int, np.ndarray] = {}
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                image = frame.to_ndarray(format="rgb24")
                for track_id, (x0, y0, x1, y1) in wanted[index]:
                    thumbs[track_id] = image[y0:y1, x0:x1].copy()
            if len(thumbs) == len(result.tracks):
                break
    cells = [(tid, thumbs[tid], tid in options.keep_tracks) for tid in sorted(thumbs)]
    sheet = contact_sheet(cells) if cells else np.full((60, 320, 3), 32, np.uint8)
    ok, png = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise VidkitError("could not encode the review sheet")
    with atomic_path(target) as tmp:
        tmp.write_bytes(png.tobytes())
    return target


