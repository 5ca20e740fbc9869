"""`vidkit clip --fast`: a keyframe cut by stream copy — instant, no re-encode, but the clip
starts at the keyframe before the requested time, and says so."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from vidkit.captions.burn import metadata_args
from vidkit.clips.ranges import ClipRange
from vidkit.errors import ProcessingError
from vidkit.media import MediaInfo
from vidkit.media.ffmpeg import run_ffmpeg
from vidkit.media.output import atomic_path


@dataclass(frozen=True)
class CutSpan:
    """What a cut really holds: source times in seconds, frames and audio samples."""

    start: float  # source time of the first frame
    end: float
    frames: int
    audio_samples: int  # per channel; 0 without audio
    sample_rate: int  # 0 without audio


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
        # From the recording's start, as ffmpeg's -ss counts (see MediaInfo.start)
        origin = container.start_time / av.time_base if container.start_time is not None else 0.0
        container.seek(int((seconds + origin) / stream.time_base), stream=stream, backward=True, any_frame=False)
        for packet in container.demux(stream):
            if packet.is_keyframe and packet.pts is not None:
                found = float(packet.pts * stream.time_base) - origin
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
