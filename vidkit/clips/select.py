"""Choosing clips from a transcript: find a phrase, or rank stretches of whole sentences.

Both return `Candidate`s snapped outward to sentence boundaries, padded a little and kept inside
the video. `write_candidates` saves them as `clips.json` for a person to review and edit;
`read_candidates` reads the edited file back as ranges to cut. Times are seconds. No IO here.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from rapidfuzz import fuzz

from vidkit.clips.ranges import ClipRange, parse_ranges_text
from vidkit.text.sentences import Sentence, split_sentences
from vidkit.text.wording import BLOCK_WORDS, content_bag, cosine, find_terms, normalise, term_patterns
from vidkit.errors import BadInputError
from vidkit.transcript import Transcript

CANDIDATES_SCHEMA = "vidkit.clips/1"
FIND_PADDING = 0.5  # seconds added on each side of a found phrase's sentences
RANK_PADDING = 0.3  # seconds added on each side of a ranked clip
LONG_PAUSE = 2.0  # seconds between words that count as a silence in a clip
LOW_CONFIDENCE = 0.5  # word probability below which the recogniser was unsure
SAME_TOPIC = 0.3  # cosine similarity at which two stretches of talk read as one topic
SHIFT_DEPTH = 0.35  # how much less similar (0..1 scale) an edge is than the clip's inside at a topic shift
TERMS_PER_MINUTE = 6.0  # key-term rate that earns the full key-term score
FULL_SPEECH = 0.7  # share of a clip's time covered by words that earns the full speech score
PREVIEW_CHARS = 80


@dataclass(frozen=True)
class Candidate:
    """A proposed clip: `start`/`end` seconds in the source, `score` 0..1 (higher is better),
    short human `reasons`, the start of its `text` and how many `sentences` it holds."""

    start: float
    end: float
    score: float
    reasons: tuple[str, ...]
    text: str
    sentences: int

    def to_range(self) -> ClipRange:
        return ClipRange(self.start, self.end)


def _preview(text: str) -> str:
    if len(text) <= PREVIEW_CHARS:
        return text
    cut = text[: PREVIEW_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _padded(sentences: Sequence[Sentence], first: int, last: int, padding: float,
            video_duration: float) -> tuple[float, float]:
    """Seconds around sentences first..last: `padding` on each side, but never past halfway into
    the gap to a neighbouring sentence, never cutting the sentences' own words, inside the video."""
    start, end = sentences[first].start - padding, sentences[last].end + padding
    if first > 0:
        start = max(start, (sentences[first - 1].end + sentences[first].start) / 2)
    if last + 1 < len(sentences):
        end = min(end, (sentences[last].end + sentences[last + 1].start) / 2)
    start = min(start, sentences[first].start)  # words of neighbours may overlap in time
    end = max(end, sentences[last].end)
    return max(0.0, start), min(video_duration, end)


def _rounded(start: float, end: float, video_duration: float) -> tuple[float, float]:
    """Milliseconds, as clips.json keeps them, without rounding past the end of the video."""
    end = round(end, 3)
    return round(start, 3), end if end <= video_duration else math.floor(video_duration * 1000) / 1000


def _text(sentences: Sequence[Sentence], first: int, last: int) -> str:
    return " ".join(s.text for s in sentences[first:last + 1])


def _check_duration(video_duration: float) -> None:
    if not video_duration > 0:
        raise BadInputError(f"the video duration must be more than 0 seconds, not {video_duration}")


# --- finding a phrase --------------------------------------------------------------------


def _needed(min_score: float, length: int, size: int) -> float:
    # A window a word shorter than the phrase must match almost exactly: otherwise "work on
    # your" alone would count as a hit for "work on your gait".
    return min_score if length >= size else (min_score + 100) / 2


def find_phrase(transcript: Transcript, phrase: str, *, padding: float = FIND_PADDING,
                min_score: float = 80, video_duration: float) -> list[Candidate]:
    """Clips around each place the transcript says `phrase`, fuzzily (0..100 `min_score`).

    Words are compared lowercased without punctuation, over windows of the phrase's word count
    ±1 (so a word the recogniser split, merged or dropped still matches); overlapping windows
    keep the best. Each hit grows to its whole sentences plus `padding` seconds (see `_padded`);
    clips that overlap or touch are merged. Raises BadInputError, showing the closest wording,
    when nothing scores `min_score`."""
    _check_duration(video_duration)
    wanted = normalise(phrase)
    if not wanted:
        raise BadInputError("give a phrase with at least one word to find")
    sentences = split_sentences(transcript)
    # One entry per searchable word: (normalised text, sentence index, word as written).
    words = [(normalise(w.text), number, w.text.strip())
             for number, s in enumerate(sentences) for w in s.words]
    words = [w for w in words if w[0]]
    if not words:
        raise BadInputError("the transcript has no words to search; transcribe the video first")
    size = len(wanted.split())
    windows = []  # (score, words, first word)
    for length in range(max(1, size - 1), min(size + 1, len(words)) + 1):
        for first in range(len(words) - length + 1):
            # Whole-window ratio, not partial_ratio: a partial match scores "read" in
            # "treadmill" 100, while the ±1 windows already allow for extra or missing words.
            text = " ".join(w[0] for w in words[first:first + length])
            windows.append((fuzz.ratio(wanted, text), length, first))
    windows.sort(key=lambda w: (-w[0], w[1], w[2]))
    hits: list[tuple[float, int, int]] = []
    for score, length, first in windows:
        if score < min_score:
            break
        if score >= _needed(min_score, length, size) and \
                all(first + length <= f or f + n <= first for _, n, f in hits):
            hits.append((score, length, first))
    if not hits:
        score, length, first = windows[0]
        closest = " ".join(w[2] for w in words[first:first + length])
        raise BadInputError(
            f'"{phrase}" was not found in the transcript; the closest match is "{closest}" (score '
            f"{score:.0f}, {_needed(min_score, length, size):g} needed): search for that wording or "
            f"lower the minimum score")
    spans = []
    for score, length, first in hits:
        matched = " ".join(w[2] for w in words[first:first + length])
        spans.append((words[first][1], words[first + length - 1][1], score, f'matches "{matched}" ({score:.0f})'))
    return _merged(spans, sentences, padding, video_duration)


def _merged(spans: list[tuple[int, int, float, str]], sentences: Sequence[Sentence], padding: float,
            video_duration: float) -> list[Candidate]:
    """Candidates in time order from (first, last sentence, 0..100 score, reason); overlapping
    or touching ones become one, with the best score and all reasons."""
    groups: list[list] = []
    for first, last, score, reason in sorted(spans):
        start, end = _padded(sentences, first, last, padding, video_duration)
        if groups and start <= groups[-1][3]:
            group = groups[-1]
            group[1], group[3] = max(group[1], last), max(group[3], end)
            group[4], group[5] = max(group[4], score), group[5] + [reason]
        else:
            groups.append([first, last, start, end, score, [reason]])
    return [Candidate(*_rounded(start, end, video_duration), round(score / 100, 2), tuple(reasons),
                      _preview(_text(sentences, first, last)), last - first + 1)
            for first, last, start, end, score, reasons in groups if end > start]


# --- ranking stretches of talk -----------------------------------------------------------


class _SentenceStats:
    """Per-sentence word statistics as running sums, so any run of sentences sums in O(1)."""

    def __init__(self, sentences: Sequence[Sentence], terms: Sequence[str]):
        words = [w for s in sentences for w in s.words]
        self.count = len(sentences)
        self.first_word = list(accumulate((len(s.words) for s in sentences), initial=0))
        gaps = [max(0.0, b.start - a.end) for a, b in zip(words, words[1:])]
        self.pause_count = list(accumulate((g > LONG_PAUSE for g in gaps), initial=0))
        self.pause_seconds = list(accumulate((g if g > LONG_PAUSE else 0.0 for g in gaps), initial=0.0))
        self.speech = list(accumulate((max(0.0, w.end - w.start) for w in words), initial=0.0))
        self.unsure = list(accumulate((w.probability < LOW_CONFIDENCE for w in words), initial=0))
        patterns = term_patterns(terms)
        self.terms = [find_terms(s.text, patterns) for s in sentences]
        self.bags = [content_bag(s.text) for s in sentences]
        # TextTiling blocks: for the gap before sentence g, the sentences back to block_start[g]
        # and on to block_end[g] hold about BLOCK_WORDS content words each.
        sizes = [sum(b.values()) for b in self.bags]
        self.block_start = [self._reach(sizes, g - 1, -1) + 1 for g in range(self.count + 1)]
        self.block_end = [self._reach(sizes, g, 1) for g in range(self.count + 1)]
        self._similarity: dict[tuple[int, int, int], float] = {}

    def _reach(self, sizes: list[int], index: int, step: int) -> int:
        total = 0
        while 0 <= index < self.count and total < BLOCK_WORDS:
            total += sizes[index]
            index += step
        return index

    def words(self, first: int, last: int) -> tuple[int, int]:
        """Index range [begin, end) of the words of sentences first..last."""
        return self.first_word[first], self.first_word[last + 1]

    def similarity(self, gap: int, low: int, high: int) -> float:
        """Cosine similarity of the blocks before and after sentence `gap`, kept within
        sentences low..high-1."""
        key = (max(low, self.block_start[gap]), gap, min(high, self.block_end[gap]))
        if key not in self._similarity:
            left, _, right = key
            self._similarity[key] = cosine(sum(self.bags[left:gap], Counter()),
                                           sum(self.bags[gap:right], Counter()))
        return self._similarity[key]


def _scaled(similarity: float) -> float:
    return min(1.0, similarity / SAME_TOPIC)


def _score_run(stats: _SentenceStats, first: int, last: int, start: float, end: float) -> tuple[float, list[str]]:
    """Score 0..1 and reasons for sentences first..last cut at start..end seconds."""
    length = end - start
    reasons = []
    if last > first:
        inner = [stats.similarity(g, first, last + 1) for g in range(first + 1, last + 1)]
        # The weakest gap counts as much as the average: a clip across a topic change has one.
        similarity = (sum(inner) / len(inner) + min(inner)) / 2
        coherence = _scaled(similarity)
        reasons.append(f"{'coherent topic' if coherence >= 0.5 else 'little topic overlap'} ({similarity:.2f})")
    else:
        coherence = 0.5  # one sentence: nothing to compare, count it as middling
        reasons.append("a single sentence")
    # An edge is a good cut when talk across it is much less alike than talk inside the clip.
    edges = []
    for name, gap, low, high in (("starts", first, 0, last + 1), ("ends", last + 1, first, stats.count)):
        if gap in (0, stats.count):
            edges.append(coherence / 2)  # the recording's own edge: a boundary of unknown strength
            continue
        depth = max(0.0, coherence - _scaled(stats.similarity(gap, low, high)))
        edges.append(depth)
        if depth >= SHIFT_DEPTH:
            reasons.append(f"{name} at a topic shift")
    terms = [t for i in range(first, last + 1) for t in stats.terms[i]]
    per_minute = len(terms) / (length / 60)
    if terms:
        names = list(dict.fromkeys(terms))
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        reasons.append(f"{len(names)} key term{'s' if len(names) > 1 else ''} ({per_minute:.1f}/min): {shown}")
    else:
        reasons.append("no key terms")
    begin, stop = stats.words(first, last)
    pauses = stats.pause_count[stop - 1] - stats.pause_count[begin]
    paused = stats.pause_seconds[stop - 1] - stats.pause_seconds[begin]
    reasons.append(f"{pauses} pause{'s' if pauses > 1 else ''} over {LONG_PAUSE:g} s ({paused:.1f} s)"
                   if pauses else f"no pause over {LONG_PAUSE:g} s")
    speech = min(1.0, (stats.speech[stop] - stats.speech[begin]) / length)
    unsure = (stats.unsure[stop] - stats.unsure[begin]) / (stop - begin)
    if speech < FULL_SPEECH:
        reasons.append(f"speech {speech:.0%} of the time")
    if unsure >= 0.1:
        reasons.append(f"{unsure:.0%} of words unclear")
    score = (0.30 * coherence + 0.15 * sum(edges) / 2 + 0.25 * min(1.0, per_minute / TERMS_PER_MINUTE)
             + 0.20 * min(1.0, speech / FULL_SPEECH) + 0.10 * (1 - min(1.0, 2 * unsure))
             - 0.25 * min(1.0, 3 * paused / length))
    return max(0.0, min(1.0, score)), reasons


def rank_candidates(transcript: Transcript, *, count: int, min_seconds: float = 15, max_seconds: float = 60,
                    video_duration: float, terms: Sequence[str] = (),
                    padding: float = RANK_PADDING) -> list[Candidate]:
    """The best `count` non-overlapping clips of whole sentences lasting `min_seconds` to
    `max_seconds` (padding included), best first.

    A clip scores for staying on one topic (TextTiling-style similarity of neighbouring
    sentences inside it) and starting/ending where the topic changes, for glossary `terms` per
    minute (pass `load_glossary("rehab")`), for dense speech and clear words; long pauses cost."""
    _check_duration(video_duration)
    if count < 1:
        raise BadInputError(f"ask for at least one clip, not {count}")
    if not 0 < min_seconds <= max_seconds:
        raise BadInputError(f"--min ({min_seconds:g} s) must be more than 0 and at most --max ({max_seconds:g} s)")
    sentences = split_sentences(transcript)
    if not sentences:
        raise BadInputError("the transcript has no words, so there is nothing to choose clips from")
    stats = _SentenceStats(sentences, terms)
    scored = []
    for first in range(len(sentences)):
        for last in range(first, len(sentences)):
            if sentences[last].end > video_duration + 0.05:
                break  # words past the end of the video (a transcript of another file?)
            start, end = _padded(sentences, first, last, padding, video_duration)
            if end - start > max_seconds:
                break  # longer runs only get longer
            if end - start >= min_seconds:
                score, reasons = _score_run(stats, first, last, start, end)
                scored.append((score, start, end, first, last, reasons))
    if not scored:
        spoken = sentences[-1].end - sentences[0].start
        if spoken < min_seconds:
            raise BadInputError(f"the transcript's speech lasts only {spoken:.1f} s, too short for a clip of "
                                f"at least {min_seconds:g} s; lower --min (clips last --min to --max seconds)")
        raise BadInputError(f"no run of whole sentences lasts {min_seconds:g}-{max_seconds:g} s "
                            f"(the longest sentence lasts {max(s.end - s.start for s in sentences):.1f} s); "
                            f"widen --min/--max")
    scored.sort(key=lambda c: (-c[0], c[1]))
    chosen = []
    for score, start, end, first, last, reasons in scored:
        if all(end <= c[1] or c[2] <= start for c in chosen):
            chosen.append((score, start, end, first, last, reasons))
            if len(chosen) == count:
                break
    return [Candidate(*_rounded(start, end, video_duration), round(score, 2), tuple(reasons),
                      _preview(_text(sentences, first, last)), last - first + 1)
            for score, start, end, first, last, reasons in chosen]


# --- clips.json --------------------------------------------------------------------------


def write_candidates(candidates: Sequence[Candidate], source_sha256: str) -> str:
    """`clips.json` text (schema "vidkit.clips/1"): times in seconds to 3 decimals, indented so a
    person can delete clips or move their start/end before cutting."""
    clips = [{"start": round(c.start, 3), "end": round(c.end, 3), "score": c.score,
              "reasons": list(c.reasons), "text": c.text} for c in candidates]
    data = {"schema": CANDIDATES_SCHEMA, "source": {"sha256": source_sha256}, "clips": clips}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def read_candidates(text: str, name: str) -> list[ClipRange]:
    """Ranges from an (edited) `clips.json`, in file order. Keys other than start/end are
    ignored; start/end may be seconds or timecodes ("00:01:02.5"). `name` is used in messages."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{name} is not valid JSON ({exc.msg}, line {exc.lineno}); "
                            f"check the commas and quotes near there") from None
    if not isinstance(data, dict) or not isinstance(data.get("clips"), list):
        raise BadInputError(f'{name} is not a clips file: it needs a "clips" list of {{"start", "end"}} objects')
    schema = data.get("schema", CANDIDATES_SCHEMA)
    if not isinstance(schema, str) or schema.split("/")[0] != CANDIDATES_SCHEMA.split("/")[0]:
        raise BadInputError(f"{name} has schema {schema!r}, expected {CANDIDATES_SCHEMA!r}")
    if not data["clips"]:
        raise BadInputError(f"{name} lists no clips; keep at least one or choose clips again")
    return parse_ranges_text(text, name)
