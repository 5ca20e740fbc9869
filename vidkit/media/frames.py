"""Frame-level passes with PyAV: read frames upright, and decode → process → encode in one pass.

Frames are handled as upright 4:2:0 planes (Y, U, V) at an even size: rotation metadata is
applied to the pixels (players that ignore it still show the video upright) and H.264 4:2:0
needs even sides. Timestamps are carried frame by frame, so variable frame rate survives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vidkit.errors import ProcessingError
from vidkit.media.output import atomic_path
from vidkit.media.probe import MediaInfo

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]
# Audio codecs an MP4 can carry as they are; anything else is encoded to AAC.
MP4_AUDIO = {"aac", "mp3", "alac", "opus", "flac", "ac3", "eac3"}


def even_size(info: MediaInfo) -> tuple[int, int]:
    """Upright (display) size rounded up to even numbers."""
    assert info.video is not None
    width, height = info.video.display_size
    return width + width % 2, height + height % 2


def _coded_even(info: MediaInfo) -> tuple[int, int]:
    w, h = info.video.width, info.video.height
    return w + w % 2, h + h % 2


def _turns(info: MediaInfo) -> int:
    # np.rot90 turns counter-clockwise; the player would turn `rotation` degrees clockwise.
    return (-(info.video.rotation // 90)) % 4


def plane_views(frame: av.VideoFrame) -> Planes:
    """Writable numpy views of a yuv420p frame's planes (rows padded to line_size are cut)."""
    views = []
    for plane in frame.planes:
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        views.append(rows[:, :plane.width])
    return tuple(views)  # type: ignore[return-value]


def _upright_frame(frame: av.VideoFrame, cw: int, ch: int, ow: int, oh: int, turns: int) -> av.VideoFrame:
    """A yuv420p copy at the even coded size, turned upright when the stream is rotated."""
    converted = frame.reformat(width=cw, height=ch, format="yuv420p")
    if turns == 0:
        return converted
    upright = av.VideoFrame(ow, oh, "yuv420p")
    for source, target in zip(plane_views(converted), plane_views(upright)):
        target[...] = np.rot90(source, turns)
    return upright


def read_bgr(info: MediaInfo, sizes_for: Callable[[int], Sequence[int]]
             ) -> Iterator[tuple[int, float, dict[int, tuple[np.ndarray, float]]]]:
    """Upright BGR copies of each frame at the sizes `sizes_for(index)` asks for (longer side,
    pixels; never upscaled). Yields (index, time in s, {size: (image, scale to full frame)})."""
    assert info.video is not None
    turns = _turns(info)
    cw, ch = info.video.width, info.video.height
    with av.open(str(info.path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index, frame in enumerate(_decode(container, stream)):
            images = {}
            for long_side in sizes_for(index):
                factor = min(1.0, long_side / max(cw, ch))
                sw, sh = max(2, round(cw * factor)), max(2, round(ch * factor))
                image = frame.to_ndarray(format="bgr24", width=sw, height=sh)
                upright = np.ascontiguousarray(np.rot90(image, turns)) if turns else image
                images[long_side] = (upright, cw / sw)
            yield index, float(frame.time or 0.0), images


def _decode(container, stream) -> Iterator[av.VideoFrame]:
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as exc:  # a truncated tail: keep what decoded, like players do
        import logging

        logging.getLogger(__name__).warning("video stops early (%s): the file looks truncated", exc)


def transcode(
    info: MediaInfo,
    out_path: Path,
    process: Callable[[int, Planes], None],
    *,
    crf: int = 20,
    preset: str = "veryfast",
    on_progress: Callable[[float], None] | None = None,
) -> Path:
    """One decode → `process(index, planes)` (edit planes in place) → H.264 encode pass.

    Audio is stream-copied when MP4 can hold it; no metadata is carried over. Written atomically.
    """
    if info.video is None:
        raise ProcessingError(f"{info.path.name} has no video stream")
    turns = _turns(info)
    cw, ch = _coded_even(info)
    ow, oh = even_size(info)
    with av.open(str(info.path), metadata_errors="ignore") as source, atomic_path(out_path) as tmp:
        vin = source.streams.video[0]
        vin.thread_type = "AUTO"
        ain = source.streams.audio[0] if source.streams.audio else None
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as sink:
            vout = sink.add_stream("libx264", rate=vin.average_rate or vin.guessed_rate or Fraction(25))
            vout.width, vout.height, vout.pix_fmt = ow, oh, "yuv420p"
            # The encoder's clock must be the source's: a 1/fps clock would round variable
            # frame timestamps together.
            vout.time_base = vin.time_base
            vout.codec_context.time_base = vin.time_base
            vout.codec_context.options = {"crf": str(crf), "preset": preset}
            vout.thread_type = "AUTO"
            aout, resampler = _audio_out(sink, ain)
            streams = [vin] + ([ain] if ain is not None else [])
            index = 0
            try:
                for packet in source.demux(*streams):
                    if packet.stream is ain:
                        _audio(packet, aout, resampler, sink)
                        continue
                    for frame in packet.decode():
                        if turns == 0 and frame.format.name == "yuv420p" and (frame.width, frame.height) == (cw, ch):
                            # Common case: paint the decoded frame's own planes, no copies.
                            process(index, plane_views(frame))
                            frame.pict_type = av.video.frame.PictureType.NONE
                            sink.mux(vout.encode(frame))
                        else:
                            out = _upright_frame(frame, cw, ch, ow, oh, turns)
                            process(index, plane_views(out))
                            out.pts, out.time_base = frame.pts, frame.time_base
                            sink.mux(vout.encode(out))
                        index += 1
                        if on_progress is not None and frame.time is not None:
                            on_progress(frame.time)
            except av.error.FFmpegError as exc:
                if index == 0:
                    raise ProcessingError(f"cannot decode {info.path.name}: {exc}") from None
            sink.mux(vout.encode(None))
            if resampler is not None:
                sink.mux(aout.encode(None))
    return out_path


def _audio_out(sink, ain):
    if ain is None:
        return None, None
    if ain.codec_context.name in MP4_AUDIO:
        return sink.add_stream_from_template(ain), None
    aout = sink.add_stream("aac", rate=ain.rate or 48000)
    aout.bit_rate = 192_000
    return aout, True


def _audio(packet, aout, reencode, sink) -> None:
    if reencode:
        for frame in packet.decode():
            frame.pts = None
            sink.mux(aout.encode(frame))
        return
    if packet.dts is None:
        return
    packet.stream = aout
    sink.mux(packet)
