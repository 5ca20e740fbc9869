"""A clip's thumbnail, second listen and record are made on a worker thread while the next clip
renders: when a later clip fails, the clips made before it still get their records (as when
they were made in turn), and the error is the later clip's."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.conftest import make_video
from tests.privacy.test_verification import Blind
from vidkit.config import load_settings
from vidkit.console import Reporter
from vidkit.faces.detect import Detectors
from vidkit.pipeline.clip_job import clip_job
from vidkit.pipeline.clip_select import ClipRequest
from vidkit.transcribe.engines import EngineResult, Engines
from vidkit.transcribe.models import ResolvedModel


class FailsLater:
    """A primary detector that finds nothing, then fails from its 100th frame on (the third
    clip's stretch: the first two clips' scans read about 90 frames)."""

    calls = 0
    lock = threading.Lock()

    def __init__(self, threads: int = 0):
        pass

    def detect(self, bgr):
        with FailsLater.lock:
            FailsLater.calls += 1
            if FailsLater.calls >= 100:
                raise RuntimeError("the detector gave up")
        return []

    def describe(self):
        return {"name": "fails-later"}


class SlowSilence:
    """A speech engine that hears nothing, slowly: a clip's second listen still runs on the
    worker thread when the next clip is made, so that clip's own finishing has to wait."""

    def __init__(self, model: str, device: str, compute_type: str, threads: int):
        self.model = ResolvedModel("slow", "slow", "test", "")

    def transcribe(self, audio, options, on_progress=None) -> EngineResult:
        time.sleep(1.0)
        return EngineResult("en", [], "slow", "1", "cpu", "int8", {})


def test_a_later_clip_failing_leaves_the_earlier_clips_with_their_records(tmp_path):
    video = make_video(tmp_path / "v.mp4", seconds=5.0, size="320x240")
    (tmp_path / "roster.txt").write_text("Maria Jansen\n")
    (tmp_path / "vidkit.toml").write_text("[blur]\ndetector = 'later'\nverifier = 'nothing'\n"
                                          f"[privacy]\nroster = '{tmp_path / 'roster.txt'}'\n")
    settings = load_settings(cwd=tmp_path, config=tmp_path / "vidkit.toml")
    FailsLater.calls = 0
    with pytest.raises(RuntimeError, match="gave up"):
        clip_job(video, settings, Reporter(quiet=True), ClipRequest(ranges=("0.2-1.0", "1.8-2.6", "3.6-4.4")),
                 out=tmp_path / "out", detectors=Detectors({"later": FailsLater, "nothing": Blind}),
                 engines=Engines({"faster-whisper": SlowSilence}))
    for number in (1, 2):  # the second was waiting behind the first's listen when the third failed
        record = json.loads((tmp_path / "out" / f"v.clip0{number}.clip.json").read_text())
        assert record["privacy"]["verified"] is True and record["words"]["verified"] is True
        assert "thumbnail" in record["files"]  # whole: its thumbnail bound to it
    out = tmp_path / "out"
    assert not (out / "v.clip03.mp4").exists() and not (out / "v.clip03.clip.json").exists()


class StopsOnTheSecondListen:
    """Hears nothing; the second call (the first output's second listen) is stopped."""

    calls = 0

    def __init__(self, model: str, device: str, compute_type: str, threads: int):
        self.model = ResolvedModel("stops", "stops", "test", "")

    def transcribe(self, audio, options, on_progress=None) -> EngineResult:
        StopsOnTheSecondListen.calls += 1
        if StopsOnTheSecondListen.calls == 2:
            raise KeyboardInterrupt
        return EngineResult("en", [], "stops", "1", "cpu", "int8", {})


@pytest.mark.parametrize("what", ["render", "clip"])
def test_an_output_stopped_before_its_record_is_removed(tmp_path, what):
    """Stopped after the video was written but before its record (during the second listen):
    the video is removed, not left as if it were a finished output."""
    from vidkit.pipeline.render_job import render_job

    video = make_video(tmp_path / "v.mp4", seconds=2.0, size="320x240")
    (tmp_path / "roster.txt").write_text("Maria Jansen\n")
    (tmp_path / "vidkit.toml").write_text(f"[privacy]\nroster = '{tmp_path / 'roster.txt'}'\n"
                                          f"private_dir = '{tmp_path / 'private'}'\n")  # transcribed here, not found
    settings = load_settings(cwd=tmp_path, config=tmp_path / "vidkit.toml")
    StopsOnTheSecondListen.calls = 0
    tools = {"detectors": Detectors({"yunet": Blind, "centerface": Blind}),
             "engines": Engines({"faster-whisper": StopsOnTheSecondListen})}
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        if what == "render":
            render_job(video, settings, Reporter(quiet=True), out, **tools)
        else:
            clip_job(video, settings, Reporter(quiet=True), ClipRequest(ranges=("0.2-1.2",)), out=out, **tools)
    assert StopsOnTheSecondListen.calls == 2  # the words, then the stopped listen
    assert list(out.glob("*.mp4")) == [] and list(out.glob("*.publish.json")) == [] and list(out.glob("*.clip.json")) == []
