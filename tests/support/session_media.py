"""A CAREN-like session for the benchmarks: a patient walking and a therapist beside the screen
(two moving faces), and the therapist's sentences spoken every few seconds (eSpeak NG)."""

from __future__ import annotations

import math
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tests.support.faces import FaceTrack, Pose, Scenario, render, write_clip
from tests.support.speech import synthesize, write_wav

SIZE = (1280, 720)
FPS = 25


def walker(t: float) -> Pose:
    """A patient walking on a treadmill, swaying across the middle third of the frame."""
    return Pose(0.5 + 0.18 * math.sin(2 * math.pi * t / 14), 0.42 + 0.012 * math.sin(2 * math.pi * 1.6 * t), 110)


def therapist(t: float) -> Pose:
    return Pose(0.82 + 0.03 * math.sin(2 * math.pi * t / 9), 0.38, 90)


def make_session(folder: Path, seconds: float, sentences: Sequence[str]):
    """(`folder`/session.mp4, the rendered scenario): the two faces for `seconds`, the sentences
    in turn with 1.5 s between them, as long as they fit."""
    from vidkit.media.ffmpeg import find_ffmpeg

    scenario = Scenario("session", "a CAREN-like session", seconds, SIZE,
                        (FaceTrack("grace_hopper", walker), FaceTrack("astronaut", therapist)), distractor=True)
    clip = render(scenario, fps=FPS)
    picture = write_clip(clip, folder / "picture.mp4", audio=False, crf=20)
    rate = 16000
    audio = np.zeros(int(seconds * rate), np.float32)
    at, number = 0.5, 0
    while True:
        said = synthesize(sentences[number % len(sentences)], rate_wpm=150)
        if at + len(said) / rate > seconds - 0.5:
            break
        audio[int(at * rate):int(at * rate) + len(said)] = said
        at += len(said) / rate + 1.5
        number += 1
    write_wav(folder / "speech.wav", audio, rate)
    video = folder / "session.mp4"
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(picture),
                    "-i", str(folder / "speech.wav"), "-c:v", "copy", "-c:a", "aac", "-b:a", "128k", str(video)],
                   check=True)
    return video, clip
