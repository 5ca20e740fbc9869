"""Sentences from a transcript's words: the units clips are snapped to.

A sentence ends after a word ending in `.`, `?` or `!`, before a pause of at least
`SENTENCE_PAUSE` seconds, and at the end of a segment whose text ends in punctuation. Words of
segments flagged as likely invented (`CAPTION_SKIP_FLAGS`) are left out, as for captions.
"""

from __future__ import annotations

from dataclasses import dataclass

from vidkit.transcript import CAPTION_SKIP_FLAGS, Transcript, Word

SENTENCE_PAUSE = 1.0  # seconds of silence between words that end a sentence
_ENDINGS = ".?!…"
_PUNCTUATION = _ENDINGS + ",;:-–—"
_CLOSERS = "\"'”’)]»"
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = frozenset({"dr.", "mr.", "mrs.", "ms.", "st.", "e.g.", "i.e.", "vs.", "etc.", "approx."})


@dataclass(frozen=True)
class Sentence:
    """Words from `start` to `end` seconds (the first word's start, the last word's end)."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...]


def _ends_sentence(text: str) -> bool:
    cleaned = text.strip().rstrip(_CLOSERS)
    return cleaned.endswith(tuple(_ENDINGS)) and cleaned.lower() not in _ABBREVIATIONS


def _ends_with_punctuation(text: str) -> bool:
    return text.strip().rstrip(_CLOSERS).endswith(tuple(_PUNCTUATION))


def _sentence(words: list[Word]) -> Sentence:
    text = " ".join(w.text.strip() for w in words if w.text.strip())
    return Sentence(words[0].start, words[-1].end, text, tuple(words))


def split_sentences(transcript: Transcript, *, pause: float = SENTENCE_PAUSE,
                    skip_flags: frozenset[str] = CAPTION_SKIP_FLAGS) -> list[Sentence]:
    """The transcript's words (empty ones dropped) grouped into sentences, in time order.

    `pause` is in seconds. A skipped segment also ends the sentence before it, so a sentence
    never joins words across material that was left out."""
    sentences: list[Sentence] = []
    current: list[Word] = []

    def close() -> None:
        if current:
            sentences.append(_sentence(current))
            current.clear()

    for segment in transcript.segments:
        if skip_flags & set(segment.flags):
            close()
            continue
        words = [w for w in segment.words if w.text.strip()]
        for word in words:
            if current and word.start - current[-1].end >= pause:
                close()
            current.append(word)
            if _ends_sentence(word.text):
                close()
        if words and _ends_with_punctuation(segment.text or words[-1].text):
            close()
    close()
    return sentences
