"""A spoken test set for the glossary: a therapist's sentences using the clinic's terms, a
patient called Karen (who must stay Karen), and sentences with no terms at all, in several
eSpeak NG voices, with and without treadmill noise. Generated, never downloaded or committed.

    for item in glossary_set():          # deterministic in a fresh process
        item.audio, item.reference, item.voice, item.noisy

Scoring helpers: `term_hits` (glossary terms spelled as in the glossary), `karen_hits`, `wer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tests.support.speech import synthesize

SAMPLE_RATE = 16000

# (what eSpeak is given to say, what was said as it should be written). eSpeak spells a word in
# capitals letter by letter, so it is given "Caren" and says the word the clinic says.
SENTENCES: tuple[tuple[str, str], ...] = (
    ("Welcome back to the Caren lab, let us get you into the harness.",
     "Welcome back to the CAREN lab, let us get you into the harness."),
    ("The Caren system will tilt the platform a little to the left.",
     "The CAREN system will tilt the platform a little to the left."),
    ("Stand in the middle of the Caren and look at the big screen.",
     "Stand in the middle of the CAREN and look at the big screen."),
    ("Today we will work on your gait and your step length.",
     "Today we will work on your gait and your step length."),
    ("I am starting the treadmill now, at a slow speed.",
     "I am starting the treadmill now, at a slow speed."),
    ("Feel the ground under your feet, that is proprioception.",
     "Feel the ground under your feet, that is proprioception."),
    ("Now focus on the weight shift from your left foot to your right foot.",
     "Now focus on the weight shift from your left foot to your right foot."),
    ("Your physiotherapist will check your posture and your balance.",
     "Your physiotherapist will check your posture and your balance."),
    ("The Caren records every step you take on the treadmill.",
     "The CAREN records every step you take on the treadmill."),
    ("After the session on the Caren, please drink some water.",
     "After the session on the CAREN, please drink some water."),
    ("Good work, Karen, keep your head up and breathe slowly.",
     "Good work, Karen, keep your head up and breathe slowly."),
    ("Karen, your daughter is waiting for you outside.",
     "Karen, your daughter is waiting for you outside."),
    ("We will slow the belt down now and take a short rest.",
     "We will slow the belt down now and take a short rest."),
    ("Tell me if anything hurts, and we can stop at any time.",
     "Tell me if anything hurts, and we can stop at any time."),
)

VOICES: tuple[tuple[str, int], ...] = (("en-us", 150), ("en", 160), ("en-gb-x-rp", 140), ("en-us+f3", 170))
NOISE_SNR_DB = 12.0


@dataclass(frozen=True)
class Utterance:
    audio: np.ndarray  # float32 mono, 16 kHz
    reference: str
    voice: str
    noisy: bool


def treadmill_noise(seconds: float, seed: int) -> np.ndarray:
    """A treadmill as a microphone in the lab hears it: the belt motor's hum and its harmonics,
    footfalls (~1.7 steps/s, each a damped low thump), and broadband hiss. Unit RMS."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * SAMPLE_RATE))
    t = np.arange(n) / SAMPLE_RATE
    hum = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) / k for k, f in enumerate((48, 96, 144, 310), 1))
    thumps = np.zeros(n)
    step = 1 / 1.7
    for start in np.arange(rng.uniform(0, step), seconds, step):
        i = int(start * SAMPLE_RATE)
        tail = np.arange(min(n - i, int(0.12 * SAMPLE_RATE))) / SAMPLE_RATE
        thumps[i:i + len(tail)] += 3 * np.sin(2 * np.pi * 70 * tail) * np.exp(-tail / 0.03)
    hiss = rng.normal(0, 0.6, n)
    noise = hum + thumps + hiss
    return (noise / np.sqrt(np.mean(noise ** 2))).astype(np.float32)


def with_noise(speech: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    noise = treadmill_noise(len(speech) / SAMPLE_RATE + 0.01, seed)[:len(speech)]
    level = np.sqrt(np.mean(speech ** 2)) / (10 ** (snr_db / 20))
    return np.clip(speech + noise * level, -1, 1).astype(np.float32)


def glossary_set(voices=VOICES, sentences=SENTENCES, noise: bool = True) -> list[Utterance]:
    """Every sentence in every voice, clean and (with `noise`) at NOISE_SNR_DB; each padded
    with 0.3 s of silence (noise) either side, as in a recording."""
    items = []
    for v, (voice, rate) in enumerate(voices):
        for s, (spoken, reference) in enumerate(sentences):
            speech = synthesize(spoken, voice=voice, rate_wpm=rate, sample_rate=SAMPLE_RATE)
            pad = np.zeros(int(0.3 * SAMPLE_RATE), np.float32)
            speech = np.concatenate([pad, speech, pad])
            items.append(Utterance(speech, reference, voice, False))
            if noise:
                items.append(Utterance(with_noise(speech, NOISE_SNR_DB, seed=100 * v + s), reference, voice, True))
    return items


_WORD = re.compile(r"[A-Za-z0-9']+")


def normalise(text: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(text))


def term_occurrences(text: str, term: str) -> int:
    """Occurrences of `term` spelled as in the glossary: exactly for a term with capitals
    (CAREN), any case for a lowercase one (a sentence may start with "Gait")."""
    flags = 0 if term != term.lower() else re.IGNORECASE
    return len(re.findall(rf"(?<![A-Za-z]){re.escape(term)}(?![A-Za-z])", text, flags))


def term_hits(reference: str, hypothesis: str, terms: list[str]) -> tuple[int, int]:
    """(spelled right, spoken): per term, min(occurrences in hypothesis, in reference)."""
    spoken = right = 0
    for term in terms:
        said = term_occurrences(reference, term)
        spoken += said
        right += min(said, term_occurrences(hypothesis, term))
    return right, spoken


def karen_hits(reference: str, hypothesis: str) -> tuple[int, int]:
    said = len(re.findall(r"\bKaren\b", reference))
    return min(said, len(re.findall(r"\bKaren\b", hypothesis))), said


def wer(references: list[str], hypotheses: list[str]) -> float:
    import jiwer

    return float(jiwer.wer([normalise(r) for r in references], [normalise(h) or "-" for h in hypotheses]))
