"""`--trim-silence`: which parts of a clip to keep when long pauses are cut out, and the map
from source time to clip time that keeps captions in sync with the cut.

Times are seconds of the source video unless a name says clip time. Kept spans sit on the
source's frame grid (whole multiples of 1/fps from 0) because the renderer keeps whole frames.
Pure functions, except `speech_regions`, which runs the VAD model bundled with faster-whisper.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from vidkit.clips.excerpt import transcript_excerpt
from vidkit.media.audio import SAMPLE_RATE
from vidkit.transcript import Transcript, Word

Span = tuple[float, float]

# Float slack when seconds become frame numbers: 0.12 * 25 is 3.0000000000000004, not 3.
_SLACK = 1e-6
# A cut shorter than this many frames is a visible jump that saves nothing: such spans merge.
_MIN_CUT_FRAMES = 2


def keep_spans(
    words: Sequence[Word],
    start: float,
    end: float,
    *,
    min_pause: float = 1.0,
    margin: float = 0.25,
    fps: float,
    speech: Sequence[Span] | None = None,
) -> list[Span]:
    """Source spans (seconds, sorted, disjoint) to keep of the clip [start, end).

    Every pause longer than `min_pause` seconds — between two words, before the first word
    or after the last one — is cut, except `margin` seconds next to speech on each side (the
    clip's own edges get no margin). A pause is only silence where no `speech` region (VAD,
    seconds) overlaps it: Whisper leaves out laughter and "mm", which count as speech here.
    Span edges are whole frames of `fps` inside [start, end]: speech is widened to whole
    frames, the clip narrowed to them. Spans less than 2 frames apart are merged. A clip
    without speech is kept whole; a clip shorter than one frame is returned as it is.
    """
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if not end > start:
        raise ValueError(f"the clip must end after it starts, got {start}-{end}")
    if min_pause < 0 or margin < 0:
        raise ValueError("min_pause and margin are seconds and cannot be negative")
    first, last = math.ceil(start * fps - _SLACK), math.floor(end * fps + _SLACK)
    if last <= first:
        return [(start, end)]
    # A bound within the slack of a frame is that frame, for the words as for the frames:
    # otherwise a word said at 0.0 s is outside a clip that "starts" at 1e-300 s.
    if abs(start * fps - first) <= _SLACK:
        start = _seconds(first, fps)
    if abs(end * fps - last) <= _SLACK:
        end = _seconds(last, fps)
    # A word lasts at least a frame: one timed as an instant right at a cut must still be on screen.
    voiced = _merged([*(_inside(w.start, max(w.end, w.start + 1 / fps), start, end) for w in words),
                      *(_inside(a, b, start, end) for a, b in speech or ())])
    if not voiced:
        return [(_seconds(first, fps), _seconds(last, fps))]
    wanted = [(max(a - margin, start), min(b + margin, end)) for a, b in voiced]
    # Pauses up to min_pause stay whole; the clip's edges count as the ends of a pause.
    edges = [start, *(t for span in voiced for t in span), end]
    wanted += [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)
               if edges[i + 1] - edges[i] <= min_pause]
    frames = sorted(_whole_frames(a, b, fps, first, last) for a, b in wanted)
    kept = [frames[0]]
    for lo, hi in frames[1:]:
        if lo - kept[-1][1] < _MIN_CUT_FRAMES:
            kept[-1] = (kept[-1][0], max(kept[-1][1], hi))
        else:
            kept.append((lo, hi))
    return [(_seconds(lo, fps), _seconds(hi, fps)) for lo, hi in kept]


def _inside(a: float, b: float, start: float, end: float) -> Span | None:
    """[a, b] cut to the clip; None when it lies outside [start, end)."""
    a, b = min(a, b), max(a, b)
    if a >= end or b < start or (b == start and a < b):
        return None
    return max(a, start), min(b, end)


def _merged(spans: Sequence[Span | None]) -> list[Span]:
    merged: list[Span] = []
    for a, b in sorted(s for s in spans if s is not None):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _whole_frames(a: float, b: float, fps: float, first: int, last: int) -> tuple[int, int]:
    """Frame numbers [lo, hi) covering [a, b], at least one frame, inside [first, last]."""
    lo = max(first, math.floor(a * fps + _SLACK))
    hi = min(last, max(math.ceil(b * fps - _SLACK), lo + 1))
    return min(lo, hi - 1), hi


def _seconds(frame: int, fps: float) -> float:
    return float(frame / fps)


@dataclass(frozen=True)
class SpanMap:
    """The kept `spans` of the source clip [start, end) (seconds), played one after another."""

    spans: tuple[Span, ...]
    start: float
    end: float
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _offsets: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        spans = tuple((float(a), float(b)) for a, b in self.spans)
        if not spans:
            raise ValueError("a SpanMap needs at least one kept span")
        for (a, b), following in zip(spans, (*spans[1:], None)):
            if not a < b or (following is not None and following[0] <= b):
                raise ValueError(f"kept spans must be sorted, disjoint and not empty: {spans}")
        if spans[0][0] < self.start - _SLACK or spans[-1][1] > self.end + _SLACK:
            raise ValueError(f"kept spans {spans} reach outside the clip {self.start}-{self.end}")
        offsets, total = [], 0.0
        for a, b in spans:
            offsets.append(total)
            total += b - a
        object.__setattr__(self, "spans", spans)
        object.__setattr__(self, "_starts", tuple(a for a, _ in spans))
        object.__setattr__(self, "_offsets", tuple(offsets))

    @property
    def clip_duration(self) -> float:
        """Seconds of the clip once the removed parts are gone."""
        return self._offsets[-1] + self.spans[-1][1] - self.spans[-1][0]

    @property
    def removed_seconds(self) -> float:
        """Seconds of the source clip [start, end) that the clip leaves out."""
        return max(0.0, (self.end - self.start) - self.clip_duration)

    def _span_index(self, t_source: float) -> int | None:
        i = bisect.bisect_right(self._starts, t_source + _SLACK) - 1
        if i < 0 or t_source > self.spans[i][1] + _SLACK:
            return None
        return i

    def to_clip(self, t_source: float) -> float | None:
        """Clip time (seconds) of a source time; None inside a removed part or outside the
        clip. A span's end counts as inside it, so a word ending at a cut keeps its end."""
        i = self._span_index(t_source)
        if i is None:
            return None
        a, b = self.spans[i]
        return self._offsets[i] + min(max(t_source - a, 0.0), b - a)

    def _retimed(self, word: Word) -> Word | None:
        # A word goes with the span holding its middle, cut to that span; words whose middle
        # was removed go (only words left out of the spans, such as flagged ones, can be).
        i = self._span_index((word.start + word.end) / 2)
        if i is None:
            return None
        a, b = self.spans[i]
        offset = self._offsets[i] - a
        return replace(word, start=min(max(word.start, a), b) + offset,
                       end=min(max(word.end, a), b) + offset)

    def retime_transcript(self, transcript: Transcript) -> Transcript:
        """The transcript of the trimmed clip: words moved to clip time (0 = first kept frame),
        segments rebuilt as `transcript_excerpt` does; provenance records the kept spans."""
        segments = []
        for segment in transcript.segments:
            words = (self._retimed(w) for w in segment.words)
            segments.append(replace(segment, words=tuple(w for w in words if w is not None)))
        on_clip = transcript_excerpt(replace(transcript, segments=tuple(segments)),
                                     0.0, self.clip_duration)
        provenance = {**transcript.provenance, "excerpt": {
            "source_start": round(self.start, 6), "source_end": round(self.end, 6),
            "kept_spans": [[round(a, 6), round(b, 6)] for a, b in self.spans],
        }}
        return replace(on_clip, provenance=provenance)


def speech_regions(audio_16k: np.ndarray, *, threshold: float = 0.5, min_silence: float = 0.3,
                   pad: float = 0.1, min_speech: float = 0.1) -> list[Span]:
    """Speech in 16 kHz mono float samples (as `vidkit.media.audio.load_audio` gives), as
    (start, end) seconds from the first sample, found by the Silero VAD model that ships
    inside faster-whisper (runs offline on the CPU, ~1 s per 10 min of audio).

    Silences shorter than `min_silence` seconds do not split a region; regions are widened
    by `pad` seconds and ones shorter than `min_speech` seconds are dropped (clicks, bumps).
    """
    # Imported here: faster-whisper loads CTranslate2, which only this function needs.
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    samples = np.asarray(audio_16k, dtype=np.float32).reshape(-1)
    if samples.size == 0:
        return []
    options = VadOptions(threshold=threshold, min_silence_duration_ms=round(min_silence * 1000),
                         speech_pad_ms=round(pad * 1000), min_speech_duration_ms=round(min_speech * 1000))
    chunks = get_speech_timestamps(samples, options, sampling_rate=SAMPLE_RATE)
    return [(c["start"] / SAMPLE_RATE, c["end"] / SAMPLE_RATE) for c in chunks]
