"""Chapters from topic segments, only in a form YouTube accepts.

Topic boundaries are found TextTiling-style: at each gap between sentences, the content words
of a block before and a block after (about `BLOCK_WORDS` each, as clip selection uses
to rank clips) are compared; a gap whose similarity dips well below the peaks on either side
is a topic shift. YouTube makes chapters from a description only when the timestamps start at
00:00, there are at least 3 and each lasts at least 10 s; otherwise we list none and say why.
Times are seconds. Pure, no IO.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from vidkit.text.sentences import Sentence
from vidkit.text.wording import BLOCK_WORDS, content_bag, cosine, normalise
from vidkit.describe.keywords import glossary_terms
from vidkit.describe.summary import without_placeholders

MIN_CHAPTERS = 3
MIN_CHAPTER_SECONDS = 10.0
MAX_CHAPTERS = 20  # a longer list buries the description; the deepest shifts are kept
MIN_DEPTH = 0.1  # a dip shallower than this (cosine scale) is not a topic shift
TITLE_WORDS = 5
TITLE_CHARS = 40


@dataclass(frozen=True)
class Chapter:
    """A chapter starting `start` seconds into the video (whole seconds, as listed)."""

    start: int
    title: str


def timestamp(seconds: float) -> str:
    """"00:00", "04:05", and past an hour "1:02:03" (whole seconds, rounded down)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def chapter_lines(chapters: Sequence[Chapter]) -> list[str]:
    """"00:00 Title" lines, as they go into a description."""
    return [f"{timestamp(c.start)} {c.title}" for c in chapters]


def chapter_problem(chapters: Sequence[Chapter], duration: float) -> str | None:
    """Why YouTube would not make chapters of these (None when it would): at least 3, the
    first at 00:00, in order, each at least 10 s long up to the next chapter or the end of
    the `duration`-second video."""
    min_seconds = MIN_CHAPTER_SECONDS
    if len(chapters) < MIN_CHAPTERS:
        found = f"{len(chapters)} topic{'s' if len(chapters) != 1 else ''}"
        return f"{found} found; YouTube needs at least {MIN_CHAPTERS} chapters of {min_seconds:g} s or more"
    if chapters[0].start != 0:
        return "the first chapter must start at 00:00"
    ends = [c.start for c in chapters[1:]] + [duration]
    for chapter, end in zip(chapters, ends):
        if end - chapter.start < min_seconds:
            return (f"the chapter at {timestamp(chapter.start)} would last {max(0.0, end - chapter.start):g} s; "
                    f"YouTube needs each to last at least {min_seconds:g} s")
    return None


def gap_similarities(texts: Sequence[str]) -> list[float]:
    """For each gap before text 1..n-1: cosine similarity of the blocks of about BLOCK_WORDS
    content words just before and just after it."""
    bags = [content_bag(without_placeholders(t)) for t in texts]
    result = []
    for gap in range(1, len(bags)):
        before, after = Counter(), Counter()
        i = gap - 1
        while i >= 0 and sum(before.values()) < BLOCK_WORDS:
            before += bags[i]
            i -= 1
        j = gap
        while j < len(bags) and sum(after.values()) < BLOCK_WORDS:
            after += bags[j]
            j += 1
        result.append(cosine(before, after))
    return result


def depth_scores(similarities: Sequence[float]) -> list[float]:
    """TextTiling depth of each gap: how far its similarity lies below the highest point
    reached climbing left, plus the same to the right."""
    depths = []
    for i, value in enumerate(similarities):
        left = value
        for v in reversed(similarities[:i]):
            if v < left:
                break
            left = v
        right = value
        for v in similarities[i + 1:]:
            if v < right:
                break
            right = v
        depths.append((left - value) + (right - value))
    return depths


def topic_starts(sentences: Sequence[Sentence], duration: float,
                 min_seconds: float = MIN_CHAPTER_SECONDS) -> list[int]:
    """Indices of the sentences that start a new topic (0 always first), at the deepest
    similarity dips above TextTiling's cutoff (mean - sd/2) and MIN_DEPTH, keeping every
    segment at least `min_seconds` long in whole seconds."""
    if not sentences:
        return []
    depths = depth_scores(gap_similarities([s.text for s in sentences]))
    if len(depths) >= 2:
        cutoff = max(MIN_DEPTH, statistics.mean(depths) - statistics.pstdev(depths) / 2)
    else:
        cutoff = MIN_DEPTH
    starts = [0]
    for depth, gap in sorted(((d, g + 1) for g, d in enumerate(depths)), key=lambda x: (-x[0], x[1])):
        if depth < cutoff or len(starts) >= MAX_CHAPTERS:
            break
        trial = sorted(starts + [gap])
        times = [0] + [math.floor(sentences[i].start) for i in trial[1:]] + [duration]
        if all(b - a >= min_seconds for a, b in zip(times, times[1:])):
            starts = trial
    return starts


def segment_title(sentences: Sequence[Sentence], glossary: Sequence[str], used: set[str],
                  skip: Collection[str] = frozenset()) -> str:
    """The segment's most mentioned glossary term not used by an earlier chapter, else the
    first words of its first sentence, without the words in `skip` (names no roster caught)."""
    text = " ".join(s.text for s in sentences)
    for term in glossary_terms(text, glossary):
        if term.casefold() not in used and not {"<", ">"} & set(term):
            return term[:1].upper() + term[1:]
    words = [w for w in without_placeholders(sentences[0].text).split()
             if not (skip and set(normalise(w).split()) & set(skip))]
    title = ""
    for word in words[:TITLE_WORDS]:
        if len(title) + len(word) + 1 > TITLE_CHARS:
            break
        title = f"{title} {word}".strip()
    title = title.replace("<", "").replace(">", "").rstrip(",;:.!?-–—")
    return (title[:1].upper() + title[1:]) or "Part"


def make_chapters(sentences: Sequence[Sentence], duration: float, glossary: Sequence[str] = (),
                  min_seconds: float = MIN_CHAPTER_SECONDS,
                  skip: Collection[str] = frozenset()) -> tuple[list[Chapter], str | None]:
    """(chapters, None) when the topic segments make chapters YouTube accepts, else
    ([], why not). `duration` is the video's length in seconds; chapters last at least
    `min_seconds` (never less than YouTube's 10)."""
    starts = topic_starts(sentences, duration, max(min_seconds, MIN_CHAPTER_SECONDS))
    chapters, used = [], set()
    for number, first in enumerate(starts):
        last = starts[number + 1] if number + 1 < len(starts) else len(sentences)
        title = segment_title(sentences[first:last], glossary, used, skip)
        used.add(title.casefold())
        chapters.append(Chapter(0 if number == 0 else math.floor(sentences[first].start), title))
    problem = chapter_problem(chapters, duration)
    return ([], problem) if problem else (chapters, None)
