"""Hallucination guards: flag segments that look like decoder loops or invented text.

Flags are advisory: the segment stays in the transcript, and the JSON and the summary
say which ones a person should check.
"""

from __future__ import annotations

import re
import zlib

_WORD = re.compile(r"[\w']+")


def compression_ratio(text: str) -> float:
    """Whisper's measure: raw length / zlib length; loops compress far better than speech."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def repeated_ngram(text: str, min_repeats: int = 3, max_n: int = 6) -> bool:
    """True when some 1..max_n-word sequence repeats back to back `min_repeats` times
    (single words need one more: "no, no, no" is speech, "no no no no" rarely is)."""
    words = [w.lower() for w in _WORD.findall(text)]
    for n in range(1, max_n + 1):
        needed = min_repeats + (1 if n == 1 else 0)
        for start in range(0, len(words) - n * needed + 1):
            unit = words[start : start + n]
            if all(words[start + k * n : start + (k + 1) * n] == unit for k in range(1, needed)):
                return True
    return False


def glossary_echo(text: str, glossary: tuple[str, ...]) -> bool:
    """True when the segment is nothing but glossary terms: hotwords bias the decoder, and in
    near-silence it can "hear" a term that was never said."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words or not glossary or len(words) > 4:
        return False
    terms = {w.lower() for term in glossary for w in _WORD.findall(term)}
    return all(w in terms for w in words)


def segment_flags(
    text: str,
    *,
    avg_logprob: float,
    no_speech_prob: float,
    compression_ratio_value: float | None = None,
    compression_ratio_threshold: float = 2.4,
    log_prob_threshold: float = -1.0,
    no_speech_threshold: float = 0.6,
    glossary: tuple[str, ...] = (),
) -> tuple[str, ...]:
    flags = []
    if glossary_echo(text, glossary) and avg_logprob < log_prob_threshold:
        flags.append("glossary-echo")
    if repeated_ngram(text):
        flags.append("repeated-ngram")
    ratio = compression_ratio(text) if compression_ratio_value is None else compression_ratio_value
    if ratio > compression_ratio_threshold:
        flags.append("high-compression-ratio")
    if avg_logprob < log_prob_threshold:
        flags.append("low-confidence")
    if no_speech_prob > no_speech_threshold and avg_logprob < log_prob_threshold:
        flags.append("likely-no-speech")
    return tuple(flags)
