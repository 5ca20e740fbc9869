"""`vidkit redact` and `vidkit caption --roster` as a user runs them, on synthesized speech.

The speech is laid out phrase by phrase, so the true time of every spoken name and number is
known: the tests measure the audio there, whatever times the recogniser reported.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_vidkit
from tests.conftest import REPO, ffmpeg
from vidkit.cli import app
from vidkit.media.ffmpeg import find_ffmpeg
from vidkit.hashing import file_sha256
from vidkit.transcript import Segment, Transcript, Word

RATE = 16000
PHRASES = ["Good morning", "Maria Jansen,", "welcome back to the lab.", "Your phone number is",
           "zero six one two three four five six seven eight.", "Lift your knee a little higher,",
           "Maria.", "Well done, you can rest now."]
SECRET_PHRASES = (1, 4, 6)  # must be silenced or bleeped
ROSTER = "# patients of the test clinic\nMaria Jansen | Ria\n"
# Nothing of these may reach an output file or a log line (checked case-insensitively).
SECRETS = [r"maria", r"jansen", r"\bria\b", r"0612", r"zero six one"]

_SYNTH = """
import json, sys
from tests.support.speech import synthesize_script, write_wav
phrases = json.loads(sys.argv[1])
audio, spans = synthesize_script([(0.3 if i == 0 else 0.0, p) for i, p in enumerate(phrases)],
                                 15.0, rate_wpm=150)
write_wav(sys.argv[2], audio, 16000)
print(json.dumps(spans))
"""


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> dict:
    """Speech with known phrase times, as a WAV and as a small video, transcribed once."""
    folder = tmp_path_factory.mktemp("redact")
    wav = folder / "visit.wav"
    # A fresh process: eSpeak's output depends on what it spoke before in the same process.
    made = subprocess.run([sys.executable, "-c", _SYNTH, json.dumps(PHRASES), str(wav)], cwd=REPO,
                          capture_output=True, text=True, check=True)
    spans = json.loads(made.stdout)
    video = folder / "visit.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=15", "-i", str(wav),
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-b:a", "128k", "-metadata", "title=Visit of Maria Jansen", str(video))
    roster = folder / "roster.txt"
    roster.write_text(ROSTER, encoding="utf-8")
    out = folder / "out"
    done = run_vidkit("transcribe", video, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    return {"wav": wav, "video": video, "roster": roster, "out": out, "spans": spans,
            "transcript": out / "visit.transcript.json"}


def decode(path: Path) -> np.ndarray:
    """Mono 16 kHz float samples of a recording's audio."""
    raw = subprocess.run([find_ffmpeg(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(RATE), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, "<i2").astype(np.float64) / 32768


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples ** 2))) if len(samples) else 0.0


def band_share(samples: np.ndarray, low: float, high: float) -> float:
    """Share of the 100-4000 Hz energy that lies in [low, high] Hz."""
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE)
    return power[(freqs >= low) & (freqs <= high)].sum() / power[(freqs >= 100) & (freqs <= 4000)].sum()


def cut(samples: np.ndarray, start: float, end: float) -> np.ndarray:
    return samples[int(start * RATE):int(end * RATE)]


def assert_no_secrets(text: str, where: str) -> None:
    for secret in SECRETS:
        assert not re.search(secret, text, re.IGNORECASE), f"{secret!r} leaked into {where}"


def outside_ranges(ranges: list[list[float]], spans: list[list[float]], length: int,
                   margin: float = 0.08) -> np.ndarray:
    """Sample mask: inside a spoken phrase that is not secret, away from every redacted range."""
    mask = np.zeros(length, bool)
    for index, (start, end) in enumerate(spans):
        if index not in SECRET_PHRASES:
            mask[int(start * RATE):int(end * RATE)] = True
    for start, end in ranges:
        mask[max(0, int((start - margin) * RATE)):int((end + margin) * RATE)] = False
    return mask


@pytest.mark.slow
def test_caption_with_roster_redacts_captions_and_bleeps_the_burned_audio(session):
    out = session["out"]
    result = run_vidkit("caption", session["video"], "--roster", session["roster"], "--burn",
                        "-o", out, "--json", "--debug")
    assert result.returncode == 0, result.stderr
    assert_no_secrets(result.stderr + result.stdout, "the log or the JSON")
    outputs = json.loads(result.stdout)["outputs"]
    # The transcript beside the outputs is now the redacted one; the clear one is in the private store.
    assert set(outputs) == {"transcript", "redaction", "srt", "vtt", "ass", "qc", "video"}
    assert_no_secrets((out / "visit.transcript.json").read_text(encoding="utf-8"), "the transcript")

    for fmt in ("srt", "vtt", "ass"):
        text = (out / f"visit.{fmt}").read_text(encoding="utf-8")
        assert "[name]" in text and "[redacted]" in text
        assert_no_secrets(text, fmt)
    report = json.loads((out / "visit.redaction.json").read_text(encoding="utf-8"))
    assert report["counts"]["name"] == 2 and report["counts"]["phone"] == 1
    assert_no_secrets(json.dumps(report) + (out / "visit.captions-qc.json").read_text(), "the reports")

    burned, original = decode(out / "visit.captioned.mp4"), decode(session["video"])
    for index in SECRET_PHRASES:  # where the name or number was really spoken: the bleep
        start, end = session["spans"][index]
        spoken = cut(burned, start, end)
        assert band_share(spoken, 900, 1100) > 0.9, PHRASES[index]
    length = min(len(burned), len(original))
    keep = outside_ranges(report["audio"]["ranges"], session["spans"], length)
    level = 20 * np.log10(rms(burned[:length][keep]) / rms(original[:length][keep]))
    assert abs(level) < 1.0  # the rest of the speech keeps its level (AAC twice: not exact)


@pytest.mark.slow
def test_redact_mutes_the_spoken_names_and_keeps_the_rest_exactly(session):
    out = session["out"] / "redact"
    # The transcript names the recording it was made from (the video) and redact refuses other
    # media; the WAV holds the same speech, so its transcript has the same words: made so here.
    transcript = json.loads(session["transcript"].read_text(encoding="utf-8"))
    transcript["provenance"]["input_sha256"] = file_sha256(session["wav"])
    of_wav = session["out"] / "wav" / "visit.transcript.json"
    of_wav.parent.mkdir(exist_ok=True)
    of_wav.write_text(json.dumps(transcript), encoding="utf-8")
    result = run_vidkit("redact", of_wav, "--roster", session["roster"],
                        "--media", session["wav"], "--audio", "mute", "-o", out, "--json", "--debug")
    assert result.returncode == 0, result.stderr
    assert_no_secrets(result.stderr + result.stdout, "the log or the JSON")
    outputs = json.loads(result.stdout)["outputs"]
    assert set(outputs) == {"transcript", "report", "media"}
    assert outputs["media"].endswith("visit.redacted.wav")

    redacted = Transcript.from_dict(json.loads((out / "visit.redacted.transcript.json").read_text()))
    assert "[name]" in redacted.text and "[redacted]" in redacted.text
    assert redacted.provenance["redaction"]["counts"]["name"] == 2
    for path in out.iterdir():
        assert_no_secrets(path.read_text(encoding="utf-8") if path.suffix == ".json" else "", path.name)

    muted, original = decode(out / "visit.redacted.wav"), decode(session["wav"])
    assert len(muted) == len(original)
    for index in SECRET_PHRASES:
        start, end = session["spans"][index]
        assert rms(cut(muted, start, end)) < 1e-4, PHRASES[index]
        assert rms(cut(original, start, end)) > 0.02
    report = json.loads((out / "visit.redaction.json").read_text())
    keep = outside_ranges(report["audio"]["ranges"], session["spans"], len(original))
    assert keep.sum() > 2 * RATE  # seconds of speech left to compare
    assert np.array_equal(muted[keep], original[keep])  # PCM in, PCM out: bit for bit

    video_out = session["out"] / "redact-video"
    again = run_vidkit("redact", session["transcript"], "--roster", session["roster"],
                       "--media", session["video"], "-o", video_out, "--quiet")
    assert again.returncode == 0 and again.stderr == ""
    streams = subprocess.run([find_ffmpeg(), "-hide_banner", "-i", str(video_out / "visit.redacted.mp4")],
                             capture_output=True, text=True).stderr
    assert "Video: h264" in streams and "Audio: aac" in streams
    assert "title" not in streams.lower()  # no identifying metadata (the input had a title)
    assert_no_secrets(streams, "the redacted video's metadata")


def write_transcript(path: Path) -> Path:
    """Nine words in 0.5-2.8 s; the name is a low-confidence word (it shows in the QC table)."""
    words = [Word(0.5 + i * 0.25, 0.75 + i * 0.25, text, 0.3 if text == "Maria" else 0.9) for i, text in
             enumerate("Good morning Maria Jansen, your record number is 48213.".split())]
    segment = Segment(0, words[0].start, words[-1].end, " " + " ".join(w.text for w in words), tuple(words))
    path.write_text(Transcript("en", 6.0, (segment,), {}).to_json(), encoding="utf-8")
    return path


def test_redact_without_media_writes_transcript_and_report(tmp_path):
    transcript = write_transcript(tmp_path / "visit.transcript.json")
    roster = tmp_path / "roster.txt"
    roster.write_text(ROSTER, encoding="utf-8")
    result = run_vidkit("redact", transcript, "--roster", roster, "--debug")
    assert result.returncode == 0, result.stderr
    assert "1 name, 1 record number" in result.stderr
    assert_no_secrets(result.stderr, "the log")
    text = (tmp_path / "visit.redacted.transcript.json").read_text()
    assert "Good morning [name], your record number is [redacted]." in text
    report = json.loads((tmp_path / "visit.redaction.json").read_text())
    assert report["counts"] == {"name": 1, "email": 0, "phone": 0, "date_of_birth": 0, "record_number": 1}
    assert report["audio"] is None
    assert_no_secrets(text + json.dumps(report), "the outputs")


def test_caption_roster_with_a_given_transcript(tmp_path, small_video):
    transcript = write_transcript(tmp_path / "t.json")
    roster = tmp_path / "roster.txt"
    roster.write_text(ROSTER, encoding="utf-8")
    result = run_vidkit("caption", small_video, "--transcript", transcript, "--roster", roster,
                        "-o", tmp_path / "out", "--debug")
    assert result.returncode == 0, result.stderr
    assert "[name]" in result.stderr  # the QC table lists the unsure word by its label
    assert "1 name, 1 record number" in result.stderr
    assert_no_secrets(result.stderr, "the log")
    for path in (tmp_path / "out").iterdir():
        assert_no_secrets(path.read_text(encoding="utf-8"), path.name)
    assert "[name]" in (tmp_path / "out" / "small.srt").read_text()


@pytest.mark.parametrize("roster_text, message", [
    ("Maria Jansen\nPiet 2 Bakker\n", "line 2"),
    ("Maria Jansen\n\xff\xfeJansen\n", "line 2: not UTF-8"),
    ("# nobody\n", "has no names"),
])
def test_bad_roster_is_one_line_without_its_text(tmp_path, roster_text, message):
    transcript = write_transcript(tmp_path / "visit.transcript.json")
    roster = tmp_path / "roster.txt"
    roster.write_bytes(roster_text.encode("latin-1"))
    for debug in ((), ("--debug",)):
        result = run_vidkit("redact", transcript, "--roster", roster, *debug)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert_no_secrets(result.stderr, "the error")
        assert "piet" not in result.stderr.lower() and "bakker" not in result.stderr.lower()
        if not debug:
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not list(tmp_path.glob("*.redact*"))


def test_missing_roster_and_bad_options_exit_2(tmp_path):
    transcript = write_transcript(tmp_path / "visit.transcript.json")
    missing = run_vidkit("redact", transcript, "--roster", tmp_path / "nope.txt")
    assert missing.returncode == 2 and "roster not found" in missing.stderr
    none = run_vidkit("redact", transcript)
    assert none.returncode == 2 and "--roster FILE" in none.stderr
    roster = tmp_path / "roster.txt"
    roster.write_text(ROSTER, encoding="utf-8")
    mode = run_vidkit("redact", transcript, "--roster", roster, "--audio", "beep")
    assert mode.returncode == 2 and "bleep or mute" in mode.stderr


def test_redact_help_has_an_example():
    result = CliRunner().invoke(app, ["redact", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Example" in result.output and "vidkit redact" in result.output
