"""Redact a transcript: roster names become `[name]`, identifying numbers `[redacted]`.

Pure: a Transcript and a Roster in, a redacted Transcript and the list of what was redacted
out. Matching runs over the transcript's words, so every item has times for the audio bleep.
Nothing here keeps the original text: a RedactionItem holds a kind, times and a segment id.

Rules: `vidkit.privacy.spans` (names, e-mail addresses and numbers, one matcher for
transcripts and free text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import vidkit
from vidkit.privacy.roster import Roster
from vidkit.privacy.spans import identifying_spans
from vidkit.transcript import Segment, Transcript, Word

KINDS = ("name", "email", "phone", "date_of_birth", "record_number")
LABELS = {"name": "[name]"}
REDACTED_LABEL = "[redacted]"
REPORT_SCHEMA = "vidkit.redaction/1"
# ASR word times drift by a few tenths of a second (tiny.en even gives zero-length words), so
# the audio range of an item reaches back to the previous word's end and on to the next
# word's start: the silence around a name is where its misplaced edges are. At most this far:
MAX_WIDEN = 1.0  # seconds
# Where two words touch, the boundary between them is as uncertain: the range also takes
# this share of the neighbouring word (a syllable of "is" for none of the number after it).
NEIGHBOUR_SHARE = 1 / 3
MAX_INTO_NEIGHBOUR = 0.25  # seconds

_OPENERS = "\"'([{«“‘"


@dataclass(frozen=True)
class RedactionItem:
    """One redacted name or number. Times in seconds; no text is kept.

    `start`/`end` span the redacted words; `audio_start`/`audio_end` is the range to silence
    (before padding), widened into the gaps around the words (see MAX_WIDEN)."""

    kind: str  # one of KINDS
    start: float
    end: float
    segment_id: int
    audio_start: float
    audio_end: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": round(self.start, 3), "end": round(self.end, 3),
                "segment": self.segment_id, "audio_start": round(self.audio_start, 3),
                "audio_end": round(self.audio_end, 3)}


@dataclass(frozen=True)
class _Slot:
    segment: int  # index into transcript.segments
    word: Word
    pseudo: bool  # made from the text of a segment without word times


def redact_transcript(transcript: Transcript, roster: Roster,
                      patterns: bool = True) -> tuple[Transcript, list[RedactionItem]]:
    """Replace roster names with `[name]`, e-mail addresses and (when `patterns`) phone numbers,
    dates of birth and record numbers with `[redacted]`; one placeholder per item ("Maria
    Jansen" -> one `[name]`). Segment texts are rebuilt from the words; provenance gains
    `redaction` counts."""
    slots = _slots(transcript)
    texts = [slot.word.text for slot in slots]
    firsts = [i == 0 or slots[i - 1].segment != slot.segment for i, slot in enumerate(slots)]
    spans = _split_at_segments(identifying_spans(texts, firsts, roster, transcript.language, patterns), slots)
    items = [_item(slots, start, end, kind, transcript) for start, end, kind in spans]
    segments = _rebuild(transcript, slots, spans)
    provenance = dict(transcript.provenance)
    provenance["redaction"] = {"method": REPORT_SCHEMA, "patterns": patterns,
                               "counts": redaction_counts(items), "items": len(items)}
    return replace(transcript, segments=segments, provenance=provenance), items


def redaction_counts(items: Iterable[RedactionItem]) -> dict[str, int]:
    """Items per kind, every kind present (0 when none)."""
    counts = dict.fromkeys(KINDS, 0)
    for item in items:
        counts[item.kind] += 1
    return counts


def redaction_report(items: Sequence[RedactionItem], transcript: Transcript,
                     audio: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `<stem>.redaction.json` report: counts and where, never what."""
    return {
        "schema": REPORT_SCHEMA,
        "vidkit_version": vidkit.__version__,
        "input_sha256": transcript.provenance.get("input_sha256"),
        "counts": redaction_counts(items),
        "total": len(items),
        "items": [item.to_dict() for item in items],
        "audio": audio,
    }


def _slots(transcript: Transcript) -> list[_Slot]:
    slots = []
    for index, segment in enumerate(transcript.segments):
        if segment.words:
            slots.extend(_Slot(index, word, False) for word in segment.words)
        else:  # no word times: each word gets the whole segment, so a bleep covers it
            slots.extend(_Slot(index, Word(segment.start, segment.end, text), True)
                         for text in segment.text.split())
    return slots


def _split_at_segments(spans: Iterable[tuple[int, int, str]],
                       slots: Sequence[_Slot]) -> list[tuple[int, int, str]]:
    """An item never crosses a segment boundary: one crossing it becomes one per segment."""
    result = []
    for start, end, kind in spans:
        cut = start
        for index in range(start + 1, end):
            if slots[index].segment != slots[index - 1].segment:
                result.append((cut, index, kind))
                cut = index
        result.append((cut, end, kind))
    return result


def _item(slots: Sequence[_Slot], start: int, end: int, kind: str,
          transcript: Transcript) -> RedactionItem:
    first = slots[start].word
    begin, finish = first.start, max(w.word.end for w in slots[start:end])
    before, after = 0.0, finish + MAX_WIDEN
    if start > 0:
        previous = slots[start - 1].word
        before = previous.end - min(NEIGHBOUR_SHARE * (previous.end - previous.start), MAX_INTO_NEIGHBOUR)
    if end < len(slots):
        following = slots[end].word
        after = following.start + min(NEIGHBOUR_SHARE * (following.end - following.start), MAX_INTO_NEIGHBOUR)
    audio_start = max(min(begin, before), begin - MAX_WIDEN, 0.0)
    audio_end = min(max(finish, after), finish + MAX_WIDEN)
    if transcript.duration > 0:
        audio_end = min(audio_end, max(transcript.duration, finish))
    return RedactionItem(kind, begin, finish, transcript.segments[slots[start].segment].id,
                         audio_start, audio_end)


def _placeholder(words: Sequence[Word], kind: str) -> str:
    """The label with the punctuation around the redacted words ("Maria's," -> "[name]'s,")."""
    first, last = words[0].text, words[-1].text
    lead = first[:len(first) - len(first.lstrip(_OPENERS))]
    core = last.rstrip()
    while core and not core[-1].isalnum():
        core = core[:-1]
    trail = last[len(core):].strip()
    if kind == "name" and core.lower().endswith(("'s", "’s")):
        trail = core[-2:] + trail
    return f"{lead}{LABELS.get(kind, REDACTED_LABEL)}{trail}"


def _rebuild(transcript: Transcript, slots: Sequence[_Slot],
             spans: Sequence[tuple[int, int, str]]) -> tuple[Segment, ...]:
    starts = {start: (end, kind) for start, end, kind in spans}
    words_by_segment: dict[int, list[Word]] = {i: [] for i in range(len(transcript.segments))}
    index = 0
    while index < len(slots):
        slot = slots[index]
        if index in starts:
            end, kind = starts[index]
            covered = [s.word for s in slots[index:end]]
            word = Word(covered[0].start, max(w.end for w in covered), _placeholder(covered, kind),
                        min(w.probability for w in covered))
            index = end
        else:
            word, index = slot.word, index + 1
        words_by_segment[slot.segment].append(word)
    segments = []
    for number, segment in enumerate(transcript.segments):
        words = words_by_segment[number]
        text = " ".join(w.text for w in words)
        if segment.text.startswith(" ") and text:
            text = " " + text
        segments.append(replace(segment, text=text, words=() if not segment.words else tuple(words)))
    return tuple(segments)
