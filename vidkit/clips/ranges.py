"""Clip ranges: parse `START-END` text, JSON and CSV range lists, and check them against a video.

Times are seconds, written either as plain seconds (`12.5`) or as timecodes (`1:02.5`,
`00:01:02.5`; a comma may stand for the decimal point, as in SRT). Pure functions: the caller
reads files and passes their text.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from vidkit.errors import BadInputError

_NUMBER = r"\d+(?:[.,]\d*)?|[.,]\d+"
_TIME = re.compile(rf"^(?:(?:(\d+):)?(\d+):)?({_NUMBER})$")
# The separator is the dash that follows a complete time; times have no sign, so the first one is it.
_RANGE = re.compile(r"^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$")


@dataclass(frozen=True)
class ClipRange:
    """A requested clip: seconds from the start of the source, `start` < `end`."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def label(self) -> str:
        return f"{format_timecode(self.start)}-{format_timecode(self.end)}"


def parse_time(text: str) -> float:
    """Seconds from `12.5`, `1:02.5` or `00:01:02.5` (minutes and seconds below 60 when a
    larger unit is given). Raises BadInputError for anything else."""
    cleaned = str(text).strip()
    match = _TIME.match(cleaned)
    if not match:
        raise BadInputError(f"cannot read the time {text!r}; use seconds (12.5) or a timecode (00:01:02.5)")
    hours, minutes, seconds = match.groups()
    value = float(seconds.replace(",", "."))
    if minutes is not None and value >= 60:
        raise BadInputError(f"cannot read the time {text!r}: seconds must be below 60 in a timecode")
    if hours is not None and int(minutes) >= 60:
        raise BadInputError(f"cannot read the time {text!r}: minutes must be below 60 in a timecode")
    total = int(hours or 0) * 3600 + int(minutes or 0) * 60 + value
    if not math.isfinite(total):
        raise BadInputError(f"cannot read the time {text!r}")
    return total


def format_timecode(seconds: float) -> str:
    """`HH:MM:SS.mmm` (milliseconds, rounded); `parse_time` reads it back."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis / 1000:06.3f}"


def parse_range(text: str) -> ClipRange:
    """`START-END`, e.g. `12.5-40` or `00:01:02.5-00:01:30`; END must be after START."""
    match = _RANGE.match(str(text))
    if not match:
        raise BadInputError(f"cannot read the range {text!r}; use START-END, e.g. 12.5-40 or 00:01:02.5-00:01:30")
    return make_range(parse_time(match.group(1)), parse_time(match.group(2)), str(text).strip())


def make_range(start: float, end: float, label: str | None = None) -> ClipRange:
    """A checked range: refuses empty and backwards ones."""
    label = label or f"{start}-{end}"
    if end <= start:
        kind = "empty" if end == start else "negative (it ends before it starts)"
        raise BadInputError(f"the range {label} is {kind}; END must be after START")
    return ClipRange(start, end)


def parse_ranges_text(text: str, name: str) -> list[ClipRange]:
    """Ranges from a file's text: a JSON list of {"start", "end"} objects (numbers or time
    strings), or CSV with a `start,end` header. `name` (the file name) is used in messages."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise BadInputError(f"{name} holds no ranges")
    if stripped[0] in "[{":
        ranges = _json_ranges(stripped, name)
    else:
        ranges = _csv_ranges(stripped, name)
    if not ranges:
        raise BadInputError(f"{name} holds no ranges")
    return ranges


def _time_value(value: object, name: str, where: str) -> float:
    if isinstance(value, bool) or value is None:
        raise BadInputError(f"{name}, {where}: start and end must be seconds or timecodes")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0:
            raise BadInputError(f"{name}, {where}: times must be 0 or more seconds, not {value}")
        return float(value)
    if isinstance(value, str):
        try:
            return parse_time(value)
        except BadInputError as exc:
            raise BadInputError(f"{name}, {where}: {exc}") from None
    raise BadInputError(f"{name}, {where}: start and end must be seconds or timecodes")


def _json_ranges(text: str, name: str) -> list[ClipRange]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{name} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("clips"), list):
        data = data["clips"]  # also read a file that wraps the list, e.g. {"clips": [...]}
    if not isinstance(data, list):
        raise BadInputError(f'{name} must hold a JSON list of {{"start": ..., "end": ...}} objects')
    ranges = []
    for number, item in enumerate(data, 1):
        where = f"range {number}"
        if not isinstance(item, dict) or "start" not in item or "end" not in item:
            raise BadInputError(f'{name}, {where}: expected an object with "start" and "end"')
        start, end = _time_value(item["start"], name, where), _time_value(item["end"], name, where)
        ranges.append(_checked(start, end, name, where))
    return ranges


def _csv_ranges(text: str, name: str) -> list[ClipRange]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "start" not in header or "end" not in header:
        raise BadInputError(f"{name}: a CSV range list needs a 'start,end' header line")
    reader.fieldnames = header
    ranges = []
    for row in reader:
        where = f"line {reader.line_num}"
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        start = _time_value((row.get("start") or "").strip(), name, where)
        end = _time_value((row.get("end") or "").strip(), name, where)
        ranges.append(_checked(start, end, name, where))
    return ranges


def _checked(start: float, end: float, name: str, where: str) -> ClipRange:
    try:
        return make_range(start, end, f"{format_timecode(start)}-{format_timecode(end)}")
    except BadInputError as exc:
        raise BadInputError(f"{name}, {where}: {exc}") from None


def check_in_video(ranges: Sequence[ClipRange], duration: float, fps: float) -> None:
    """Refuse ranges that start at or after the end of the video or end after it (half a frame
    of slack for rounding). Overlapping ranges are allowed: each becomes its own clip."""
    slack = 0.5 / fps if fps > 0 else 0.02
    for number, clip in enumerate(ranges, 1):
        if clip.start >= duration - slack or clip.end > duration + slack:
            raise BadInputError(
                f"clip {number} ({clip.label()}) is outside the video, which lasts "
                f"{format_timecode(duration)} ({duration:.3f} s)")
        if fps > 0 and clip.duration < 1 / fps - 1e-9:
            raise BadInputError(f"clip {number} ({clip.label()}) is shorter than one frame (1/{fps:g} s)")
