"""`vidkit clip`: cut ranges of a recording into clips, each with re-timed captions, a
transcript excerpt and a `<stem>.clipNN.clip.json` record linking it to its source."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av

from vidkit.captions.burn import metadata_args
from vidkit.captions.run import build_for
from vidkit.captions.writers import write_plain
from vidkit.clips.excerpt import fit_cues, transcript_excerpt
from vidkit.clips.ranges import ClipRange, check_in_video, parse_range, parse_ranges_text
from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError, ProcessingError
from vidkit.media import MediaInfo, probe
from vidkit.media.ffmpeg import run_ffmpeg
from vidkit.media.frames import CutSpan, transcode
from vidkit.media.output import atomic_path, output_path, write_text
from vidkit.pipeline.steps import check_transcript_fits, find_output, find_transcript, resolve_out_dir
from vidkit.transcribe.models import file_sha256
from vidkit.transcript import Transcript, load_transcript

CLIP_SCHEMA = "vidkit.clip/1"
SIDECARS = ("srt", "vtt")


@dataclass
class ClipJobResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def read_ranges(range_texts: tuple[str, ...], ranges_file: Path | None) -> list[ClipRange]:
    """--range values, then the ranges in --ranges FILE, in that order."""
    ranges = [parse_range(text) for text in range_texts]
    if ranges_file is not None:
        try:
            text = Path(ranges_file).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInputError(f"ranges file not found: {ranges_file}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInputError(f"cannot read the ranges file {ranges_file}: {exc}") from None
        ranges += parse_ranges_text(text, Path(ranges_file).name)
    if not ranges:
        raise BadInputError("no clip ranges: give --range START-END (repeatable) or --ranges FILE")
    return ranges


def clip_job(input_path: Path, settings: Settings, reporter: Reporter, *, out: Path | None = None,
             ranges: tuple[str, ...] = (), ranges_file: Path | None = None,
             fast: bool = False) -> ClipJobResult:
    info = probe(input_path)
    if info.video is None:
        raise BadInputError(f"{info.path.name} has no video stream: clips are cut from video")
    clips = read_ranges(ranges, ranges_file)
    check_in_video(clips, info.duration, info.video.fps)
    out_dir = resolve_out_dir(settings, out)
    transcript_path = find_transcript(input_path, out_dir)
    transcript = load_transcript(transcript_path) if transcript_path else None
    if transcript is not None:
        check_transcript_fits(transcript, info)
    privacy_path = find_output(input_path, out_dir, ".privacy.json")
    source = {
        "sha256": file_sha256(input_path),
        "duration": round(info.duration, 6),
        "fps": info.video.fps,
        "transcript_sha256": file_sha256(transcript_path) if transcript_path else None,
        "privacy_report_sha256": file_sha256(privacy_path) if privacy_path else None,
    }
    burn = settings.section("burn")
    job = ClipJobResult()
    records = []
    for number, wanted in enumerate(clips, 1):
        name = f".clip{number:02d}"
        video = output_path(input_path, out_dir, f"{name}.mp4")
        progress = reporter.stage(f"Cutting clip {number}/{len(clips)}", wanted.duration)
        if fast:
            span = fast_cut(info, wanted, video, progress)
        else:
            spans: list[CutSpan] = []
            transcode(info, video, lambda index, planes: None, crf=burn["crf"], preset=burn["preset"],
                      on_progress=progress, window=(wanted.start, wanted.end), on_cut=spans.append)
            span = spans[0]
        key = f"clip{number:02d}"
        job.outputs[f"{key}.video"] = video
        captions = 0
        if transcript is not None:
            excerpt = transcript_excerpt(transcript, span.start, span.end)
            job.outputs[f"{key}.transcript"] = write_text(
                output_path(input_path, out_dir, f"{name}.transcript.json"), excerpt.to_json())
            cues = clip_captions(excerpt, info, settings, span.end - span.start)
            captions = len(cues)
            if cues:
                for fmt in SIDECARS:
                    job.outputs[f"{key}.{fmt}"] = write_plain(
                        cues, output_path(input_path, out_dir, f"{name}.{fmt}"), fmt)
        record = clip_record(number, wanted, span, fast, source, captions, video)
        job.outputs[f"{key}.report"] = write_text(output_path(input_path, out_dir, f"{name}.clip.json"),
                                                  json.dumps(record, indent=2) + "\n")
        records.append({k: record[k] for k in ("index", "mode", "requested", "actual", "frames",
                                               "audio_seconds", "captions")})
    job.summary = {"clips": records, "transcript": transcript_path is not None,
                   "privacy_report": privacy_path is not None}
    return job


def clip_captions(excerpt: Transcript, info: MediaInfo, settings: Settings, duration: float):
    """Cues for the clip, built to the same rules as `vidkit caption`, kept inside the clip."""
    fps = info.video.fps if info.video else 0.0
    return fit_cues(build_for(excerpt, settings.section("captions"), fps)[3], duration)


def clip_record(number: int, wanted: ClipRange, span: CutSpan, fast: bool, source: dict[str, Any],
                captions: int, video: Path) -> dict[str, Any]:
    """What `<stem>.clipNN.clip.json` says: hashes, never file names (they may name a patient)."""
    return {
        "schema": CLIP_SCHEMA,
        "index": number,
        "mode": "fast" if fast else "exact",
        "source": source,
        "requested": {"start": wanted.start, "end": wanted.end},
        "actual": {"start": round(span.start, 6), "end": round(span.end, 6),
                   "duration": round(span.end - span.start, 6)},
        "frames": span.frames,
        "audio_seconds": round(span.audio_seconds, 6),
        "captions": captions,
        "video_sha256": file_sha256(video),
    }


def fast_cut(info: MediaInfo, wanted: ClipRange, video: Path, progress) -> CutSpan:
    """Keyframe cut by stream copy: the clip starts at the keyframe at or before `wanted.start`."""
    keyframe = keyframe_before(info.path, wanted.start)
    with atomic_path(video) as tmp:
        run_ffmpeg(["-y", "-ss", f"{wanted.start:.6f}", "-i", str(info.path.resolve()),
                    "-t", f"{wanted.duration:.6f}", "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
                    "-avoid_negative_ts", "make_zero", *metadata_args(), "-movflags", "+faststart",
                    str(tmp.resolve())], duration=wanted.duration, on_progress=progress)
    frames, seconds, samples, rate = _stream_lengths(video)
    return CutSpan(keyframe, keyframe + seconds, frames, samples, rate)


def keyframe_before(path: Path, seconds: float) -> float:
    """Time (s) of the last video keyframe at or before `seconds` (where a copy-cut starts)."""
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        container.seek(int(seconds / stream.time_base), stream=stream, backward=True, any_frame=False)
        for packet in container.demux(stream):
            if packet.is_keyframe and packet.pts is not None:
                found = float(packet.pts * stream.time_base)
                if found <= seconds + 1e-6:
                    return max(0.0, found)
                break
    return 0.0


def _stream_lengths(path: Path) -> tuple[int, float, int, int]:
    """(video frames, video seconds, audio samples, sample rate) of a written clip, from packets."""
    with av.open(str(path)) as container:
        vstream = container.streams.video[0]
        astream = container.streams.audio[0] if container.streams.audio else None
        frames, first, last = 0, None, 0.0
        samples = 0
        for packet in container.demux(*([vstream] + ([astream] if astream else []))):
            if packet.pts is None:
                continue
            if packet.stream is vstream:
                frames += 1
                begin = float(packet.pts * vstream.time_base)
                first = begin if first is None else min(first, begin)
                last = max(last, begin + float((packet.duration or 0) * vstream.time_base))
            elif packet.duration:
                samples += round(float(packet.duration * astream.time_base) * astream.rate)
    if frames == 0:
        raise ProcessingError(f"the fast cut of {path.name} holds no video frames")
    return frames, last - (first or 0.0), samples, astream.rate if astream else 0
