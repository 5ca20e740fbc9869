"""Verification: what the second detector finds in the output is masked too, or the output is
marked unverified. Fake detectors stand in so each path is exercised on purpose."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.cli.helpers import run_vidkit
from tests.conftest import ffmpeg, make_video
from vidkit.media import probe
from vidkit.faces.anonymise import anonymise
from vidkit.faces.options import BlurOptions
from vidkit.faces.detect import DETECTORS, Box

FACE = Box(100, 60, 60, 70, 0.9)


class Blind:
    """A primary detector that misses everything."""

    name = "blind"

    def __init__(self, threads: int = 0):
        pass

    def detect(self, bgr):
        return []

    def describe(self):
        return {"name": "blind"}


class SeesFaceWhereUnmasked:
    """A verifier that reports FACE (scaled to the image) while that area still has texture."""

    name = "texture"

    def __init__(self, threads: int = 0):
        pass

    def detect(self, bgr):
        scale = bgr.shape[1] / 320
        x, y, w, h = (int(v * scale) for v in (FACE.x, FACE.y, FACE.w, FACE.h))
        patch = bgr[y:y + h, x:x + w]
        return [FACE.scaled(scale)] if patch.size and patch.std() > 8 else []

    def describe(self):
        return {"name": "texture"}


class AlwaysFinds(SeesFaceWhereUnmasked):
    """A verifier that finds a new "face" somewhere else on every call: it can never be satisfied."""

    calls = 0

    def detect(self, bgr):
        AlwaysFinds.calls += 1
        x = (AlwaysFinds.calls * 37) % (bgr.shape[1] - 20)
        return [Box(x, 5, 12, 12, 0.9)]


@pytest.fixture
def fakes(monkeypatch):
    monkeypatch.setitem(DETECTORS, "blind", Blind)
    monkeypatch.setitem(DETECTORS, "texture", SeesFaceWhereUnmasked)
    monkeypatch.setitem(DETECTORS, "always", AlwaysFinds)


def test_verifier_findings_are_masked_and_rescanned(fakes, tmp_path):
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="320x240")
    result = anonymise(probe(video), tmp_path / "out.mp4",
                       BlurOptions(detector="blind", verifier="texture", verify_every=1))
    assert len(result.rounds[0]) == 25  # the primary missed the "face" in every frame
    assert result.rounds[-1] == [] and result.verified
    assert any(t.count("verification") for t in result.tracks)


def test_faces_left_after_the_last_round_mean_unverified(fakes, tmp_path):
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="320x240")
    result = anonymise(probe(video), tmp_path / "out.mp4",
                       BlurOptions(detector="blind", verifier="always", verify_every=5, max_rounds=1))
    assert not result.verified and len(result.rounds) == 2 and result.rounds[-1]


def install_always_verifier(folder) -> dict[str, str]:
    """A verifier that always finds a new face, registered in child processes started in
    `folder` (a plugin imported by sitecustomize); returns the env those processes need."""
    (folder / "fake_verifier.py").write_text(
        "from vidkit.faces.detect import DETECTORS, Box\n"
        "import itertools\n"
        "COUNT = itertools.count(1)\n"
        "class Always:\n"
        "    name = 'always'\n"
        "    def __init__(self, threads=0): pass\n"
        "    def detect(self, bgr): return [Box((next(COUNT) * 37) % 280, 5, 12, 12, 0.9)]\n"
        "    def describe(self): return {'name': 'always'}\n"
        "DETECTORS['always'] = Always\n")
    (folder / "vidkit.toml").write_text("[blur]\nverifier = 'always'\n")
    (folder / "sitecustomize.py").write_text("import fake_verifier\n")
    return {"PYTHONPATH": str(folder)}


def test_cli_exit_code_and_report_when_unverified(tmp_path):
    env = install_always_verifier(tmp_path)
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="320x240")
    result = run_vidkit("--config", tmp_path / "vidkit.toml", "blur", video, "-o", tmp_path / "out",
                        cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    assert "still found after masking" in result.stderr and "unverified" in result.stderr
    report = json.loads((tmp_path / "out" / "v.privacy.json").read_text())
    assert report["verified"] is False and report["verification"]["rounds"][-1]["faces_found"] > 0
    assert (tmp_path / "out" / "v.blurred.mp4").exists()  # kept for review, marked unverified


def test_rotated_and_variable_frame_rate_input(tmp_path):
    vfr = make_video(tmp_path / "vfr.mp4", seconds=2.0, size="320x180", fps=30,
                     extra=("-vf", "select='not(eq(mod(n,3),2))'", "-fps_mode", "vfr"))
    phone = tmp_path / "phone.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(vfr), "-c", "copy", str(phone))
    result = run_vidkit("blur", phone, "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    src, out = probe(phone), probe(tmp_path / "phone.blurred.mp4")
    assert (out.video.width, out.video.height) == src.video.display_size and out.video.rotation == 0
    assert out.video.frame_count == src.video.frame_count and out.video.variable_frame_rate
    import av

    def times(path):
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            return sorted(float(p.pts * s.time_base) for p in c.demux(s) if p.pts is not None)

    assert np.allclose(times(phone), times(tmp_path / "phone.blurred.mp4"), atol=1e-3)


def test_a_render_stopped_after_a_round_that_showed_a_face_leaves_no_output(fakes, tmp_path):
    """Round 1 writes the output and the verifier finds a face in it; round 2 is stopped: the
    file of round 1 (which shows a face) must not stay behind as if it were the output. A
    stop in round 1 leaves what was there before (the render's own .part is removed by it)."""
    import numpy as np

    from vidkit.faces.detect import Detectors
    from vidkit.faces.masking import ClipFaces, mask_and_verify

    info = probe(make_video(tmp_path / "v.mp4", seconds=1.0, size="320x240"))
    planes = (np.full((240, 320), 120, np.uint8), np.full((120, 160), 128, np.uint8), np.full((120, 160), 128, np.uint8))
    output = tmp_path / "out.mp4"

    def render(masks, scan, round_):
        if round_ == 1:
            raise KeyboardInterrupt
        output.write_bytes(b"round 1")
        scan(0, planes)
        scan.finish()

    faces = ClipFaces([0], [0.0], [[]])
    options = BlurOptions(detector="blind", verifier="always", verify_every=1)
    with pytest.raises(KeyboardInterrupt):
        mask_and_verify(info, faces, faces, options, render, Detectors(), output)
    assert not output.exists()

    output.write_bytes(b"an earlier run's output")

    def stopped_at_once(masks, scan, round_):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mask_and_verify(info, faces, faces, options, stopped_at_once, Detectors(), output)
    assert output.read_bytes() == b"an earlier run's output"
