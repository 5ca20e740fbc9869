"""Render one clip in a single pass.

PyAV decodes the source once; each frame is turned upright, faces are painted on the full
frame (so masks use the coordinates the detector saw), then it is cropped and scaled to the
clip's size and piped raw into ONE ffmpeg encode that burns the captions (libass) and adds
branding. The audio is cut to the same spans sample by sample into a private WAV and encoded
in that same ffmpeg run. Nothing is encoded twice.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vidkit.captions.burn import link_fonts, metadata_args, video_args
from vidkit.clips.reframe import Crop
from vidkit.clips.schedule import Schedule, Span
from vidkit.errors import ProcessingError
from vidkit.media.ffmpeg import find_ffmpeg
from vidkit.media.frames import (PREROLL_SECONDS, Planes, decode_window, frame_geometry, plane_views, seek,
                                 upright_frame)
from vidkit.media.output import atomic_path
from vidkit.media.probe import MediaInfo

AUDIO_RATE = 48000


@dataclass
class RenderSpec:
    """What to draw: output size, per-frame crop and paint, captions and branding."""

    size: tuple[int, int]  # output width, height (even)
    crop: Callable[[int], Crop | None] = lambda index: None  # output frame index → window
    paint: Callable[[int, Planes], None] | None = None  # (source pts, upright planes)
    # (output frame index, planes as piped, crop): every frame exactly as it goes to the encoder
    inspect: Callable[[int, Planes, Crop | None], None] | None = None
    ass: str | None = None  # ASS captions at the output size, clip time
    audio_filter: str | None = None  # ffmpeg -af chain on the clip's audio (clip time)
    branding_inputs: list[str] = field(default_factory=list)
    branding_filters: list[str] = field(default_factory=list)
    extra_seconds: float = 0.0  # cards added by branding
    crf: int = 20
    preset: str = "veryfast"


def frame_times(info: MediaInfo, start: float, end: float) -> list[tuple[int, float]]:
    """(pts, seconds) of the video frames from just before `start` to just after `end`, sorted;
    read from packets, so nothing is decoded."""
    found: list[tuple[int, float]] = []
    with av.open(str(info.path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        seek_to = max(0.0, start - PREROLL_SECONDS)
        if seek_to > 0:
            seek(container, stream, seek_to, info)
        tail = end + 1.0
        try:
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                time = float(packet.pts * stream.time_base) - info.start
                found.append((packet.pts, time))
                if time > tail and packet.is_keyframe:
                    break
        except av.error.FFmpegError:
            pass  # a truncated tail: keep what was read
    found.sort(key=lambda item: item[1])
    return found


def source_rate(info: MediaInfo) -> Fraction:
    with av.open(str(info.path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
    return Fraction(rate).limit_denominator(1001 * 1000)


def write_clip_audio(info: MediaInfo, spans: Sequence[Span], target: Path) -> bool:
    """The source audio inside `spans`, back to back, as 16-bit PCM WAV at the source rate;
    silence where the source has none. Returns False when the source has no audio stream."""
    with av.open(str(info.path), metadata_errors="ignore") as container:
        if not container.streams.audio:
            return False
        stream = container.streams.audio[0]
        rate = stream.rate or AUDIO_RATE
        channels = max(1, stream.channels or 1)
        with wave.open(str(target), "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(2)
            out.setframerate(rate)
            for span in spans:
                first = round(span.start * rate)
                wanted = round(span.duration * rate)
                written = 0
                for frame_time, samples in _audio_frames(container, stream, span.start, info):
                    begin = round(frame_time * rate)
                    lo = max(0, first + written - begin)
                    hi = min(samples.shape[1], first + wanted - begin)
                    if hi > lo:
                        out.writeframes(_pcm16(samples[:, lo:hi], channels))
                        written += hi - lo
                    if written >= wanted or begin >= first + wanted:
                        break
                if written < wanted:  # the source audio ends early: pad so the clip stays in sync
                    out.writeframes(np.zeros((wanted - written) * channels, np.int16).tobytes())
    return True


def _audio_frames(container, stream, start: float, info: MediaInfo) -> Iterator[tuple[float, np.ndarray]]:
    """(start time, float samples channels × n) of decoded audio frames from before `start`
    (vidkit's clock: MediaInfo.start)."""
    seek(container, stream, max(0.0, start - PREROLL_SECONDS), info)
    try:
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            data = frame.to_ndarray()
            if not frame.format.is_planar:  # packed: one row of interleaved channels
                data = data.reshape(-1, len(frame.layout.channels)).T
            if data.dtype.kind in "iu":
                data = data.astype(np.float32) / float(np.iinfo(data.dtype).max)
            yield float(frame.time) - info.start, data
    except av.error.FFmpegError:
        return


def _pcm16(samples: np.ndarray, channels: int) -> bytes:
    if samples.shape[0] != channels:  # a layout change mid-stream: keep the first channels
        samples = np.resize(samples, (channels, samples.shape[1]))
    clipped = np.clip(samples.T, -1.0, 1.0)
    return (clipped * 32767.0).round().astype("<i2").tobytes()


def render_clip(info: MediaInfo, schedule: Schedule, spec: RenderSpec, out_path: Path,
                on_progress: Callable[[float], None] | None = None) -> Path:
    """Write `out_path` (atomically): the scheduled frames painted, cropped, captioned and
    branded, with the matching audio; see the module docstring."""
    width, height = spec.size
    with tempfile.TemporaryDirectory(prefix="vidkit-clip-") as work, atomic_path(out_path) as tmp:
        workdir = Path(work)
        has_audio = write_clip_audio(info, schedule.spans, workdir / "audio.wav")
        piped = _piped_size(info, spec)
        cmd = _command(spec, schedule, workdir, has_audio, tmp.resolve(), piped)
        with open(workdir / "ffmpeg.log", "wb") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=log, cwd=workdir)
            try:
                try:
                    for index, image in enumerate(_frames(info, schedule, spec)):
                        proc.stdin.write(image)
                        if on_progress is not None:
                            on_progress((index + 1) / schedule.rate)
                    proc.stdin.close()
                except BrokenPipeError:
                    pass  # ffmpeg stopped; its log says why
                code = proc.wait()  # inside: a stop while ffmpeg finishes the encode kills it too
            except BaseException:
                proc.kill()
                proc.wait()
                raise
        if code != 0:
            lines = [ln for ln in (workdir / "ffmpeg.log").read_text(errors="replace").splitlines() if ln.strip()]
            raise ProcessingError(f"ffmpeg failed rendering the clip: {lines[-1] if lines else f'exit code {code}'}")
    return out_path


def _command(spec: RenderSpec, schedule: Schedule, workdir: Path, has_audio: bool, target: Path,
             piped: tuple[int, int]) -> list[str]:
    width, height = spec.size
    rate = f"{schedule.rate.numerator}/{schedule.rate.denominator}"
    cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
           "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{piped[0]}x{piped[1]}", "-framerate", rate,
           "-i", "pipe:0"]
    if has_audio:
        cmd += ["-i", "audio.wav"]
    else:  # a clip always has sound, so players and YouTube treat every clip alike
        cmd += ["-f", "lavfi", "-t", f"{schedule.duration:.6f}", "-i",
                f"anullsrc=r={AUDIO_RATE}:cl=stereo"]
    cmd += spec.branding_inputs
    # The crop is piped at source resolution and scaled here, in ffmpeg's threads: a seventh of
    # the bytes through the pipe for a 9:16 crop of 720p, and the same scaler a plain cut uses.
    steps = [f"scale={width}:{height}:flags=bicubic,setsar=1"] if piped != (width, height) else []
    if spec.ass is not None:
        (workdir / "captions.ass").write_text(spec.ass, encoding="utf-8")
        link_fonts(workdir / "fonts")
        steps.append("ass=captions.ass:fontsdir=fonts")
    video = "[0:v]" + (",".join(steps) or "null")
    audio = f"[1:a]{spec.audio_filter + ',' if spec.audio_filter else ''}" \
            f"aresample={AUDIO_RATE},aformat=channel_layouts=stereo"
    filters = [f"{video}[vmain]", f"{audio}[amain]"]
    filters += spec.branding_filters or ["[vmain]null[vout]", "[amain]anull[aout]"]
    cmd += ["-filter_complex", ";".join(filters), "-map", "[vout]", "-map", "[aout]",
            *video_args(spec.crf, spec.preset), "-c:a", "aac", "-b:a", "192k",
            *metadata_args(), "-movflags", "+faststart", str(target)]
    return cmd


def _frames(info: MediaInfo, schedule: Schedule, spec: RenderSpec) -> Iterator[bytes]:
    """Output frames as raw yuv420p bytes, in schedule order."""
    cw, ch, ow, oh, turns = frame_geometry(info)
    index = 0
    for start, end in _decode_ranges(schedule):
        for frame in decode_window(info, start, end):
            pts = frame.pts
            if index >= schedule.frames or schedule.pts[index] != pts:
                continue  # not the frame the clip shows next (before the span, or dropped)
            upright = upright_frame(frame, cw, ch, ow, oh, turns)
            planes = plane_views(upright)
            if spec.paint is not None:
                spec.paint(pts, planes)
            while index < schedule.frames and schedule.pts[index] == pts:
                crop = spec.crop(index)
                cropped = _cropped(planes, crop)
                if spec.inspect is not None:
                    spec.inspect(index, cropped, crop)
                yield b"".join(np.ascontiguousarray(plane).tobytes() for plane in cropped)
                index += 1
    if index < schedule.frames:
        raise ProcessingError(f"the source ended after {index} of {schedule.frames} clip frames")


def _decode_ranges(schedule: Schedule) -> list[tuple[float, float]]:
    """Source time ranges to decode: the spans, merged where a seek would not pay off."""
    ranges: list[tuple[float, float]] = []
    for span in schedule.spans:
        if ranges and span.start - ranges[-1][1] < 2.0:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], span.end))
        else:
            ranges.append((span.start, span.end))
    return ranges


def _piped_size(info: MediaInfo, spec: RenderSpec) -> tuple[int, int]:
    """Size of the frames on the pipe: the crop window's (constant per clip), else the frame's."""
    crop = spec.crop(0)
    if crop is not None:
        return crop.w, crop.h
    cw, ch, ow, oh, _ = frame_geometry(info)
    return ow, oh


def _cropped(planes: Planes, crop: Crop | None) -> Planes:
    """Views of the crop window in each plane (crop coordinates are even: chroma is half)."""
    if crop is None:
        return planes
    y, u, v = planes
    half = (slice(crop.y // 2, (crop.y + crop.h) // 2), slice(crop.x // 2, (crop.x + crop.w) // 2))
    return (y[crop.y:crop.y + crop.h, crop.x:crop.x + crop.w], u[half], v[half])
