"""`vidkit render` (issue 11 point 6): the publishable full-length video in one encode: faces
masked and verified, captions burned with names as [name], names bleeped and listened for
again, branding; a record the publish gates and describe read like a clip's.

One short generated recording (two walking faces, speech saying a roster name) is rendered
once with captions and once without (with the bleeps broken, for the exit-1 path); the tests
read those outputs. The other runs use a test pattern without faces or speech."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from itertools import islice
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from tests.cli.helpers import make_transcript
from tests.conftest import make_video
from tests.support.faces import SCENARIOS, read_frames, render, write_clip
from tests.support.fidelity import psnr_outside
from tests.support.leak import leaks
from tests.support.speech import synthesize, write_wav
from vidkit.cli import app
from vidkit.media.ffmpeg import find_ffmpeg

SCRIPT = "Good morning, José Müller. Lift your knee a little higher. Well done, José, keep walking."
ROSTER = "José Müller | Jose\nAnna Visser\n"
SIZE = (640, 360)


def vidkit(*args, cwd: Path | None = None):
    here = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(app, [str(a) for a in args])
    finally:
        os.chdir(here)


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def seconds_of(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return float(stream.duration * stream.time_base)


@pytest.fixture(scope="module")
def isolated(tmp_path_factory):
    """The autouse config isolation is per test; module fixtures run vidkit before it, so they
    get the same folders here (the private transcript store above all)."""
    home = tmp_path_factory.getbasetemp() / "home"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("CONFIG", "CACHE", "DATA"):
            patch.setenv(f"XDG_{name}_HOME", str(home / name.lower()))
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield patch


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """(recording, roster, seconds): ~6.7 s of 640x360 with two walking faces and the speech."""
    folder = tmp_path_factory.mktemp("render-session")
    speech = synthesize(SCRIPT, rate_wpm=160)
    write_wav(folder / "speech.wav", speech, 16000)
    seconds = len(speech) / 16000 + 0.4
    picture = write_clip(render(SCENARIOS["two_faces"], size=SIZE, seconds=seconds), folder / "picture.mp4",
                         audio=False)
    video = folder / "session_b.mp4"
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(picture),
                    "-i", str(folder / "speech.wav"), "-c:v", "copy", "-c:a", "aac", "-b:a", "96k", str(video)],
                   check=True)
    roster = folder / "roster.txt"
    roster.write_text(ROSTER, encoding="utf-8")
    return video, roster, seconds


@pytest.fixture(scope="module")
def rendered(session, isolated, tmp_path_factory):
    """`vidkit render --roster` once, counting every encoder started: ffmpeg processes given an
    input, and PyAV files opened for writing (vidkit blur encodes with PyAV)."""
    video, roster, _ = session
    out = tmp_path_factory.mktemp("render-out")
    encodes: list[list[str]] = []
    writers: list[str] = []
    real_popen, real_open = subprocess.Popen, av.open

    def popen(cmd, *args, **kwargs):
        if isinstance(cmd, (list, tuple)) and cmd and cmd[0] == find_ffmpeg() and "-i" in cmd:
            encodes.append(list(cmd))
        return real_popen(cmd, *args, **kwargs)

    def open_(file, mode="r", *args, **kwargs):
        if "w" in (mode or ""):
            writers.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "Popen", popen)
        patch.setattr(av, "open", open_)
        result = vidkit("render", video, "--roster", roster, "-o", out, "--json", cwd=out)
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout), encodes, writers


@pytest.fixture(scope="module")
def plain(session, isolated, tmp_path_factory):
    """The same render without captions, and with the bleeps broken: the masked-only picture to
    compare with, and the second listen's failure."""
    video, roster, _ = session
    out = tmp_path_factory.mktemp("render-plain")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("vidkit.pipeline.clip_render.bleep_filter", lambda *args, **kwargs: None)
        result = vidkit("render", video, "--roster", roster, "--no-captions", "-o", out, cwd=out)
    return out, result


def record_of(out: Path) -> dict:
    return json.loads((out / "session_b.publish.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_one_encode_full_length_source_shape(session, rendered):
    video, _, _ = session
    out, payload, encodes, writers = rendered
    made = out / "session_b.publish.mp4"
    assert payload["outputs"]["publish.video"] == str(made)
    record = record_of(out)
    # One ffmpeg encode per verification round, each from the source; nothing else encodes.
    assert len(encodes) == record["privacy"]["verification_rounds"] == 1, encodes
    assert "pipe:0" in encodes[0] and "ass=captions.ass:fontsdir=fonts" in " ".join(encodes[0])
    assert writers == []  # not `vidkit blur` (PyAV) and then a burn
    assert not [p.name for p in out.iterdir() if p.name.endswith((".blurred.mp4", ".captioned.mp4"))]
    assert frame_count(made) == frame_count(video) == record["frames"]
    assert abs(seconds_of(made) - seconds_of(video)) < 0.5 / 25
    with av.open(str(made)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == SIZE
        assert container.streams.audio  # the speech, bleeped


@pytest.mark.slow
def test_faces_are_masked_and_the_record_says_verified(session, rendered):
    _, _, seconds = session
    out, _, _, _ = rendered
    clip = render(SCENARIOS["two_faces"], size=SIZE, seconds=seconds)
    assert leaks(islice(clip.frames, 40), islice(read_frames(session[0]), 40), clip.truth[:40]), \
        "the source shows no face to the measure: the test tests nothing"
    found = leaks(clip.frames, read_frames(out / "session_b.publish.mp4"), clip.truth)
    assert not found, f"{len(found)} leaks, first: {found[:3]}"
    record = record_of(out)
    assert record["schema"] == "vidkit.publish/1"
    assert record["privacy"]["masked"] and record["privacy"]["verified"] is True
    assert record["privacy"]["tracks"] >= 2 and record["privacy"]["faces_left"] == 0
    assert record["source"]["sha256"] == sha(session[0])
    assert record["video_sha256"] == sha(out / "session_b.publish.mp4")
    assert record["burned_captions"] is True and record["branding"] is False and record["intro_seconds"] == 0


@pytest.mark.slow
def test_captions_are_burned_with_names_redacted(rendered, plain):
    out, _, _, _ = rendered
    plain_out, _ = plain
    made, masked_only = out / "session_b.publish.mp4", plain_out / "session_b.publish.mp4"
    assert record_of(plain_out)["burned_captions"] is False
    # Only the caption area differs from the render without captions ...
    width, height = SIZE
    area = (0, height // 2, width, height)
    outside = psnr_outside(made, masked_only, lambda index: [area])
    assert float(np.median(outside)) > 38 and min(outside) > 32, outside
    # ... and there it does while a cue of the SRT is on screen, and only then.
    srt = (out / "session_b.publish.srt").read_text(encoding="utf-8")
    cues = [tuple(_srt_seconds(t) for t in line.split(" --> ")) for line in srt.splitlines() if " --> " in line]
    inside = psnr_outside(made, masked_only, lambda index: [(0, 0, width, height // 2)])
    shown = [i for i in range(len(inside)) if any(a + 0.04 < i / 25 < b - 0.04 for a, b in cues)]
    hidden = [i for i in range(len(inside)) if all(i / 25 < a - 0.04 or i / 25 > b + 0.04 for a, b in cues)]
    assert shown and hidden, cues
    assert max(inside[i] for i in shown) < 30 and min(inside[i] for i in hidden) > 38, (cues, inside)
    assert "[name]" in srt and "José" not in srt and "Jose" not in srt
    transcript = (out / "session_b.publish.transcript.json").read_text(encoding="utf-8")
    assert "[name]" in transcript and "Müller" not in transcript
    record = record_of(out)
    assert record["files"] == {"srt": sha(out / "session_b.publish.srt"), "vtt": sha(out / "session_b.publish.vtt")}


def _srt_seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.strip().replace(",", ".").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _mono(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [frame.to_ndarray().reshape(-1, frame.samples).mean(axis=0)
                  for frame in container.decode(stream)]
        return np.concatenate(chunks).astype(np.float64), stream.rate


def _tone_share(samples: np.ndarray, rate: int, start: float, end: float) -> float:
    """The share of the power within 950-1050 Hz between start and end seconds."""
    part = samples[int(start * rate):int(end * rate)]
    power = np.abs(np.fft.rfft(part * np.hanning(len(part)))) ** 2
    freqs = np.fft.rfftfreq(len(part), 1 / rate)
    return float(power[(freqs >= 950) & (freqs <= 1050)].sum() / power.sum())


@pytest.mark.slow
def test_names_are_bleeped_where_they_were_said_and_not_heard_again(session, rendered):
    out, _, _, _ = rendered
    words = record_of(out)["words"]
    assert words["redacted"] and words["audio_bleeped"] and words["verified"] is True and words["heard"] == []
    assert words["counts"]["name"] == 2
    said = json.loads((out / "session_b.publish.transcript.json").read_text(encoding="utf-8"))
    names = [w for s in said["segments"] for w in s["words"] if w["text"].startswith("[name]")]
    assert len(names) == 2
    before, rate = _mono(session[0])
    after, rate_after = _mono(out / "session_b.publish.mp4")
    for word in names:
        middle = (word["start"] + word["end"]) / 2
        assert _tone_share(before, rate, middle - 0.1, middle + 0.1) < 0.2
        assert _tone_share(after, rate_after, middle - 0.1, middle + 0.1) > 0.8
    first = said["segments"][0]["words"][0]  # "Good": not a name, not bleeped
    assert _tone_share(after, rate_after, first["start"], first["end"]) < 0.2


@pytest.mark.slow
def test_a_name_heard_again_fails_with_exit_1_and_the_record_says_so(plain):
    out, result = plain
    assert result.exit_code == 1, result.output
    assert "second listen still hears" in result.output
    words = record_of(out)["words"]
    assert words["verified"] is False and "name" in {h["kind"] for h in words["heard"]}


@pytest.mark.slow
def test_describe_and_publish_dry_run_pass_every_gate(session, rendered, isolated, tmp_path):
    _, roster, _ = session
    out, _, _, _ = rendered
    folder = tmp_path / "publish"
    shutil.copytree(out, folder)
    video = folder / "session_b.publish.mp4"
    described = vidkit("describe", video, "--roster", roster, "--subject", "P-0042", "--json", cwd=tmp_path)
    assert described.exit_code == 0, described.output
    upload = json.loads((folder / "session_b.publish.upload.json").read_text(encoding="utf-8"))
    assert upload["clip_record"] == "session_b.publish.json" and upload["captions"] == "session_b.publish.srt"
    assert upload["privacy"]["verified"] is True
    ledger = tmp_path / "ledger.sqlite3"
    added = vidkit("consent", "add", "--subject", "P-0042", "--scope", "youtube", "--ledger", ledger)
    assert added.exit_code == 0, added.output
    result = vidkit("publish", video, "--ledger", ledger, "--roster", roster, "--dry-run", "--json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    gates = {g["gate"]: g for g in json.loads(result.stdout)["gates"]}
    assert set(gates) >= {"privacy", "words", "consent", "metadata", "text", "files"}
    assert all(g["ok"] and g["override"] is None for g in gates.values()), gates
    assert "session_b.publish.json" in gates["privacy"]["detail"]


@pytest.fixture(scope="module")
def pattern(tmp_path_factory):
    """A test pattern with a tone (no faces, no speech) and a transcript beside it: no Whisper."""
    folder = tmp_path_factory.mktemp("render-pattern")
    video = make_video(folder / "walk.mp4", seconds=3.0, size="320x240")
    make_transcript(folder / "walk.transcript.json", duration=3.0)
    return video


@pytest.mark.slow
def test_branding_cards_come_before_and_after_and_the_captions_wait_for_them(pattern, isolated, tmp_path):
    result = vidkit("render", pattern, "--branding", "default", "-o", tmp_path, "--json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "walk.publish.json").read_text(encoding="utf-8"))
    assert record["branding"] is True and record["intro_seconds"] == 2.0
    assert frame_count(tmp_path / "walk.publish.mp4") == frame_count(pattern) + 5 * 25  # 2 s intro, 3 s outro
    assert record["words"]["redacted"] is False  # no roster: said so, and publish refuses it
    first_cue = (tmp_path / "walk.publish.srt").read_text(encoding="utf-8").splitlines()[1]
    assert first_cue.startswith("00:00:02,"), first_cue  # the transcript's first word is at 0.2 s


@pytest.mark.slow
def test_a_face_still_found_fails_with_exit_1(isolated, tmp_path, monkeypatch):
    source = write_clip(render(SCENARIOS["two_faces"], size=SIZE, seconds=1.2), tmp_path / "faces.mp4",
                        audio=False)
    monkeypatch.setattr("vidkit.faces.masking.ClipMasks.rects", lambda self, pts: [])  # masks "fail"
    result = vidkit("render", source, "-o", tmp_path / "out", cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "face(s) still found after masking" in result.output
    privacy = json.loads((tmp_path / "out" / "faces.publish.json").read_text(encoding="utf-8"))["privacy"]
    assert privacy["verified"] is False and privacy["faces_left"] > 0 and privacy["verification_rounds"] > 1


def test_another_recordings_render_in_the_folder_is_refused(pattern, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "walk.publish.json").write_text(json.dumps({"schema": "vidkit.publish/1", "source": {"sha256": "a" * 64},
                                                       "video_sha256": "b" * 64}))
    result = vidkit("render", pattern, "-o", out, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "already holds outputs of another recording also named 'walk'" in result.output
    assert not (out / "walk.publish.mp4").exists()


def test_an_audio_only_file_is_refused(tmp_path):
    audio = tmp_path / "talk.m4a"
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=1", "-c:a", "aac", str(audio)], check=True)
    result = vidkit("render", audio, "-o", tmp_path, cwd=tmp_path)
    assert result.exit_code == 2 and "has no video stream" in result.output, result.output


def test_publish_finds_the_render_record_named_after_the_video(tmp_path):
    """X.publish.mp4 -> X.publish.json, also when the upload.json does not name it."""
    from tests.publish.conftest import write_clip as write_described
    from vidkit.describe.describe import clip_files
    from vidkit.origin import clip_record_of
    from vidkit.publish.gates import source_stem

    made = write_described(tmp_path / "v", make_video(tmp_path / "src.mp4", seconds=1.0), stem="p0042_walk.publish")
    record = made.record.rename(made.folder / "p0042_walk.publish.json")
    made.edit_upload(clip_record=None)
    assert clip_files(made.video).record == record
    assert clip_record_of(made.folder / "p0042_walk.publish.transcript.json") == record
    assert source_stem(made.video) == "p0042_walk"  # the recording's name, looked for in titles
    ledger = tmp_path / "ledger.sqlite3"
    assert vidkit("consent", "add", "--subject", "P-0042", "--scope", "youtube", "--ledger", ledger).exit_code == 0
    result = vidkit("publish", made.video, "--ledger", ledger, "--dry-run", "--json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    gates = {g["gate"]: g for g in json.loads(result.stdout)["gates"]}
    assert all(g["ok"] for g in gates.values()), gates
    assert "p0042_walk.publish.json" in gates["privacy"]["detail"]


def test_render_is_a_command_with_help_and_an_example():
    shown = CliRunner().invoke(app, ["render", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "Example" in shown.output and "vidkit render" in shown.output and "--no-captions" in shown.output
    assert " render " in CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
