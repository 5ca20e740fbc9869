"""Which words identify someone: the one matcher behind transcript redaction
(`redact.redact_transcript`) and the checks of free text (`identifying.find_identifying`).

Kinds: roster names (`names` as words, `name_forms` as handles and spelled out), e-mail
addresses (`emails`, roster or not) and identifying numbers (`patterns`). An address is one
item even where it holds a roster name ("maria.jansen@example.org" is an address).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vidkit.privacy.emails import find_emails
from vidkit.privacy.name_forms import find_name_forms
from vidkit.privacy.names import find_names, sentence_starts
from vidkit.privacy.patterns import find_patterns
from vidkit.privacy.roster import Roster

Span = tuple[int, int, str]  # (first word, last word + 1, kind)


def name_flags(words: Sequence[str], starts: Sequence[bool], roster: Roster) -> list[bool]:
    """For each word, whether it is (part of) a roster name, as a word, handle or spelled out.
    `starts[i]` says word i opens a sentence (`names.sentence_starts`)."""
    as_words = find_names(words, starts, roster)
    as_forms = find_name_forms(words, roster)
    return [a or b for a, b in zip(as_words, as_forms)]


def identifying_spans(words: Sequence[str], segment_starts: Sequence[bool], roster: Roster | None,
                      language: str | None, patterns: bool = True) -> list[Span]:
    """Spans of roster names (none without a roster), e-mail addresses and (when `patterns`)
    identifying numbers read in `language` (None: every table) among `words`; in order, not
    overlapping. `segment_starts[i]` says word i opens a segment or line."""
    emails = find_emails(words)
    spans: list[Span] = list(emails)
    if roster is not None:
        in_address = {index for start, end, _ in emails for index in range(start, end)}
        named = name_flags(words, sentence_starts(words, segment_starts), roster)
        spans += _runs([flag and index not in in_address for index, flag in enumerate(named)], "name")
    if patterns:
        spans += find_patterns(words, language)
    return _resolve_overlaps(spans)


def _runs(flags: Sequence[bool], kind: str) -> list[Span]:
    spans, start = [], None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            spans.append((start, index, kind))
            start = None
    return spans


def _resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end, kind in sorted(spans):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, kind))
    return merged
