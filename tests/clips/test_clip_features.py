"""`vidkit clip` features end to end: reframing that follows a face, masking and verification in
the one pass, trimmed pauses with captions in step, --find / --auto / --from / --export,
roster names out of a clip, and over-long Shorts refused."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pysubs2
import pytest
from typer.testing import CliRunner

from tests.conftest import ffmpeg, make_video
from tests.support.faces import SCENARIOS, render, write_clip
from vidkit.cli import app
from vidkit.faces.mask import SOLID_YUV
from vidkit.transcript import Segment, Transcript, Word, load_transcript

FPS = 25


def invoke(*args) -> dict:
    result = CliRunner().invoke(app, ["clip", *map(str, args), "--json", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write_transcript(path: Path, sentences: list[tuple[float, str]], duration: float) -> Path:
    """Sentences starting at the given seconds, words 0.3 s apart."""
    segments = []
    for start, text in sentences:
        words = tuple(Word(round(start + i * 0.3, 3), round(start + i * 0.3 + 0.25, 3), token, 0.9)
                      for i, token in enumerate(text.split()))
        segments.append(Segment(len(segments), words[0].start, words[-1].end, text, words))
    path.write_text(Transcript("en", duration, tuple(segments), {"engine": "test"}).to_json(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def walker(tmp_path_factory) -> Path:
    """The ground-truth 'moving' scenario (a face crossing the frame) at 640x360, 4 s."""
    folder = tmp_path_factory.mktemp("walker")
    return write_clip(render(SCENARIOS["moving"], size=(640, 360), fps=FPS, seconds=4.0), folder / "walk.mp4")


def mask_columns(path: Path) -> list[tuple[int, int] | None]:
    """Per output frame: the leftmost and rightmost column of the solid face mask (the largest
    patch of the mask's colour), if there is one."""
    import cv2

    found = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yuv = frame.to_ndarray(format="yuv444p").astype(int)
            solid = np.all([np.abs(yuv[i] - SOLID_YUV[i]) <= 3 for i in range(3)], axis=0).astype(np.uint8)
            count, _, stats, _ = cv2.connectedComponentsWithStats(solid)
            if count < 2:
                found.append(None)
                continue
            best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            left, width = stats[best, cv2.CC_STAT_LEFT], stats[best, cv2.CC_STAT_WIDTH]
            found.append((int(left), int(left + width - 1)))
    return found


def test_shorts_reframe_follows_the_face_and_masks_it(walker, tmp_path):
    payload = invoke(walker, "--range", "0-4", "--aspect", "9:16", "-o", tmp_path)
    clip = payload["summary"]["clips"][0]
    assert clip["aspect"] == "9:16" and clip["privacy"]["verified"] is True
    video = tmp_path / "walk.clip01.mp4"
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (1080, 1920)
    record = json.loads((tmp_path / "walk.clip01.clip.json").read_text())
    assert record["crop_keeps_face"] >= 0.95
    # Independently of the tracks: the face's mask is on screen and clear of the side edges
    # in at least 95% of frames (a centred crop loses this face for most of the clip).
    columns = mask_columns(video)
    inside = sum(1 for c in columns if c is not None and c[0] > 0 and c[1] < 1079)
    assert inside >= 0.95 * len(columns), inside


def test_trim_silence_cuts_pauses_and_keeps_captions_in_step(tmp_path):
    video = make_video(tmp_path / "talk.mp4", seconds=6.0, fps=FPS)
    write_transcript(tmp_path / "talk.transcript.json",
                     [(0.2, "Lift your left knee."), (3.5, "Now the right one please.")], 6.0)
    payload = invoke(video, "--range", "0-6", "--trim-silence", "--no-blur", "-o", tmp_path)
    clip = payload["summary"]["clips"][0]
    seconds = clip["actual"]["duration"]
    assert 3.0 < seconds < 4.5  # the 2.2 s pause shrinks to its margins
    record = json.loads((tmp_path / "talk.clip01.clip.json").read_text())
    assert len(record["spans"]) == 2
    frames = sum(1 for _ in av.open(str(tmp_path / "talk.clip01.mp4")).decode(video=0))
    assert frames == clip["frames"] == round(seconds * FPS)
    words = load_transcript(tmp_path / "talk.clip01.transcript.json").words
    assert [w.text for w in words][:4] == ["Lift", "your", "left", "knee."]
    (first_start, first_end), (second_start, _) = record["spans"]
    right = next(w for w in words if w.text == "Now")
    assert right.start == pytest.approx(first_end - first_start + 3.5 - second_start, abs=0.01)
    subs = pysubs2.load(str(tmp_path / "talk.clip01.srt"))
    assert all(0 <= e.start < e.end <= seconds * 1000 + 1 for e in subs)


@pytest.fixture()
def lesson(tmp_path) -> Path:
    video = make_video(tmp_path / "lesson.mp4", seconds=24.0, fps=FPS, size="160x120")
    write_transcript(tmp_path / "lesson.transcript.json", [
        (0.5, "Good morning and welcome back to the lab."),
        (4.0, "Today we train your gait on the treadmill with the harness."),
        (8.5, "Keep your step length even and your balance steady."),
        (13.0, "The treadmill speed goes up a little now."),
        (17.5, "Great work, that is the end of our session today."),
    ], 24.0)
    return video


def test_find_snaps_to_the_sentence(lesson, tmp_path):
    payload = invoke(lesson, "--find", "tredmill speed", "--no-blur", "--no-thumbnail", "-o", tmp_path)
    clip = payload["summary"]["clips"][0]
    assert clip["actual"]["start"] <= 13.0 and clip["actual"]["end"] >= 13.0 + 7 * 0.3
    assert clip["actual"]["start"] > 8.5 + 9 * 0.3  # not into the sentence before


def test_auto_plan_from_and_export(lesson, tmp_path):
    payload = invoke(lesson, "--auto", "1", "--plan", "--export", "edl", "--export", "fcpxml", "-o", tmp_path)
    assert payload["summary"]["clips"] == [] and len(payload["summary"]["planned"]) == 1
    candidates = json.loads((tmp_path / "lesson.clips.json").read_text())
    assert candidates["schema"] == "vidkit.clips/1" and candidates["clips"][0]["reasons"]
    assert (tmp_path / "lesson.clips.edl").read_text().startswith("TITLE:")
    assert "<fcpxml" in (tmp_path / "lesson.clips.fcpxml").read_text()
    assert not list(tmp_path.glob("lesson.clip01.*"))  # --plan renders nothing
    # a person edits the file (shorter range), then makes that clip
    candidates["clips"][0]["end"] = candidates["clips"][0]["start"] + 5
    edited = tmp_path / "edited.clips.json"
    edited.write_text(json.dumps(candidates))
    payload = invoke(lesson, "--from", edited, "--no-blur", "--no-thumbnail", "-o", tmp_path)
    assert payload["summary"]["clips"][0]["actual"]["duration"] == pytest.approx(5.0, abs=1 / FPS)


def test_overlong_short_refused(tmp_path):
    long_video = tmp_path / "long.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=64x36:rate=2:duration=190",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(long_video))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["clip", str(long_video), "--range", "0-181", "--aspect", "9:16", "-o", str(out)])
    assert result.exit_code == 2
    assert "at most 180 s" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_roster_name_is_out_of_the_clip(sample_copy, tmp_path):
    """The sample's therapist says the patient's name at the start: a clip of that moment has
    [name] in its captions and a bleep where the name was said."""
    payload = invoke(sample_copy, "--range", "0-4", "--roster", Path(__file__).parents[2] / "assets/sample/roster.txt",
                     "--no-blur", "--no-thumbnail", "-o", tmp_path)
    assert payload["summary"]["clips"][0]["captions"] >= 1
    text = (tmp_path / "caren_session.clip01.srt").read_text()
    excerpt = (tmp_path / "caren_session.clip01.transcript.json").read_text()
    assert "Jansen" not in text and "Maria" not in text and "Jansen" not in excerpt
    assert "[name]" in text
    with av.open(str(tmp_path / "caren_session.clip01.mp4")) as container:
        samples = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    spectrum = np.abs(np.fft.rfft(samples[: 4 * 48000]))
    freqs = np.fft.rfftfreq(len(samples[: 4 * 48000]), 1 / 48000)
    band = spectrum[(freqs > 990) & (freqs < 1010)].max()
    assert band > 5 * np.median(spectrum[(freqs > 500) & (freqs < 2000)])  # the 1 kHz bleep is there


def test_variable_frame_rate_source_gets_a_steady_clock(tmp_path):
    """Every third frame dropped: the clip still has duration × fps frames and audio of the same
    length, and the subject ids given are recorded for the consent check."""
    vfr = make_video(tmp_path / "vfr.mp4", seconds=3.0, size="160x120", fps=30,
                     extra=("-vf", "select='not(eq(mod(n,3),2))'", "-fps_mode", "vfr"))
    payload = invoke(vfr, "--range", "0.5-2.5", "--no-blur", "--no-thumbnail", "--subject", "P-0042", "-o", tmp_path)
    clip = payload["summary"]["clips"][0]
    with av.open(str(tmp_path / "vfr.clip01.mp4")) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        times = [float(p.pts * video.time_base) for p in container.demux(video) if p.pts is not None]
        audio_seconds = float(audio.duration * audio.time_base)
    assert len(times) == clip["frames"]
    assert clip["actual"]["duration"] == pytest.approx(2.0, abs=0.05)
    steps = np.diff(sorted(times))
    assert steps.max() - steps.min() < 1e-3  # constant frame rate out
    assert abs(audio_seconds - clip["actual"]["duration"]) < 0.03
    record = json.loads((tmp_path / "vfr.clip01.clip.json").read_text())
    assert record["subjects"] == ["P-0042"]


def test_a_name_as_subject_is_refused(tmp_path):
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="160x120")
    result = CliRunner().invoke(app, ["clip", str(video), "--range", "0-1", "--subject", "Maria Jansen"])
    assert result.exit_code == 2 and "pseudonymous" in result.stderr
