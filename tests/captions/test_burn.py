"""Burn-in: captions change the pixels where they are drawn and nothing else about the media."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from tests.cli.helpers import make_transcript, run_vidkit
from tests.conftest import ffmpeg, make_video
from vidkit.media import probe


def frame_at(path, seconds: float) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {seconds}s")


def audio_packets(path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.audio[0]) if p.size]


def frame_times(path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None)


@pytest.fixture(scope="module")
def burned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("burn")
    source = make_video(folder / "walk.mp4", seconds=4.0, size="640x360",
                        extra=("-metadata", "title=Patient Maria J", "-metadata", "location=+52.37+004.89/",
                               "-metadata", "creation_time=2026-01-02T10:00:00Z", "-metadata", "comment=ward 3"))
    before = source.read_bytes()
    transcript = make_transcript(folder / "t.json", duration=4.0)
    result = run_vidkit("caption", source, "--transcript", transcript, "--burn", "-o", folder / "out", "--json")
    assert result.returncode == 0, result.stderr
    assert source.read_bytes() == before  # the input is never modified
    return source, json.loads(result.stdout)["outputs"]


def test_caption_area_changes_and_top_does_not(burned):
    source, outputs = burned
    original, captioned = frame_at(source, 1.0), frame_at(outputs["video"], 1.0)
    height = original.shape[0]
    bottom = np.abs(original[int(height * 0.7):] - captioned[int(height * 0.7):]).mean()
    top = np.abs(original[: int(height * 0.4)] - captioned[: int(height * 0.4)]).mean()
    assert bottom > 8 * top and bottom > 10, (bottom, top)


def test_no_caption_drawn_before_speech(burned):
    source, outputs = burned
    # The first word starts at 0.2 s; frame 0 must be caption-free (only coding noise).
    diff = np.abs(frame_at(source, 0.0) - frame_at(outputs["video"], 0.0)).mean()
    assert diff < 3, diff


def test_frames_duration_and_audio_preserved(burned):
    source, outputs = burned
    a, b = probe(source), probe(outputs["video"])
    assert b.video.frame_count == a.video.frame_count
    assert b.duration == pytest.approx(a.duration, abs=0.05)
    assert audio_packets(outputs["video"]) == audio_packets(source)  # stream copy, bit for bit
    assert frame_times(outputs["video"]) == pytest.approx(frame_times(source), abs=1e-3)


def test_identifying_metadata_removed(burned):
    source, outputs = burned
    with av.open(str(source)) as c:
        assert c.metadata.get("title") == "Patient Maria J"  # the fixture really had it
    with av.open(str(outputs["video"])) as c:
        tags = dict(c.metadata)
        for stream in c.streams:
            tags.update({f"stream:{k}": v for k, v in stream.metadata.items()})
    text = json.dumps(tags).lower()
    for leak in ("maria", "52.37", "2026-01-02", "ward", "walk.mp4", "lavf", "creation_time", "location"):
        assert leak not in text, tags


def test_ass_play_res_matches_video_and_uses_bundled_font(burned):
    _, outputs = burned
    ass = open(outputs["ass"], encoding="utf-8").read()
    assert "PlayResX: 640" in ass and "PlayResY: 360" in ass
    assert "DejaVu Sans" in ass


def test_sidecars_are_plain_text(burned):
    _, outputs = burned
    for kind in ("srt", "vtt"):
        text = open(outputs[kind], encoding="utf-8").read()
        assert "Lift your knee" in text
        assert "<" not in text and "{" not in text and "\\N" not in text
    assert open(outputs["vtt"], encoding="utf-8").read().startswith("WEBVTT")


def test_rotated_phone_video_comes_out_upright(tmp_path):
    # A phone records landscape sensor data with a 90 degree display rotation.
    sensor = make_video(tmp_path / "sensor.mp4", size="320x180", seconds=4.0)
    phone = tmp_path / "phone.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(sensor), "-c", "copy", str(phone))
    assert probe(phone).video.display_size == (180, 320)
    transcript = make_transcript(tmp_path / "t.json", duration=4.0)
    result = run_vidkit("caption", phone, "--transcript", transcript, "--burn", "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    out = probe(tmp_path / "phone.captioned.mp4")
    assert (out.video.width, out.video.height) == (180, 320) and out.video.rotation == 0
    assert "PlayResX: 180" in (tmp_path / "phone.ass").read_text()


def test_variable_frame_rate_timestamps_kept(tmp_path):
    vfr = make_video(tmp_path / "vfr.mp4", seconds=4.0, fps=30,
                     extra=("-vf", "select='not(eq(mod(n,3),2))'", "-fps_mode", "vfr"))
    assert probe(vfr).video.variable_frame_rate
    transcript = make_transcript(tmp_path / "t.json", duration=4.0)
    result = run_vidkit("caption", vfr, "--transcript", transcript, "--burn", "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "vfr.captioned.mp4"
    assert frame_times(out) == pytest.approx(frame_times(vfr), abs=1e-3)
    assert probe(out).video.variable_frame_rate


def test_shorts_style_highlights_word_by_word(tmp_path):
    source = make_video(tmp_path / "short.mp4", seconds=4.0, size="360x640")
    transcript = make_transcript(tmp_path / "t.json")
    result = run_vidkit("caption", source, "--transcript", transcript, "--style", "shorts", "--burn",
                        "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    ass = (tmp_path / "short.ass").read_text()
    assert "\\kf" in ass and "PlayResY: 640" in ass
    assert frame_at(tmp_path / "short.captioned.mp4", 1.0).shape[:2] == (640, 360)
