"""Probe a media file with PyAV: streams, duration, frame rate (constant or variable), rotation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from vidkit.errors import BadInputError

# Packets inspected to decide whether the frame rate is variable: ~10 s at 30 fps.
_VFR_SAMPLE_PACKETS = 300


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int  # coded size, pixels
    height: int
    rotation: int  # degrees clockwise a player turns the picture (0, 90, 180, 270)
    fps: float  # average frames per second
    variable_frame_rate: bool
    frame_count: int  # from the container; 0 when it does not say
    pix_fmt: str

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown to a viewer, after rotation."""
        if self.rotation % 180 == 90:
            return self.height, self.width
        return self.width, self.height


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    format: str
    duration: float  # seconds
    size_bytes: int
    video: VideoInfo | None
    audio: AudioInfo | None
    # The container's first timestamp, seconds. vidkit's times count from it, as ffmpeg and
    # players do: a recording cut from a longer one or a stream may start at 5 s, not 0.
    start: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


# One probe per file per process: a job's steps ask for the same source again and again.
_PROBED: dict[tuple[str, int, int, int], MediaInfo] = {}


def probe(path: Path) -> MediaInfo:
    """Describe `path`; raise BadInputError with a plain reason when it is not usable media.
    A file probed before, unchanged since (inode, size, mtime), is not opened again."""
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.absolute()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _PROBED:
        return _PROBED[key]
    info = _probe(path)
    if key is not None:
        if len(_PROBED) > 256:
            _PROBED.clear()
        _PROBED[key] = info
    return info


def _probe(path: Path) -> MediaInfo:
    if not path.exists():
        raise BadInputError(f"input not found: {path}")
    if path.is_dir():
        raise BadInputError(f"input is a folder, not a media file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise BadInputError(f"input is empty (0 bytes): {path}")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError:
        raise BadInputError(unreadable_reason(path)) from None
    with container:
        vstream = next((s for s in container.streams.video if not _is_cover_art(s)), None)
        astream = container.streams.audio[0] if container.streams.audio else None
        if vstream is None and astream is None:
            raise BadInputError(f"{path.name} has no audio or video stream")
        video = _video_info(container, vstream) if vstream is not None else None
        if video is not None and video.frame_count == 1:
            if astream is None:
                raise BadInputError(still_image_reason(path, video.codec))
            video = None  # one picture over a soundtrack is cover art: the input is its audio
        audio = (
            AudioInfo(astream.codec_context.name, astream.rate or 0, astream.channels or 0)
            if astream is not None
            else None
        )
        duration = _duration(container, vstream, astream)
        start = container.start_time / av.time_base if container.start_time is not None else 0.0
        return MediaInfo(path, container.format.name, duration, size, video, audio, start)


# Leading bytes of containers a camera or recorder writes; a match means "damaged", not "wrong file".
_MAGIC = ((4, b"ftyp"), (0, b"RIFF"), (0, b"\x1aE\xdf\xa3"), (0, b"OggS"), (0, b"fLaC"), (0, b"ID3"),
          (0, b"\x00\x00\x01\xba"))


def unreadable_reason(path: Path) -> str:
    """Why ffmpeg cannot open `path`, in words a clinician can act on."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if any(head[offset:offset + len(magic)] == magic for offset, magic in _MAGIC):
        return f"cannot read {path.name}: the file is damaged or truncated (was the copy or recording cut short?)"
    return f"cannot read {path.name}: it is not a media file ffmpeg recognises"


_IMAGE_CODECS = {"png": "a PNG image", "mjpeg": "a JPEG image", "bmp": "a BMP image", "tiff": "a TIFF image",
                 "webp": "a WebP image", "gif": "a GIF image", "jpeg2000": "a JPEG 2000 image"}


def still_image_reason(path: Path, codec: str) -> str:
    """Why a one-frame input is refused: every command needs a recording, not a picture."""
    what = _IMAGE_CODECS.get(codec, "a single still frame")
    return (f"{path.name} is {what}, not a video (whatever its name says): "
            "vidkit works on recordings with moving pictures or sound")


def _is_cover_art(stream: av.video.stream.VideoStream) -> bool:
    # An attached picture (album art) is a one-frame "video" stream that is not video.
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _duration(container, vstream, astream) -> float:
    if container.duration is not None:
        return container.duration / av.time_base
    for stream in (vstream, astream):
        if stream is not None and stream.duration is not None and stream.time_base:
            return float(stream.duration * stream.time_base)
    return 0.0


def _video_info(container, stream) -> VideoInfo:
    ctx = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate or Fraction(0)
    rotation, vfr, packets = _first_frame_rotation_and_vfr(container, stream)
    return VideoInfo(
        codec=ctx.name,
        width=ctx.width,
        height=ctx.height,
        rotation=rotation,
        fps=float(rate),
        variable_frame_rate=vfr,
        # A stream of one packet is one picture, whatever the container claims.
        frame_count=1 if packets == 1 else stream.frames or 0,
        pix_fmt=ctx.pix_fmt or "",
    )


def _first_frame_rotation_and_vfr(container, stream) -> tuple[int, bool, int]:
    """Decode one frame (rotation lives in frame side data) and scan packet timing for VFR;
    also the number of video packets seen (up to the sample size)."""
    rotation = 0
    pts: list[int] = []
    decoded = False
    n_packets = 0
    try:
        for n, packet in enumerate(container.demux(stream)):
            if packet.size:  # the demuxer ends with an empty flush packet
                n_packets += 1
            if packet.pts is not None:
                pts.append(packet.pts)
            if not decoded:
                for frame in packet.decode():
                    # PyAV reports counter-clockwise degrees; players turn the other way.
                    rotation = (-int(frame.rotation or 0)) % 360
                    decoded = True
                    break
            if n >= _VFR_SAMPLE_PACKETS and decoded:
                break
    except av.error.FFmpegError:
        if not decoded:
            raise BadInputError(
                f"cannot decode the video of {Path(container.name).name}: damaged or truncated"
            ) from None
    # Packets arrive in decode order (B-frames); sorted pts give the true frame intervals.
    steps = [b - a for a, b in zip(sorted(pts), sorted(pts)[1:]) if b > a]
    vfr = bool(steps) and _spread(steps) > 0.02
    return rotation, vfr, n_packets


def _spread(values: list[int]) -> float:
    lo, hi = min(values), max(values)
    return (hi - lo) / hi if hi else 0.0
