"""Frame-level passes with PyAV: read frames upright, and decode → process → encode in one pass.

Frames are handled as upright 4:2:0 planes (Y, U, V) at an even size: rotation metadata is
applied to the pixels (players that ignore it still show the video upright) and H.264 4:2:0
needs even sides. Timestamps are carried frame by frame, so variable frame rate survives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple
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


def upright_frame(frame: av.VideoFrame, cw: int, ch: int, ow: int, oh: int, turns: int) -> av.VideoFrame:
    """A yuv420p frame of its own at the even coded size, turned upright when the stream is
    rotated: safe to paint on.

    Never the decoder's frame itself: a decoded frame shares its pixels with the reference
    picture that later frames are predicted from, so a mask painted on it would be smeared
    along the motion vectors into the frames decoded after it."""
    converted = frame.reformat(width=cw, height=ch, format="yuv420p")
    if turns == 0 and converted is not frame:
        return converted  # the scaler wrote new pixels: already a copy
    upright = av.VideoFrame(ow, oh, "yuv420p")
    for source, target in zip(plane_views(converted), plane_views(upright)):
        target[...] = np.rot90(source, turns) if turns else source
    return upright


class BGRFrame(NamedTuple):
    index: int  # 0 for the first frame read
    pts: int
    time: float  # seconds
    images: dict[int, tuple[np.ndarray, float]]  # longer side → (image, scale to full frame)


def read_bgr(info: MediaInfo, sizes_for: Callable[[int], Sequence[int]],
             window: tuple[float, float] | None = None, ahead: int = 4) -> Iterator[BGRFrame]:
    """Upright BGR copies of each frame at the sizes `sizes_for(index)` asks for (longer side,
    pixels; never upscaled). With `window` (start, end seconds) only the frames in it.

    Frames are decoded and converted up to `ahead` frames in advance on a worker thread, so
    decoding overlaps whatever the caller does with each frame (face detection)."""
    source = _read_bgr(info, sizes_for, window)
    return prefetch(source, ahead) if ahead > 0 else source


def prefetch(items: Iterator, ahead: int) -> Iterator:
    """`items`, produced on a worker thread at most `ahead` items in advance. An error in the
    worker is raised here; leaving early stops the worker."""
    import queue
    import threading

    done = object()
    slots: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put((done, None))
        except BaseException as exc:  # handed to the reader
            slots.put((done, exc))

    worker = threading.Thread(target=work, name="vidkit-decode", daemon=True)
    worker.start()
    try:
        while True:
            item, error = slots.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        worker.join()


def _read_bgr(info: MediaInfo, sizes_for: Callable[[int], Sequence[int]],
              window: tuple[float, float] | None) -> Iterator[BGRFrame]:
    assert info.video is not None
    turns = _turns(info)
    cw, ch = info.video.width, info.video.height
    frames = decode_window(info, *window) if window else decode_all(info)
    rate = info.video.fps or 25.0
    index = 0
    for frame in frames:
        time = seconds_of(frame, info) or 0.0
        if window and not window[0] <= time < window[1]:
            continue
        images = {}
        # In a window, sizes are asked by the frame's number in the recording, not in the
        # window: every-n-th-frame work (the full-size face pass) then falls on the same frames
        # whichever window reads them, so a clip's own scan equals its stretch of a whole scan.
        for long_side in sizes_for(round(time * rate) if window else index):
            factor = min(1.0, long_side / max(cw, ch))
            sw, sh = max(2, round(cw * factor)), max(2, round(ch * factor))
            image = frame.to_ndarray(format="bgr24", width=sw, height=sh)
            upright = np.ascontiguousarray(np.rot90(image, turns)) if turns else image
            images[long_side] = (upright, cw / sw)
        yield BGRFrame(index, frame.pts or 0, time, images)
        index += 1


def decode_all(info: MediaInfo) -> Iterator[av.VideoFrame]:
    """Every video frame; a truncated tail ends the frames early, as players do."""
    with av.open(str(info.path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        yield from _decode(container, stream)


def _decode(container, stream) -> Iterator[av.VideoFrame]:
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as exc:  # a truncated tail: keep what decoded, like players do
        import logging

        logging.getLogger(__name__).warning("video stops early (%s): the file looks truncated", exc)


# Decoding starts this far before a window (at the keyframe before it) so the decoders
# have their pre-roll: AAC frames overlap, and the first one after a seek decodes incomplete.
PREROLL_SECONDS = 0.5


def decode_window(info: MediaInfo, start: float, end: float) -> Iterator[av.VideoFrame]:
    """Video frames from the keyframe before `start` - preroll to a second past `end`
    (callers pick the frames they want by time; frames without a pts are skipped)."""
    with av.open(str(info.path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        seek_to = max(0.0, start - PREROLL_SECONDS)
        if seek_to > 0:
            seek(container, stream, seek_to, info)
        for frame in _decode(container, stream):
            if frame.pts is None:
                continue
            time = seconds_of(frame, info)
            if time is not None and time > end + 1.0:
                return
            yield frame


def seconds_of(frame, info: MediaInfo) -> float | None:
    """A decoded frame's time on vidkit's clock: seconds from the recording's start
    (MediaInfo.start), not the stream's raw timestamp."""
    return None if frame.time is None else float(frame.time) - info.start


def seek(container, stream, seconds: float, info: MediaInfo) -> None:
    """Seek `stream` to the keyframe at or before `seconds` on vidkit's clock."""
    container.seek(int((seconds + info.start) / stream.time_base), stream=stream, backward=True, any_frame=False)


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

    `process` paints on a copy of each decoded frame, never on the decoder's own (a reference
    for later frames), so only the pixels it changes differ from a plain encode.

    Audio is stream-copied when MP4 can hold it; no metadata is carried over. Written atomically.
    (Clips, which cut, crop and caption, have their own single pass: vidkit.clips.render.)
    """
    if info.video is None:
        raise ProcessingError(f"{info.path.name} has no video stream")
    geometry = frame_geometry(info)
    ow, oh = geometry[2:4]
    with av.open(str(info.path), metadata_errors="ignore") as source, atomic_path(out_path) as tmp:
        vin = source.streams.video[0]
        vin.thread_type = "AUTO"
        ain = source.streams.audio[0] if source.streams.audio else None
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as sink:
            vout = _video_out(sink, vin, ow, oh, crf, preset)
            aout, resampler = _audio_out(sink, ain)
            streams = [vin] + ([ain] if ain is not None else [])
            index = 0
            try:
                for packet in source.demux(*streams):
                    if packet.stream is ain:
                        _audio(packet, aout, resampler, sink)
                        continue
                    for frame in packet.decode():
                        _paint_and_encode(frame, frame.pts, index, process, vout, sink, geometry)
                        index += 1
                        if on_progress is not None and frame.time is not None:
                            on_progress(seconds_of(frame, info))
            except av.error.FFmpegError as exc:
                if index == 0:
                    raise ProcessingError(f"cannot decode {info.path.name}: {exc}") from None
            sink.mux(vout.encode(None))
            if resampler is not None:
                sink.mux(aout.encode(None))
    return out_path


def frame_geometry(info: MediaInfo) -> tuple[int, int, int, int, int]:
    """(coded width, coded height, output width, output height, quarter turns), all even."""
    cw, ch = _coded_even(info)
    ow, oh = even_size(info)
    return cw, ch, ow, oh, _turns(info)


def _paint_and_encode(frame: av.VideoFrame, pts: int, index: int, process: Callable[[int, Planes], None],
                      vout, sink, geometry: tuple[int, int, int, int, int]) -> None:
    out = upright_frame(frame, *geometry)  # a copy: see upright_frame
    process(index, plane_views(out))
    out.pts, out.time_base = pts, frame.time_base
    sink.mux(vout.encode(out))


def _video_out(sink, vin, width: int, height: int, crf: int, preset: str):
    vout = sink.add_stream("libx264", rate=vin.average_rate or vin.guessed_rate or Fraction(25))
    vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
    # The encoder's clock must be the source's: a 1/fps clock would round variable
    # frame timestamps together.
    vout.time_base = vin.time_base
    vout.codec_context.time_base = vin.time_base
    vout.codec_context.options = {"crf": str(crf), "preset": preset}
    vout.thread_type = "AUTO"
    return vout


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
