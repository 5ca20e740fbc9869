"""`vidkit clip` end to end: frame-exact cuts, audio in step, captions re-timed, bad ranges refused."""

from __future__ import annotations

import json

import av
import numpy as np
import pysubs2
import pytest
from typer.testing import CliRunner

from tests.cli.helpers import make_transcript, run_vidkit
from tests.conftest import make_video
from vidkit.cli import app
from vidkit.transcript import load_transcript

FPS = 25


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A 3 s 25 fps test pattern (a frame counter on screen), its transcript and a privacy report."""
    folder = tmp_path_factory.mktemp("clip_source")
    video = make_video(folder / "session.mp4", seconds=3.0, fps=FPS)
    make_transcript(folder / "session.transcript.json")
    (folder / "session.privacy.json").write_text('{"schema": "test"}\n')
    return video


def gray_frames(path):
    with av.open(str(path)) as container:
        return [(float(f.time), f.to_ndarray(format="gray").astype(np.int16)) for f in container.decode(video=0)]


def audio_seconds(path):
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return float(stream.duration * stream.time_base)


def test_exact_cut(source, tmp_path):
    result = run_vidkit("clip", source, "--range", "1.00-2.00", "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    video = tmp_path / "session.clip01.mp4"
    assert payload["outputs"]["clip01.video"] == str(video)

    frames = gray_frames(video)
    assert len(frames) == FPS  # exactly one second of frames
    assert frames[0][0] == 0.0  # timestamps start at 0
    source_frames = gray_frames(source)
    # The on-screen counter makes every frame distinct: the first clip frame must be the source's
    # frame at 1.00 s (index 25), and match it far better than its neighbours.
    errors = [np.abs(frames[0][1] - image).mean() for _, image in source_frames]
    assert int(np.argmin(errors)) == FPS
    assert errors[FPS] < 2.0 and min(errors[FPS - 1], errors[FPS + 1]) > 4 * errors[FPS]
    last_errors = [np.abs(frames[-1][1] - image).mean() for _, image in source_frames]
    assert int(np.argmin(last_errors)) == 2 * FPS - 1

    assert abs(audio_seconds(video) - 1.0) <= 1 / FPS

    record = json.loads((tmp_path / "session.clip01.clip.json").read_text())
    assert record["mode"] == "exact" and record["frames"] == FPS
    assert record["actual"] == {"start": 1.0, "end": 2.0, "duration": 1.0}
    assert record["source"]["privacy_report_sha256"] is not None
    assert len(record["source"]["sha256"]) == 64

    # Captions and transcript excerpt: re-timed to the clip and inside it.
    excerpt = load_transcript(tmp_path / "session.clip01.transcript.json")
    assert excerpt.words and all(0 <= w.start <= w.end <= 1.0 for w in excerpt.words)
    original = load_transcript(source.parent / "session.transcript.json")
    inside = [w.text for w in original.words if 1.0 <= (w.start + w.end) / 2 < 2.0]
    assert [w.text for w in excerpt.words] == inside
    for fmt in ("srt", "vtt"):
        subs = pysubs2.load(str(tmp_path / f"session.clip01.{fmt}"))
        assert len(subs) >= 1
        assert all(0 <= e.start < e.end <= 1000 for e in subs)


def test_fast_cut_reports_real_start(source, tmp_path):
    result = run_vidkit("clip", source, "--range", "1.3-2.5", "--fast", "--no-blur", "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    clip = json.loads(result.stdout)["summary"]["clips"][0]
    assert clip["mode"] == "fast"
    assert clip["actual"]["start"] <= 1.3
    assert clip["actual"]["start"] == 0.0  # x264's default GOP: the only keyframe is the first frame
    assert clip["frames"] >= round((2.5 - clip["actual"]["start"]) * FPS) - 1
    assert (tmp_path / "session.clip01.mp4").is_file()


def test_several_ranges_from_a_file_overlap_allowed(source, tmp_path):
    ranges = tmp_path / "ranges.csv"
    ranges.write_text("start,end\n0.5,1.5\n00:00:01,00:00:02.2\n")
    result = CliRunner().invoke(app, ["clip", str(source), "--ranges", str(ranges), "--range", "2-3",
                                      "-o", str(tmp_path / "out"), "--json", "-q"])
    assert result.exit_code == 0, result.output
    clips = json.loads(result.stdout)["summary"]["clips"]
    assert [c["frames"] for c in clips] == [25, 25, 30]  # --range first, then the file's ranges
    for number in (1, 2, 3):
        assert (tmp_path / "out" / f"session.clip{number:02d}.mp4").is_file()


@pytest.mark.parametrize("args, message", [
    (["--range", "2.5-4"], "outside the video"),
    (["--range", "2-2"], "empty"),
    (["--range", "2-1"], "negative"),
    (["--range", "1s-2s"], "cannot read the time"),
    ([], "no clips chosen"),
    (["--range", "1-2", "--fast"], "faces would stay visible"),
    (["--range", "1-2", "--aspect", "3:2"], "9:16"),
    (["--range", "1-2", "--ranges", "missing.json"], "ranges file not found"),
])
def test_bad_ranges_refused(source, tmp_path, args, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["clip", str(source), *args, "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_no_transcript_means_no_captions(tmp_path):
    video = make_video(tmp_path / "plain.mp4", seconds=1.0, fps=FPS, audio=False)
    result = CliRunner().invoke(app, ["clip", str(video), "--range", "0.2-0.6", "--json", "-q"])
    assert result.exit_code == 0, result.output
    outputs = json.loads(result.stdout)["outputs"]
    assert sorted(outputs) == ["clip01.report", "clip01.thumbnail", "clip01.video"]
    assert len(gray_frames(video.parent / "plain.clip01.mp4")) == 10


@pytest.mark.parametrize("window, fast", [("1.2-2.4", False), ("1.3-2.5", True)])
def test_audio_in_sync(tmp_path, window, fast):
    """A 1 kHz beep at 1.5 s in the source sounds at 1.5 s - (actual clip start) in the clip."""
    from tests.conftest import ffmpeg

    source = tmp_path / "beep.mp4"
    beep = "aevalsrc=if(between(t\\,1.5\\,1.6)\\,sin(2*PI*1000*t)\\,0):s=48000:d=3"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=160x120:rate={FPS}:duration=3", "-f", "lavfi", "-i", beep,
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(source))
    args = ["clip", str(source), "--range", window, "--json", "-q"] + (["--fast", "--no-blur"] if fast else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    start = json.loads(result.stdout)["summary"]["clips"][0]["actual"]["start"]
    with av.open(str(tmp_path / "beep.clip01.mp4")) as container:
        samples = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    onset = int(np.argmax(np.abs(samples) > 0.1)) / 48000
    assert abs(onset - (1.5 - start)) <= 1 / FPS
