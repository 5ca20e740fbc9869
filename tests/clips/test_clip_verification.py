"""Clip verification: the second detector scans every clip frame as it goes to the encoder
(masked and cropped); what it finds is masked in a re-render from the source, and what is still
found after the last round makes the clip unverified (exit code 1). Fake detectors stand in so
each path runs on purpose."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from tests.cli.helpers import run_vidkit
from tests.conftest import make_video
from tests.privacy.test_verification import FACE, Blind, SeesFaceWhereUnmasked, install_always_verifier
from vidkit.config import load_settings
from vidkit.console import Reporter
from vidkit.media import probe
from vidkit.pipeline.clip_job import clip_job
from vidkit.pipeline.clip_select import ClipRequest
from vidkit.faces.detect import DETECTORS


@pytest.fixture
def fakes(monkeypatch):
    monkeypatch.setitem(DETECTORS, "blind", Blind)
    monkeypatch.setitem(DETECTORS, "texture", SeesFaceWhereUnmasked)


def test_clip_findings_are_masked_and_the_clip_verified(fakes, tmp_path):
    video = make_video(tmp_path / "v.mp4", seconds=2.0, size="320x240")
    (tmp_path / "vidkit.toml").write_text("[blur]\ndetector = 'blind'\nverifier = 'texture'\nverify_every = 1\n")
    settings = load_settings(cwd=tmp_path, config=tmp_path / "vidkit.toml")  # as --config: it sets [blur]
    result = clip_job(video, settings, Reporter(quiet=True), ClipRequest(ranges=("0.4-1.6",)), out=tmp_path / "out")
    privacy = result.summary["clips"][0]["privacy"]
    assert privacy == {"masked": True, "verified": True, "tracks": 1, "verification_rounds": 2, "faces_left": 0}
    # the "face" area of the clip is the solid mask in every frame
    with av.open(str(tmp_path / "out" / "v.clip01.mp4")) as container:
        for frame in container.decode(video=0):
            y = frame.to_ndarray(format="yuv420p")[:frame.height]  # the luma plane as encoded
            patch = y[int(FACE.y):int(FACE.y + FACE.h), int(FACE.x):int(FACE.x + FACE.w)]
            assert patch.std() < 3 and abs(float(np.median(patch)) - 80) < 4


def test_clip_cli_exit_code_when_faces_remain(tmp_path):
    env = install_always_verifier(tmp_path)
    video = make_video(tmp_path / "v.mp4", seconds=2.0, size="320x240")
    result = run_vidkit("--config", tmp_path / "vidkit.toml", "clip", video, "--range", "0.5-1.5", "--no-thumbnail",
                        "-o", tmp_path / "out", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    assert "still found after masking" in result.stderr
    record = json.loads((tmp_path / "out" / "v.clip01.clip.json").read_text())
    assert record["privacy"]["verified"] is False and record["privacy"]["faces_left"] > 0
    assert probe(tmp_path / "out" / "v.clip01.mp4").video is not None  # kept for review, marked unverified
