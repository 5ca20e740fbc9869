"""`vidkit blur` end to end on the bundled sample, checked against its ground-truth face boxes."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from tests.cli.helpers import run_vidkit
from tests.conftest import REPO, ffmpeg, make_video
from vidkit.media import probe

TRUTH = json.loads((REPO / "assets" / "sample" / "caren_session.faces.json").read_text())
START = 16.0  # a keyframe; the cut includes the head turn at ~20.5 s
SECONDS = 8.0


@pytest.fixture(scope="module")
def blurred(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blur")
    cut = folder / "session cut.mp4"
    ffmpeg("-ss", str(START), "-i", str(REPO / "assets" / "sample" / "caren_session.mp4"), "-t", str(SECONDS),
           "-c", "copy", "-metadata", "title=Maria Jansen session", "-metadata", "creation_time=2026-03-04T09:00:00Z",
           str(cut))
    result = run_vidkit("blur", cut, "-o", folder / "out", "--review", "--json")
    assert result.returncode == 0, result.stderr
    return cut, json.loads(result.stdout)


def luma_frames(path):
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="gray")


def test_every_ground_truth_face_is_solid_filled(blurred):
    cut, payload = blurred
    offset = round(START * TRUTH["fps"])
    checked = 0
    for index, luma in enumerate(luma_frames(payload["outputs"]["video"])):
        x, y, w, h = TRUTH["frames"][offset + index]
        face = luma[y:y + h, x:x + w].astype(float)
        # Solid fill: no structure left (x264 adds a little noise at the edges of the patch).
        assert face.std() < 3.0 and abs(face.mean() - 80) < 6, (index, face.std(), face.mean())
        checked += 1
    assert checked == probe(cut).video.frame_count >= round(SECONDS * TRUTH["fps"])


def test_report_audits_tracks_and_verification(blurred):
    cut, payload = blurred
    frames = probe(cut).video.frame_count
    report = json.loads(open(payload["outputs"]["report"]).read())
    assert report["verified"] is True and report["verification"]["rounds"][0]["faces_found"] == 0
    assert report["frames"] == frames
    track = max(report["tracks"], key=lambda t: t["frames_covered"])
    assert track["frames_covered"] == frames and track["detected"] > 0.75 * frames
    assert track["confidence"][0] <= track["confidence"][1] <= 1.0
    assert report["detectors"]["primary"]["name"].startswith("YuNet")
    assert report["detectors"]["verifier"]["name"] == "CenterFace"
    assert len(report["input_sha256"]) == len(report["output_sha256"]) == 64
    text = json.dumps(report)
    assert "session cut" not in text and "Maria" not in text


def test_media_preserved_and_metadata_gone(blurred):
    cut, payload = blurred
    src, out = probe(cut), probe(payload["outputs"]["video"])
    assert out.video.frame_count == src.video.frame_count
    assert out.duration == pytest.approx(src.duration, abs=0.05)
    with av.open(str(cut)) as a, av.open(payload["outputs"]["video"]) as b:
        assert [bytes(p) for p in a.demux(a.streams.audio[0]) if p.size] == \
               [bytes(p) for p in b.demux(b.streams.audio[0]) if p.size]
        tags = json.dumps({**b.metadata, **{k: v for s in b.streams for k, v in s.metadata.items()}})
    assert "Maria" not in tags and "2026-03-04" not in tags and "creation_time" not in tags


def test_review_sheet_written(blurred):
    _, payload = blurred
    assert open(payload["outputs"]["review"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_keep_track_leaves_that_face(blurred, tmp_path):
    cut, _ = blurred
    result = run_vidkit("blur", cut, "-o", tmp_path, "--keep-track", "0", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "session cut.privacy.json").read_text())
    assert report["settings"]["kept_tracks"] == [0]
    assert [t["masked"] for t in report["tracks"] if t["id"] == 0] == [False]
    offset = round(START * TRUTH["fps"])
    luma = next(luma_frames(tmp_path / "session cut.blurred.mp4"))
    x, y, w, h = TRUTH["frames"][offset]
    assert luma[y:y + h, x:x + w].std() > 10  # the consenting face is visible


def test_static_region_is_masked_only_in_its_time(tmp_path):
    video = make_video(tmp_path / "monitor.mp4", seconds=2.0, size="320x240")
    result = run_vidkit("blur", video, "-o", tmp_path, "--region", "10,20,100,50@1-2", "--json")
    assert result.returncode == 0, result.stderr
    frames = list(luma_frames(tmp_path / "monitor.blurred.mp4"))
    assert frames[10][20:70, 10:110].std() > 5  # 0.4 s: not yet
    assert frames[40][20:70, 10:110].std() < 2  # 1.6 s: masked


@pytest.mark.parametrize("args, message", [
    (("--region", "1,2,3"), "bad --region"),
    (("--mode", "swirl"), "unknown --mode"),
    (("--keep-track", "7"), "no such track"),
])
def test_bad_options(tmp_path, args, message):
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="160x120")
    result = run_vidkit("blur", video, "-o", tmp_path, *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "v.blurred.mp4").exists()


def test_audio_only_is_refused(tmp_path):
    wav = tmp_path / "a.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(wav))
    result = run_vidkit("blur", wav)
    assert result.returncode == 2 and "no video stream" in result.stderr


def test_roster_names_are_bleeped_in_the_blurred_audio(tmp_path):
    """blur --roster: the sample greets "Maria" at ~1.2 s; that range carries the 1 kHz bleep."""
    cut = tmp_path / "greeting.mp4"
    ffmpeg("-i", str(REPO / "assets" / "sample" / "caren_session.mp4"), "-t", "6", "-c", "copy", str(cut))
    result = run_vidkit("blur", cut, "--roster", REPO / "assets" / "sample" / "roster.txt", "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)["outputs"]
    report = json.loads(open(outputs["report"]).read())
    assert report["redaction"]["counts"]["name"] >= 1
    items = json.loads(open(outputs["redaction"]).read())["items"]
    start, end = items[0]["audio_start"], items[0]["audio_end"]
    with av.open(outputs["video"]) as container:
        samples = np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(audio=0)])
        rate = container.streams.audio[0].rate
    middle = samples[int((start + 0.1) * rate):int((end - 0.1) * rate)]
    spectrum = np.abs(np.fft.rfft(middle))
    freqs = np.fft.rfftfreq(len(middle), 1 / rate)
    tone = spectrum[(freqs > 950) & (freqs < 1050)].sum()
    assert tone / spectrum.sum() > 0.5  # the name is replaced by the tone
    assert "Maria" not in json.dumps(report) and "Jansen" not in result.stderr


@pytest.mark.parametrize("extra, audio, size", [
    (("-vf", "scale=721:405", "-pix_fmt", "yuv444p"), True, (722, 406)),  # odd size, 4:4:4
    ((), False, (320, 240)),  # no audio stream
])
def test_odd_sizes_and_silent_video(tmp_path, extra, audio, size):
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="320x240", audio=audio, extra=extra)
    result = run_vidkit("blur", video, "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    out = probe(tmp_path / "v.blurred.mp4")
    assert (out.video.width, out.video.height) == size
    assert out.video.frame_count == probe(video).video.frame_count
    assert (out.audio is None) == (not audio)
