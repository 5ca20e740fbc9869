"""A short recording in which a therapist says a patient's names, a phone number and a date
of birth: faces from tests/support/faces.py, speech from eSpeak NG. Nothing is downloaded."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.faces import SCENARIOS, render, write_clip
from tests.support.speech import synthesize, write_wav

SCRIPT = ("Good morning, José Müller. Your sister, Anna Visser, will call at zero six one two three "
          "four five six seven eight. You were born on the fourth of May, nineteen seventy five. "
          "Well done, José, keep walking on the treadmill.")
ROSTER = "José Müller | Jose\nAnna Visser\n"
# What must never be found in an output: each roster name part and nickname, and the numbers.
NAMES = ("José", "Müller", "Jose", "Anna", "Visser")
NUMBERS = ("345678", "0612345678", "1975", "4th of May", "fourth of May")


def make_named_session(folder: Path) -> tuple[Path, Path]:
    """(recording, roster file): ~16 s of 640x360 video of two walking faces with the speech."""
    from vidkit.media.ffmpeg import find_ffmpeg

    speech = synthesize(SCRIPT, rate_wpm=150)
    wav = folder / "speech.wav"
    write_wav(wav, speech, 16000)
    seconds = len(speech) / 16000 + 0.5
    picture = write_clip(render(SCENARIOS["two_faces"], size=(640, 360), seconds=seconds),
                         folder / "picture.mp4", audio=False)
    video = folder / "jose_muller_2024.mp4"
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(picture), "-i", str(wav),
                    "-c:v", "copy", "-c:a", "aac", "-b:a", "96k", "-shortest", str(video)], check=True)
    roster = folder / "roster.txt"
    roster.write_text(ROSTER, encoding="utf-8")
    return video, roster
