"""Transcripts written from plain sentences, so describe tests need no speech model."""

from __future__ import annotations

from pathlib import Path

from vidkit.transcript import Segment, Transcript, Word

DATA = Path(__file__).resolve().parent / "data"
# The bundled sample's transcript as `vidkit transcribe` (embedded tiny.en) made it: real
# recogniser output, with its mistakes ("Caron Lab") and the patient's name unredacted.
SAMPLE_TRANSCRIPT = DATA / "caren_session.transcript.json"

# Three topics of about 12 s each, for chapters.
TOPICS = [
    (0.5, "The harness keeps you safe on the treadmill."),
    (4.0, "We check the harness straps before the treadmill starts."),
    (8.0, "The harness and the treadmill belt are ready."),
    (13.0, "Now your gait: make each step length even."),
    (17.0, "A longer step length makes your gait smoother."),
    (21.0, "Keep your gait steady with the same step length."),
    (26.0, "Finally balance: shift your weight from foot to foot."),
    (30.0, "Balance improves when the weight shift is slow."),
    (34.0, "Hold your balance while the weight shift continues."),
]


def transcript_from_lines(lines: list[tuple[float, str]], duration: float, language: str = "en") -> Transcript:
    """One segment per (start seconds, sentence); words 0.3 s apart, 0.25 s long."""
    segments = []
    for number, (start, sentence) in enumerate(lines):
        words = tuple(Word(round(start + 0.3 * i, 3), round(start + 0.3 * i + 0.25, 3), token, 0.9)
                      for i, token in enumerate(sentence.split()))
        segments.append(Segment(number, words[0].start, words[-1].end, sentence, words))
    return Transcript(language, duration, tuple(segments), {"engine": "test"})


def write_transcript(path: Path, lines: list[tuple[float, str]], duration: float) -> Path:
    path.write_text(transcript_from_lines(lines, duration).to_json(), encoding="utf-8")
    return path


def place_sample_transcript(video: Path, target: Path) -> Path:
    """The sample's transcript as the transcript of `video` (a generated stand-in): its
    provenance names `video` by sha256, as `vidkit transcribe` of that video would."""
    import hashlib
    import json

    data = json.loads(SAMPLE_TRANSCRIPT.read_text(encoding="utf-8"))
    data["provenance"]["input_sha256"] = hashlib.sha256(Path(video).read_bytes()).hexdigest()
    target.write_text(json.dumps(data), encoding="utf-8")
    return target
