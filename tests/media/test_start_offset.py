"""A recording whose timestamps start late (cut from a longer one, a stream, a recorder that
counts from power-on): vidkit's times count from the recording's start, as ffmpeg and players
do. Before, the publishable video of such a file held one frame (every frame looked past the
end) and a clip's range was read on the raw clock. Transcription is faked."""

from __future__ import annotations

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from tests.cli.helpers import make_transcript
from tests.conftest import make_video
from vidkit.cli import app
from vidkit.clips.render import frame_times
from vidkit.hashing import file_sha256
from vidkit.media.probe import probe
from vidkit.pipeline import steps
from vidkit.transcript import Transcript, load_transcript

FPS, SECONDS, OFFSET = 25, 3.0, 5.0


@pytest.fixture(scope="module")
def late(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("late") / "late.mp4", seconds=SECONDS, size="160x120", fps=FPS,
                      extra=("-output_ts_offset", str(OFFSET)))


@pytest.fixture
def fake_words(monkeypatch, tmp_path):
    words = load_transcript(make_transcript(tmp_path / "words.json", offset=0.0, duration=2.5)).segments

    def fake(path, options, on_progress=None, engines=None):
        return Transcript("en", SECONDS, words, {"engine": "test", "input_sha256": file_sha256(path)})

    monkeypatch.setattr(steps, "transcribe_file", fake)


def _frames(path):
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]


def _nearest(frame, frames):
    top = frame.shape[0] // 2
    return min(range(len(frames)), key=lambda i: np.abs(frames[i][:top] - frame[:top]).mean())


def _audio_seconds(path):
    with av.open(str(path)) as container:
        return sum(f.samples for f in container.decode(audio=0)) / container.streams.audio[0].rate


def test_times_count_from_the_recordings_start(late):
    info = probe(late)
    assert info.start == pytest.approx(OFFSET, abs=0.1)
    times = frame_times(info, 0.0, info.duration)
    assert len(times) == int(SECONDS * FPS)
    assert 0.0 <= times[0][1] < 0.1 and times[-1][1] == pytest.approx(SECONDS - 1 / FPS, abs=0.1)


def test_the_publishable_video_has_every_frame_and_the_sound(late, tmp_path, fake_words):
    result = CliRunner().invoke(app, ["render", str(late), "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    made, source = _frames(tmp_path / "late.publish.mp4"), _frames(late)
    assert len(made) == len(source) == int(SECONDS * FPS)
    for index in (0, 37, len(source) - 1):  # the same pictures, frame for frame (the top: captions below)
        assert _nearest(made[index], source) == index
    assert _audio_seconds(tmp_path / "late.publish.mp4") == pytest.approx(SECONDS, abs=0.1)


def test_a_clip_range_is_read_from_the_recordings_start(late, tmp_path, fake_words):
    result = CliRunner().invoke(app, ["clip", str(late), "--range", "1.0-2.0", "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    made, source = _frames(tmp_path / "late.clip01.mp4"), _frames(late)
    assert len(made) == FPS
    with av.open(str(late)) as container:  # the recording's start: its first timestamp, audio or video
        start = container.start_time / av.time_base
        times = [float(f.time) - start for f in container.decode(video=0)]
    shown = max(i for i, t in enumerate(times) if t <= 1.0 + 0.5 / FPS)  # the frame showing at 1.0 s
    assert shown in (FPS - 1, FPS)  # not the one at 1.0 s of the raw clock (before the recording)
    assert _nearest(made[0], source) == shown
