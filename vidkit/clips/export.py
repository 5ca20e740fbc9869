"""Editor exports of chosen clips: a CMX3600 EDL and an FCPXML 1.10 timeline.

Clips are snapped to whole frames as `vidkit clip` cuts them: a clip holds the frames whose
time (frame number / fps, seconds) lies in [start, end), and at least one frame. The exports
name only what the caller passes (title, reel, source name or URI), never transcript text, so
a patient's name appears only if the caller put it there.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit

from vidkit.errors import BadInputError

_REEL = re.compile(r"^[A-Za-z0-9_]{1,8}$")
_AUDIO_RATES = {32000: "32k", 44100: "44.1k", 48000: "48k", 88200: "88.2k", 96000: "96k",
                176400: "176.4k", 192000: "192k"}


class TimeSpan(Protocol):
    """Anything with `start` and `end` seconds: a ClipRange or a Candidate."""

    start: float
    end: float


def frame_duration(fps: float | Fraction) -> Fraction:
    """Seconds per frame as an exact fraction; NTSC rates (23.976, 29.97, 59.94…) become
    1001/24000, 1001/30000, 1001/60000."""
    if not fps > 0:
        raise BadInputError(f"the frame rate must be more than 0, not {fps}")
    nominal = round(fps)
    if nominal and abs(fps - Fraction(nominal * 1000, 1001)) < 0.005:
        return Fraction(1001, nominal * 1000)
    return 1 / Fraction(fps).limit_denominator(1001)


def is_drop_frame(fps: float | Fraction) -> bool:
    """Whether timecode at this rate is drop-frame: 29.97 and 59.94 fps."""
    return frame_duration(fps) in (Fraction(1001, 30000), Fraction(1001, 60000))


def frame_span(clip: TimeSpan, fps: float | Fraction) -> tuple[int, int]:
    """(first frame, end frame) of a clip: the frames whose time lies in [start, end)."""
    rate = 1 / frame_duration(fps)
    # The small tolerance keeps float noise (12.52 * 25 = 313.0000001) on the right frame.
    first = max(0, math.ceil(clip.start * rate - 1e-6))
    end = max(first + 1, math.ceil(clip.end * rate - 1e-6))
    return first, end


def timecode(frame: int, fps: float | Fraction) -> str:
    """SMPTE timecode of a frame number: HH:MM:SS:FF, or HH:MM:SS;FF when drop-frame (frame
    numbers 0 and 1 (0-3 at 59.94) are skipped each minute except every tenth)."""
    base = round(1 / frame_duration(fps))
    if is_drop_frame(fps):
        dropped = base // 15  # 2 at 29.97, 4 at 59.94
        per_minute = base * 60 - dropped
        per_ten = per_minute * 10 + dropped
        tens, rest = divmod(frame, per_ten)
        frame += dropped * 9 * tens + (dropped * ((rest - dropped) // per_minute) if rest > dropped else 0)
    seconds, frames = divmod(frame, base)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    separator = ";" if is_drop_frame(fps) else ":"
    return f"{hours % 24:02d}:{minutes:02d}:{seconds:02d}{separator}{frames:02d}"


def _hour_frame(fps: float | Fraction) -> int:
    """The frame number whose timecode is 01:00:00:00, where edit timelines start by convention."""
    base = round(1 / frame_duration(fps))
    return base * 3600 - (base // 15) * 54 if is_drop_frame(fps) else base * 3600


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def to_edl(ranges: Sequence[TimeSpan], fps: float | Fraction, *, title: str, reel: str = "AX",
           source_name: str = "SOURCE", audio: bool = True) -> str:
    """CMX3600 EDL: one event per clip (channel `B` = video + audio 1, or `V` without audio),
    placed back to back on a record timeline starting at 01:00:00:00. Source timecodes count
    from 00:00:00:00 at the source's `fps`. `source_name` goes into `* FROM CLIP NAME:` lines
    so the editor can relink the media; pass a neutral name if the file name names a patient."""
    if not ranges:
        raise BadInputError("there are no clips to export")
    if not _REEL.match(reel):
        raise BadInputError(f"the reel name {reel!r} must be 1-8 letters, digits or _ (e.g. AX)")
    drop = is_drop_frame(fps)
    lines = [f"TITLE: {_one_line(title)[:70]}", f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]
    record = _hour_frame(fps)
    for number, clip in enumerate(ranges, 1):
        first, end = frame_span(clip, fps)
        record_end = record + end - first
        times = " ".join(timecode(f, fps) for f in (first, end, record, record_end))
        lines += [f"{number:03d}  {reel:<8} {'B' if audio else 'V':<5} C        {times}",
                  f"* FROM CLIP NAME: {_one_line(source_name)}", ""]
        record = record_end
    return "\n".join(lines)


def _rational(frames: int, step: Fraction) -> str:
    """FCPXML time: a whole number of frames as `N/Ds` on the frame grid, `0s` for zero."""
    return f"{frames * step.numerator}/{step.denominator}s" if frames else "0s"


def file_uri(path: str | Path) -> str:
    """The `src` for `to_fcpxml`: `file://` URL for an absolute path, or a percent-encoded
    relative reference (e.g. `session%201.mp4`) that editors resolve beside the .fcpxml."""
    path = Path(path)
    if path.is_absolute():
        return path.as_uri()
    return quote(PurePosixPath(*path.parts).as_posix())


def to_fcpxml(ranges: Sequence[TimeSpan], fps: float | Fraction, width: int, height: int, duration: float, *,
              source_uri: str, title: str, has_audio: bool = True, audio_channels: int = 2,
              audio_rate: int = 48000) -> str:
    """FCPXML 1.10: one asset (the source, `duration` seconds, `width`x`height` pixels) and a
    project whose spine holds one asset-clip per range, back to back, all times on the frame grid.

    `source_uri` is the media-rep `src` (see `file_uri`). A relative name keeps private folder
    paths out of the file; the editor then needs the media beside the .fcpxml or relinks it."""
    if not ranges:
        raise BadInputError("there are no clips to export")
    step = frame_duration(fps)
    asset_frames = max(1, round(Fraction(duration) / step))
    spans = []
    for number, clip in enumerate(ranges, 1):
        first, end = frame_span(clip, fps)
        if first >= asset_frames:
            raise BadInputError(f"clip {number} starts at {clip.start:.3f} s, at or after the end of "
                                f"the video ({duration:.3f} s)")
        spans.append((first, min(end, asset_frames)))
    total = sum(end - first for first, end in spans)
    tc_format = "DF" if is_drop_frame(fps) else "NDF"
    root = ET.Element("fcpxml", version="1.10")
    resources = ET.SubElement(root, "resources")
    ET.SubElement(resources, "format", id="r1", frameDuration=_rational(1, step),
                  width=str(int(width)), height=str(int(height)))
    asset = ET.SubElement(resources, "asset", id="r2", name=_asset_name(source_uri), start="0s",
                          duration=_rational(asset_frames, step), hasVideo="1", format="r1",
                          hasAudio="1" if has_audio else "0")
    if has_audio:
        asset.set("audioSources", "1")
        asset.set("audioChannels", str(audio_channels))
        asset.set("audioRate", str(audio_rate))
    ET.SubElement(asset, "media-rep", kind="original-media", src=source_uri)
    event = ET.SubElement(ET.SubElement(root, "library"), "event", name=_one_line(title))
    project = ET.SubElement(event, "project", name=_one_line(title))
    sequence = ET.SubElement(project, "sequence", format="r1", duration=_rational(total, step),
                             tcStart="0s", tcFormat=tc_format)
    if has_audio:
        sequence.set("audioLayout", "mono" if audio_channels == 1 else "stereo")
        if audio_rate in _AUDIO_RATES:
            sequence.set("audioRate", _AUDIO_RATES[audio_rate])
    spine = ET.SubElement(sequence, "spine")
    offset = 0
    for number, (first, end) in enumerate(spans, 1):
        ET.SubElement(spine, "asset-clip", ref="r2", offset=_rational(offset, step), name=f"Clip {number:02d}",
                      start=_rational(first, step), duration=_rational(end - first, step), tcFormat=tc_format)
        offset += end - first
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n{body}\n'


def _asset_name(source_uri: str) -> str:
    name = unquote(PurePosixPath(urlsplit(source_uri).path).name)
    return name or "source"
