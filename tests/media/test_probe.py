import pytest

from tests.conftest import ffmpeg, make_video
from vidkit.errors import BadInputError
from vidkit.media import probe
from vidkit.media.audio import load_audio
from vidkit.media.output import atomic_path, write_text


def test_probe_video_with_audio(small_video):
    info = probe(small_video)
    assert info.video is not None and info.audio is not None
    assert (info.video.width, info.video.height) == (320, 240)
    assert info.video.fps == pytest.approx(25.0)
    assert info.video.frame_count == 75
    assert not info.video.variable_frame_rate
    assert info.video.rotation == 0
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.audio.sample_rate == 48000


def test_probe_rotation_swaps_display_size(media_dir, small_video):
    rotated = media_dir / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(small_video), "-c", "copy", str(rotated))
    info = probe(rotated)
    assert info.video.rotation in (90, 270)
    assert info.video.display_size == (240, 320)


def test_probe_variable_frame_rate(media_dir):
    vfr = media_dir / "vfr.mp4"
    # Frames at uneven times: drop every third frame of a 30 fps pattern, keep timestamps.
    make_video(vfr, fps=30, audio=False,
               extra=("-vf", "select='not(eq(mod(n,3),2))'", "-fps_mode", "vfr"))
    assert probe(vfr).video.variable_frame_rate


def test_audio_only_and_silent_video(media_dir):
    wav = media_dir / "tone.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=2", str(wav))
    info = probe(wav)
    assert info.video is None and info.audio is not None
    samples = load_audio(wav)
    assert len(samples) == pytest.approx(32000, abs=400)
    assert samples.dtype.name == "float32" and 0.05 < abs(samples).max() <= 1.0
    mute = make_video(media_dir / "mute.mp4", audio=False)
    assert probe(mute).audio is None
    with pytest.raises(BadInputError, match="no audio stream"):
        load_audio(mute)


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"this is a text file, not a video\n" * 20, "not a media file ffmpeg recognises"),
])
def test_probe_rejects_non_media(tmp_path, content, message):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(BadInputError, match=message):
        probe(bad)


def test_probe_missing_and_folder(tmp_path):
    with pytest.raises(BadInputError, match="not found"):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(BadInputError, match="folder"):
        probe(tmp_path)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    final = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(final) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    write_text(final, "whole")
    assert final.read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    assert final.stat().st_mode & 0o777 == 0o600  # text outputs quote a session: owner only
