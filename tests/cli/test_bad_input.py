"""Bad input gets one clear line and exit code 2 (or correct output), never a traceback or a partial file."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.cli.helpers import make_transcript, run_vidkit
from tests.conftest import ffmpeg, make_video


def assert_clean_failure(result, code: int, message: str, folder):
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    leftovers = [p.name for p in folder.iterdir() if ".part" in p.name]
    assert leftovers == []


def test_empty_file(tmp_path):
    bad = tmp_path / "empty.mp4"
    bad.touch()
    assert_clean_failure(run_vidkit("transcribe", bad, "-o", tmp_path), 2, "empty", tmp_path)


def test_text_file_named_mp4(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("session notes, not a video\n" * 50)
    assert_clean_failure(run_vidkit("caption", bad, "--burn", "-o", tmp_path), 2, "not a media file", tmp_path)


def test_missing_file(tmp_path):
    result = run_vidkit("transcribe", tmp_path / "nope.mp4")
    assert_clean_failure(result, 2, "not found", tmp_path)


def test_truncated_file_without_index(tmp_path, small_video):
    # Without faststart the index (moov) is at the end: cutting the file loses it.
    whole = tmp_path / "whole.mp4"
    make_video(whole, seconds=2)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert_clean_failure(run_vidkit("transcribe", cut, "-o", tmp_path), 2, "damaged or truncated", tmp_path)


def test_truncated_file_with_index_transcribes_what_is_there(tmp_path, sample_copy):
    # With the index at the front, the first part still plays: transcribe it and warn.
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(sample_copy.read_bytes()[: sample_copy.stat().st_size // 2])
    result = run_vidkit("transcribe", cut, "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    transcript = json.loads((tmp_path / "cut.transcript.json").read_text())
    assert 3 < len(transcript["text"].split())
    assert "Traceback" not in result.stderr


def test_audio_only_transcribes_but_burn_refuses(tmp_path):
    wav = tmp_path / "voice memo.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=2", str(wav))
    ok = run_vidkit("transcribe", wav, "-o", tmp_path, "--json")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "voice memo.transcript.json").is_file()
    result = run_vidkit("caption", wav, "--burn", "-o", tmp_path)
    assert_clean_failure(result, 2, "audio only", tmp_path)
    assert not list(tmp_path.glob("*.captioned.mp4"))


def test_video_without_audio_says_so(tmp_path):
    mute = make_video(tmp_path / "mute.mp4", audio=False)
    assert_clean_failure(run_vidkit("transcribe", mute, "-o", tmp_path), 2, "no audio stream", tmp_path)


def test_video_without_audio_can_still_burn_a_given_transcript(tmp_path):
    mute = make_video(tmp_path / "mute.mp4", audio=False)
    transcript = make_transcript(tmp_path / "t.json")
    result = run_vidkit("caption", mute, "--transcript", transcript, "--burn", "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mute.captioned.mp4").is_file()


@pytest.mark.parametrize("name", [
    "session with spaces.mp4",
    "patient's \"quoted\" clip.mp4",
    "$(touch pwned) `id`.mp4",
    "séance_übung_走路.mp4",
    "colon: and, comma; semi [brackets].mp4",
])
def test_awkward_file_names(tmp_path, small_video, name):
    odd = tmp_path / name
    shutil.copyfile(small_video, odd)
    transcript = make_transcript(tmp_path / "t.json")
    result = run_vidkit("caption", odd, "--transcript", transcript, "--burn", "-o", tmp_path / "out", "--json")
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)["outputs"]
    stem = odd.stem
    assert outputs["video"].endswith(f"{stem}.captioned.mp4")
    for path in outputs.values():
        assert (tmp_path / "out" / path.split("/")[-1]).is_file()
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "out" / "pwned").exists()


def test_odd_frame_size_is_padded_to_even(tmp_path):
    from vidkit.media import probe

    odd = make_video(tmp_path / "odd.mp4", extra=("-vf", "scale=721:405", "-pix_fmt", "yuv444p"))
    assert (probe(odd).video.width, probe(odd).video.height) == (721, 405)
    transcript = make_transcript(tmp_path / "t.json")
    result = run_vidkit("caption", odd, "--transcript", transcript, "--burn", "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    out = probe(tmp_path / "odd.captioned.mp4")
    assert (out.video.width, out.video.height) == (722, 406)
    assert out.video.frame_count == probe(odd).video.frame_count


def test_transcript_of_another_file_is_refused(tmp_path, small_video):
    long_transcript = make_transcript(tmp_path / "t.json", offset=60.0)
    result = run_vidkit("caption", small_video, "--transcript", long_transcript, "-o", tmp_path)
    assert_clean_failure(result, 2, "another file", tmp_path)


def test_bad_transcript_file(tmp_path, small_video):
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}')
    assert_clean_failure(run_vidkit("caption", small_video, "--transcript", junk, "-o", tmp_path), 2,
                         "not a vidkit transcript", tmp_path)


def test_unknown_style_and_format(tmp_path, small_video):
    transcript = make_transcript(tmp_path / "t.json")
    r1 = run_vidkit("caption", small_video, "--transcript", transcript, "--style", "fancy", "-o", tmp_path)
    assert_clean_failure(r1, 2, "unknown caption style 'fancy'", tmp_path)
    r2 = run_vidkit("caption", small_video, "--transcript", transcript, "--format", "sub", "-o", tmp_path)
    assert_clean_failure(r2, 2, "unknown caption format 'sub'", tmp_path)


def test_ffmpeg_failure_leaves_no_partial_output(tmp_path, small_video):
    transcript = make_transcript(tmp_path / "t.json")
    result = run_vidkit("caption", small_video, "--transcript", transcript, "--burn", "-o", tmp_path,
                        env={"VIDKIT_FFMPEG": shutil.which("false")})
    assert_clean_failure(result, 1, "ffmpeg failed", tmp_path)
    assert not list(tmp_path.glob("*.captioned.mp4"))


def test_debug_shows_traceback(tmp_path):
    bad = tmp_path / "empty.mp4"
    bad.touch()
    result = run_vidkit("transcribe", bad, "--debug")
    assert result.returncode == 2 and "Traceback" in result.stderr


@pytest.fixture(scope="module")
def stills(tmp_path_factory):
    """Pictures saved under video names: a PNG as .mov, a JPEG as .mp4, a one-frame H.264 .mp4."""
    import numpy as np
    from PIL import Image

    folder = tmp_path_factory.mktemp("stills")
    picture = np.zeros((120, 160, 3), np.uint8)
    picture[30:90, 40:120] = (200, 150, 120)
    Image.fromarray(picture).save(folder / "photo.png")
    (folder / "png as.mov").write_bytes((folder / "photo.png").read_bytes())
    Image.fromarray(picture).save(folder / "photo.jpg")
    (folder / "jpeg as.mp4").write_bytes((folder / "photo.jpg").read_bytes())
    ffmpeg("-i", str(folder / "photo.png"), "-frames:v", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           str(folder / "one frame.mp4"))
    return folder


@pytest.mark.parametrize("command", [
    ("transcribe",), ("caption", "--burn"), ("blur",), ("clip", "--range", "0-1"),
])
@pytest.mark.parametrize("name,what", [("png as.mov", "a PNG image"), ("jpeg as.mp4", "a JPEG image"),
                                       ("one frame.mp4", "a single still frame")])
def test_a_still_image_named_as_a_video_is_refused(stills, tmp_path, command, name, what):
    result = run_vidkit(command[0], stills / name, *command[1:], "-o", tmp_path)
    assert_clean_failure(result, 2, f"is {what}, not a video", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_still_picture_over_a_soundtrack_is_audio(tmp_path):
    """One picture with sound (a podcast-style file) is its audio, not a one-frame video."""
    from vidkit.media import probe

    still = tmp_path / "cover.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=160x120", "-f", "lavfi", "-i", "sine=duration=2",
           "-frames:v", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(still))
    info = probe(still)
    assert info.video is None and info.audio is not None
    result = run_vidkit("caption", still, "--burn", "-o", tmp_path)
    assert_clean_failure(result, 2, "audio only", tmp_path)
