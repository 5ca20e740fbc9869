"""Editor exports: CMX3600 EDL and FCPXML 1.10, on the frame grid, naming only what the caller passes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidkit.clips.export import (file_uri, frame_duration, frame_span, is_drop_frame, timecode, to_edl,
                                 to_fcpxml)
from vidkit.clips.ranges import ClipRange
from vidkit.clips.select import Candidate
from vidkit.errors import BadInputError

NTSC = 30000 / 1001
EVENT = re.compile(r"^(\d{3})  (\S+)\s+(B|V)\s+C\s+(\S+) (\S+) (\S+) (\S+)$")


def frames_of(text: str, fps: float) -> int:
    """Frame number of a timecode (drop-frame when written with ';')."""
    hours, minutes, seconds, frames = map(int, re.split("[:;]", text))
    base = round(1 / frame_duration(fps))
    count = ((hours * 60 + minutes) * 60 + seconds) * base + frames
    if ";" in text:
        dropped = base // 15
        total_minutes = hours * 60 + minutes
        count -= dropped * (total_minutes - total_minutes // 10)
    return count


def events(edl: str) -> list[tuple[str, ...]]:
    return [EVENT.match(line).groups() for line in edl.splitlines() if EVENT.match(line)]


# --- frames and timecode -------------------------------------------------------------------


@pytest.mark.parametrize("fps, expected", [
    (25, Fraction(1, 25)), (25.0, Fraction(1, 25)), (24, Fraction(1, 24)), (NTSC, Fraction(1001, 30000)),
    (29.97, Fraction(1001, 30000)), (23.976, Fraction(1001, 24000)), (59.94, Fraction(1001, 60000)),
    (Fraction(30000, 1001), Fraction(1001, 30000)), (12.5, Fraction(2, 25)), (50, Fraction(1, 50)),
])
def test_frame_duration(fps, expected):
    assert frame_duration(fps) == expected


def test_drop_frame_rates():
    assert is_drop_frame(29.97) and is_drop_frame(59.94)
    assert not any(is_drop_frame(f) for f in (23.976, 24, 25, 30, 50, 60))
    with pytest.raises(BadInputError, match="frame rate"):
        frame_duration(0)


@pytest.mark.parametrize("frame, fps, text", [
    (0, 25, "00:00:00:00"), (24, 25, "00:00:00:24"), (25, 25, "00:00:01:00"), (90000, 25, "01:00:00:00"),
    (1799, 29.97, "00:00:59;29"), (1800, 29.97, "00:01:00;02"), (17982, 29.97, "00:10:00;00"),
    (107892, 29.97, "01:00:00;00"), (3600, 59.94, "00:01:00;04"), (86400, 23.976, "01:00:00:00"),
])
def test_timecode(frame, fps, text):
    assert timecode(frame, fps) == text
    assert frames_of(text, fps) == frame


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2_000_000), st.sampled_from([29.97, 59.94]))
def test_drop_frame_timecode_round_trips_and_skips_only_dropped_labels(frame, fps):
    text = timecode(frame, fps)
    assert frames_of(text, fps) == frame
    minutes, seconds, frames = int(text[3:5]), int(text[6:8]), int(text[9:])
    if seconds == 0 and minutes % 10:
        assert frames >= round(fps) // 15  # labels ;00 and ;01 (;00-;03 at 59.94) do not exist
    assert timecode(frame + 1, fps) > text or text.startswith("23:59")


def test_frame_span_holds_the_frames_in_start_end():
    assert frame_span(ClipRange(12.52, 13.0), 25) == (313, 325)  # 12.52 * 25 is 313.0000000002
    assert frame_span(ClipRange(12.5, 13.0), 25) == (313, 325)  # frame 312 is at 12.48 s, before the start
    assert frame_span(ClipRange(1.0, 1.01), 25) == (25, 26)  # at least one frame
    assert frame_span(ClipRange(60.0, 120.0), 29.97) == (1799, 3597)


# --- EDL ------------------------------------------------------------------------------------


def test_edl_at_25_fps():
    clips = [ClipRange(4.28, 25.21), ClipRange(30.0, 35.5), ClipRange(1.0, 2.0)]
    edl = to_edl(clips, 25, title="Gait session", source_name="session.mp4")
    lines = edl.splitlines()
    assert lines[:2] == ["TITLE: Gait session", "FCM: NON-DROP FRAME"]
    rows = events(edl)
    assert [r[0] for r in rows] == ["001", "002", "003"]
    assert all(r[1] == "AX" and r[2] == "B" for r in rows)
    assert rows[0][3:] == ("00:00:04:07", "00:00:25:06", "01:00:00:00", "01:00:20:24")
    assert rows[1][3:] == ("00:00:30:00", "00:00:35:13", "01:00:20:24", "01:00:26:12")
    assert rows[2][3:5] == ("00:00:01:00", "00:00:02:00")
    assert edl.count("* FROM CLIP NAME: session.mp4") == 3


def test_edl_at_29_97_fps_is_drop_frame():
    edl = to_edl([ClipRange(60.0, 120.0), ClipRange(599.9994, 605.0)], NTSC, title="t", reel="CAM1", audio=False)
    assert "FCM: DROP FRAME" in edl
    rows = events(edl)
    assert rows[0][1:] == ("CAM1", "V", "00:00:59;29", "00:01:59;29", "01:00:00;00", "01:00:59;28")
    # Frame 17982 (599.9994 s) is 00:10:00;00: no labels are dropped at a tenth minute.
    assert rows[1][3] == "00:10:00;00"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 10**5)), min_size=1, max_size=10),
       st.sampled_from([25, 24, 23.976, NTSC, 50, 59.94]))
def test_edl_record_timeline_is_continuous(spans, fps):
    clips = [ClipRange(s / 100, (s + n) / 100) for s, n in spans]
    rows = events(to_edl(clips, fps, title="t"))
    assert [int(r[0]) for r in rows] == list(range(1, len(clips) + 1))
    assert frames_of(rows[0][5], fps) == frames_of("01:00:00" + (";00" if is_drop_frame(fps) else ":00"), fps)
    for row, clip in zip(rows, clips):
        source = frames_of(row[4], fps) - frames_of(row[3], fps)
        record = frames_of(row[6], fps) - frames_of(row[5], fps)
        assert source == record == frame_span(clip, fps)[1] - frame_span(clip, fps)[0] >= 1
    assert all(a[6] == b[5] for a, b in zip(rows, rows[1:]))


def test_edl_refuses_bad_reels_and_no_clips():
    with pytest.raises(BadInputError, match="reel name"):
        to_edl([ClipRange(0, 1)], 25, title="t", reel="TOO LONG REEL")
    with pytest.raises(BadInputError, match="no clips"):
        to_edl([], 25, title="t")


# --- FCPXML ---------------------------------------------------------------------------------


def parse_fcpxml(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>')
    return ET.fromstring(text.split("\n", 1)[1].split("\n", 1)[1])


def seconds(value: str) -> Fraction:
    assert value.endswith("s")
    return Fraction(value[:-1])


def check_on_grid(root: ET.Element, clips) -> None:
    step = seconds(root.find("resources/format").get("frameDuration"))
    asset_clips = root.findall("library/event/project/sequence/spine/asset-clip")
    assert len(asset_clips) == len(clips)
    assert len(root.findall("resources/asset")) == 1
    offset = Fraction(0)
    for element in asset_clips:
        for name in ("offset", "start", "duration"):
            assert seconds(element.get(name)) % step == 0, (name, element.get(name))
        assert seconds(element.get("offset")) == offset
        assert seconds(element.get("duration")) > 0
        offset += seconds(element.get("duration"))
    sequence = root.find("library/event/project/sequence")
    assert seconds(sequence.get("duration")) == offset
    assert seconds(root.find("resources/asset").get("duration")) % step == 0


@pytest.mark.parametrize("fps, frame, tc_format", [(25, "1/25s", "NDF"), (NTSC, "1001/30000s", "DF")])
def test_fcpxml_structure(fps, frame, tc_format):
    clips = [ClipRange(4.28, 25.21), ClipRange(30.0, 35.5)]
    text = to_fcpxml(clips, fps, 1280, 720, 40.0, source_uri=file_uri("session 1.mp4"), title="Gait session")
    root = parse_fcpxml(text)
    assert root.tag == "fcpxml" and root.get("version") == "1.10"
    form = root.find("resources/format")
    assert (form.get("frameDuration"), form.get("width"), form.get("height")) == (frame, "1280", "720")
    asset = root.find("resources/asset")
    assert (asset.get("hasVideo"), asset.get("hasAudio"), asset.get("format")) == ("1", "1", form.get("id"))
    assert asset.find("media-rep").get("src") == "session%201.mp4"
    assert asset.get("name") == "session 1.mp4"
    assert root.find("library/event").get("name") == "Gait session"
    assert root.find("library/event/project/sequence").get("tcFormat") == tc_format
    assert all(c.get("ref") == asset.get("id") for c in root.iter("asset-clip"))
    check_on_grid(root, clips)
    first = root.find(".//asset-clip")
    assert seconds(first.get("start")) == Fraction(107, 25) if fps == 25 else Fraction(129 * 1001, 30000)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3_000_000), st.integers(1, 600_000)), min_size=1, max_size=10),
       st.sampled_from([25, 24, 23.976, NTSC, 30, 50, 59.94, 12.5]))
def test_fcpxml_times_are_whole_frames(spans, fps):
    clips = [ClipRange(s / 1000, (s + n) / 1000) for s, n in spans]
    duration = max(c.end for c in clips) + 1
    root = parse_fcpxml(to_fcpxml(clips, fps, 1920, 1080, duration, source_uri="a.mp4", title="t"))
    check_on_grid(root, clips)


def test_fcpxml_keeps_clips_inside_the_asset():
    root = parse_fcpxml(to_fcpxml([ClipRange(39.5, 41.0)], 25, 320, 240, 40.0, source_uri="a.mp4", title="t"))
    clip = root.find(".//asset-clip")
    assert seconds(clip.get("start")) + seconds(clip.get("duration")) == 40
    with pytest.raises(BadInputError, match="after the end of the video"):
        to_fcpxml([ClipRange(41.0, 42.0)], 25, 320, 240, 40.0, source_uri="a.mp4", title="t")


def test_fcpxml_without_audio_and_absolute_uri(tmp_path):
    uri = file_uri(tmp_path / "my session.mp4")
    assert uri.startswith("file:///") and uri.endswith("/my%20session.mp4")
    root = parse_fcpxml(to_fcpxml([ClipRange(0, 1)], 25, 320, 240, 2.0, source_uri=uri, title="t",
                                  has_audio=False))
    asset = root.find("resources/asset")
    assert asset.get("hasAudio") == "0" and asset.get("audioChannels") is None
    assert root.find(".//sequence").get("audioLayout") is None


def test_fcpxml_escapes_caller_text():
    text = to_fcpxml([ClipRange(0, 1)], 25, 320, 240, 2.0, source_uri="a&b.mp4", title='<"gait"> & balance')
    root = parse_fcpxml(text)
    assert root.find("library/event").get("name") == '<"gait"> & balance'


# --- privacy --------------------------------------------------------------------------------


def test_exports_name_only_what_the_caller_passes():
    # Candidates carry transcript text that may name the patient; exports must not copy it.
    clips = [Candidate(1.0, 5.0, 0.9, ("said Maria Jansen",), "Well done, Maria Jansen.", 1)]
    edl = to_edl(clips, 25, title="Session 12", source_name="clip_source.mp4")
    fcpxml = to_fcpxml(clips, 25, 320, 240, 10.0, source_uri="clip_source.mp4", title="Session 12")
    for text in (edl, fcpxml):
        assert "Maria" not in text and "Jansen" not in text and "Well done" not in text
    assert "Jansen" in to_edl(clips, 25, title="t", source_name="Maria Jansen.mp4")  # only when passed
