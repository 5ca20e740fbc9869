"""Range parsing: seconds, timecodes, JSON and CSV lists, and checks against the video."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidkit.clips.ranges import (ClipRange, check_in_video, format_timecode, parse_range,
                                 parse_ranges_text, parse_time)
from vidkit.errors import BadInputError


@pytest.mark.parametrize("text, seconds", [
    ("12.5", 12.5), ("40", 40.0), (".5", 0.5), ("1:02.5", 62.5), ("00:01:02.5", 62.5),
    ("01:00:00", 3600.0), ("00:00:01,250", 1.25), (" 7 ", 7.0),
])
def test_parse_time(text, seconds):
    assert parse_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "-1", "1:60", "1:61:00", "1::2", "1.2.3", "nan", "inf"])
def test_parse_time_refuses(text):
    with pytest.raises(BadInputError, match="cannot read the time"):
        parse_time(text)


def test_parse_range_forms():
    assert parse_range("12.5-40") == ClipRange(12.5, 40.0)
    assert parse_range("00:01:02.5-00:01:30") == ClipRange(62.5, 90.0)
    assert parse_range(" 1 - 2 ") == ClipRange(1.0, 2.0)


@pytest.mark.parametrize("text, message", [
    ("5-5", "is empty"), ("10-5", "negative"), ("abc", "cannot read the range"),
    ("1-2-3", "cannot read the range"), ("-1-2", "cannot read the range"), ("5", "cannot read the range"),
])
def test_parse_range_refuses(text, message):
    with pytest.raises(BadInputError, match=message):
        parse_range(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=100 * 3600 * 1000 - 1))
def test_timecode_round_trip(millis):
    seconds = millis / 1000
    text = format_timecode(seconds)
    assert parse_time(text) == pytest.approx(seconds, abs=1e-9)
    assert format_timecode(parse_time(text)) == text


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=10**7))
def test_range_round_trip(start_ms, length_ms):
    clip = ClipRange(start_ms / 1000, (start_ms + length_ms) / 1000)
    parsed = parse_range(clip.label())
    assert parsed.start == pytest.approx(clip.start, abs=1e-9)
    assert parsed.end == pytest.approx(clip.end, abs=1e-9)


def test_json_and_csv_lists():
    json_text = '[{"start": 1, "end": 2.5}, {"start": "00:00:03", "end": "0:04.5"}, {"start": 1.5, "end": 2}]'
    assert parse_ranges_text(json_text, "r.json") == [ClipRange(1, 2.5), ClipRange(3, 4.5), ClipRange(1.5, 2)]
    csv_text = "\ufeffStart,End\n1,2.5\n\n00:00:03,0:04.5\n"
    assert parse_ranges_text(csv_text, "r.csv") == [ClipRange(1, 2.5), ClipRange(3, 4.5)]


@pytest.mark.parametrize("text, message", [
    ("", "holds no ranges"), ("[]", "holds no ranges"), ("[{\"start\": 1}]", '"start" and "end"'),
    ("[{\"start\": 2, \"end\": 1}]", "range 1: .*negative"), ("{bad json", "not valid JSON"),
    ("a,b\n1,2\n", "start,end"), ("start,end\n1,x\n", "line 2: cannot read the time"),
    ("[{\"start\": -1, \"end\": 1}]", "0 or more seconds"),
])
def test_range_lists_refused(text, message):
    with pytest.raises(BadInputError, match=message):
        parse_ranges_text(text, "ranges.txt")


def test_check_in_video():
    check_in_video([ClipRange(0, 3.0), ClipRange(1, 2), ClipRange(1.5, 2.5)], 3.0, 25)  # overlap is fine
    with pytest.raises(BadInputError, match="clip 2 .* outside the video"):
        check_in_video([ClipRange(0, 1), ClipRange(2, 3.5)], 3.0, 25)
    with pytest.raises(BadInputError, match="outside the video"):
        check_in_video([ClipRange(3.0, 4.0)], 3.0, 25)
    with pytest.raises(BadInputError, match="shorter than one frame"):
        check_in_video([ClipRange(1.0, 1.01)], 3.0, 25)
