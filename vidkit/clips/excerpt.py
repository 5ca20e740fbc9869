"""The part of a transcript inside a clip, re-timed so the clip's first frame is time 0."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from vidkit.captions.cue import Cue
from vidkit.transcript import Transcript, Word


def _shifted(word: Word, start: float, duration: float) -> Word:
    return replace(word, start=round(min(max(word.start - start, 0.0), duration), 3),
                   end=round(min(max(word.end - start, 0.0), duration), 3))


def transcript_excerpt(transcript: Transcript, start: float, end: float) -> Transcript:
    """Words whose middle lies in [start, end) seconds, shifted by -start and clamped to the
    clip; each segment keeps its kept words and its quality fields, segments left empty go."""
    duration = end - start
    segments = []
    for segment in transcript.segments:
        kept = tuple(_shifted(w, start, duration) for w in segment.words
                     if start <= (w.start + w.end) / 2 < end)
        if not kept:
            continue
        text = " ".join(w.text.strip() for w in kept if w.text.strip())
        segments.append(replace(segment, id=len(segments), start=kept[0].start, end=kept[-1].end,
                                text=text, words=kept))
    provenance = {**transcript.provenance,
                  "excerpt": {"source_start": round(start, 6), "source_end": round(end, 6)}}
    return Transcript(transcript.language, round(duration, 6), tuple(segments), provenance)


def fit_cues(cues: Sequence[Cue], duration: float) -> list[Cue]:
    """Cues cut to [0, duration] seconds: cue building may extend the last one past the clip."""
    fitted = []
    for cue in cues:
        if cue.start >= duration:
            continue
        fitted.append(replace(cue, end=min(cue.end, duration)))
    return fitted
