"""Run vidkit as a user would (a subprocess) and make small transcripts without a model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vidkit.transcript import Segment, Transcript, Word

PHRASES = ["Lift your knee", "a little higher,", "and keep", "your eyes on the road."]


def run_vidkit(*args, env: dict[str, str] | None = None, cwd: Path | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "120", **(env or {})}
    return subprocess.run([sys.executable, "-m", "vidkit", *map(str, args)], capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=timeout)


def make_transcript(path: Path, offset: float = 0.2, duration: float = 3.0) -> Path:
    """A transcript whose words fill about 2.5 s from `offset`, written as JSON."""
    words, t = [], offset
    for phrase in PHRASES:
        for token in phrase.split():
            words.append(Word(round(t, 3), round(t + 0.22, 3), token, 0.9))
            t += 0.27
        t += 0.05
    segment = Segment(0, words[0].start, words[-1].end, " ".join(w.text for w in words), tuple(words))
    transcript = Transcript("en", duration, (segment,), {"engine": "test"})
    path.write_text(transcript.to_json(), encoding="utf-8")
    return path
