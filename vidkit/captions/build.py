"""Group timed words into caption cues, then time the cues (DESIGN.md "Captions").

Grouping is a shortest-path dynamic programme over break positions: a cue may hold words
[i, j) when they fit `max_lines` x `max_line_chars` and, unless it is a single word, their
speech span is at most `max_duration`. The cost of a grouping rewards cue ends at sentence
or clause punctuation and at pauses, and penalises split word pairs, tiny cues and reading
speeds the available time cannot bring under `max_cps`.

Timing: a cue starts at its first word and ends at its last word, extended into the
following silence to reach `min_duration` and `max_cps`, capped at `max_duration`, and
always at least `min_gap` seconds before the next cue; gaps under `close_gap` are closed
to exactly `min_gap` so consecutive cues chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from vidkit.captions.cue import Cue, CueRules
from vidkit.captions.linebreak import Break, break_lines, classify_break, fill_step
from vidkit.transcript import Word

# Cost of ending a cue at a break of each class, before the pause discount.
_END_COST = {
    Break.SENTENCE: 0.0,
    Break.CLAUSE: 6.0,
    Break.BEFORE_CONJUNCTION: 14.0,
    Break.PLAIN: 24.0,
    Break.BOUND: 80.0,
}
# (minimum pause in seconds, factor on the end cost): a pause is where people expect a break.
_PAUSE_DISCOUNT = ((1.0, 0.05), (0.3, 0.35), (0.15, 0.7))
_CUE_COST = 12.0  # every cue costs this, so cues are not cut without a reason
_TINY_CUE_COST = {1: 30.0, 2: 20.0}  # cues of 1-2 words ...
_TINY_CUE_CHARS = 12  # ... this short or shorter flash by
_INNER_SENTENCE_END_COST = 4.0  # a sentence ending inside a cue, not at its end
_INNER_PAUSE_COST = ((1.0, 100.0), (0.5, 10.0))  # (pause seconds, cost) inside a cue
# Cost of the best place to split a two-line cue into lines, by break class.
_LINE_SPLIT_COST = {
    Break.SENTENCE: 0.0,
    Break.CLAUSE: 0.0,
    Break.BEFORE_CONJUNCTION: 3.0,
    Break.PLAIN: 8.0,
    Break.BOUND: 60.0,
}
_FAST_CUE_COST = 30.0  # reading speed over max_cps even with all available time ...
_FAST_CUE_SLOPE = 60.0  # ... plus this per unit of excess over max_cps (ratio - 1)
_SHORT_CUE_COST = 25.0  # the next cue starts too soon for min_duration
_MIN_SHOWN_FRAMES = 1  # a cue whose words overlap the next one's still shows this long


def build_cues(words: Sequence[Word], rules: CueRules) -> list[Cue]:
    """Group `words` (times in seconds) into timed cues that follow `rules`.

    Words with empty text are skipped and surrounding whitespace is stripped; each cue's
    `words` hold its words in order. Runs in time linear in the number of words: a cue
    holds at most what fits in `max_lines` x `max_line_chars`.
    """
    kept = [replace(w, text=w.text.strip()) for w in words if w.text.strip()]
    if not kept:
        return []
    starts, ends = _monotonic_times(kept)
    groups = _group(kept, starts, ends, rules)
    return _timed_cues(kept, groups, starts, ends, rules)


def _monotonic_times(words: list[Word]) -> tuple[list[float], list[float]]:
    """Word starts and ends made non-decreasing, so overlapping recogniser output is safe."""
    starts, ends = [], []
    last_start = last_end = float("-inf")
    for w in words:
        last_start = max(w.start, last_start)
        last_end = max(w.end, last_start, last_end)
        starts.append(last_start)
        ends.append(last_end)
    return starts, ends


def _group(
    words: list[Word], starts: list[float], ends: list[float], rules: CueRules
) -> list[tuple[int, int]]:
    """Cheapest grouping of words into cues, as (first, end) index pairs."""
    n = len(words)
    texts = [w.text for w in words]
    limit, max_lines = rules.max_line_chars, rules.max_lines
    max_duration, max_cps = rules.max_duration, rules.max_cps
    min_gap, min_duration = rules.min_gap, rules.min_duration

    sizes = [len(t) for t in texts]
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)
    # end_cost[j]: cost of a cue ending before word j (j == n: the last cue, free).
    end_cost = [0.0] * (n + 1)
    inner_cost = [0.0] * (n + 1)  # cost of keeping words j-1 and j in one cue
    # clause/conj/plain[m]: how many positions k < m have a break of that class or better.
    clause, conj, plain = [0] * (n + 1), [0] * (n + 1), [0] * (n + 1)
    for j in range(1, n):
        kind = classify_break(texts, j, first_starts_sentence=True)
        pause = starts[j] - ends[j - 1]
        factor = next((f for p, f in _PAUSE_DISCOUNT if pause >= p), 1.0)
        end_cost[j] = _END_COST[kind] * factor
        inner = next((c for p, c in _INNER_PAUSE_COST if pause >= p), 0.0)
        if kind == Break.SENTENCE:
            inner += _INNER_SENTENCE_END_COST
        inner_cost[j] = inner
        clause[j + 1] = clause[j] + (kind <= Break.CLAUSE)
        conj[j + 1] = conj[j] + (kind <= Break.BEFORE_CONJUNCTION)
        plain[j + 1] = plain[j] + (kind <= Break.PLAIN)
    split_clause, split_conj, split_plain, split_bound = (
        _LINE_SPLIT_COST[c]
        for c in (Break.CLAUSE, Break.BEFORE_CONJUNCTION, Break.PLAIN, Break.BOUND)
    )
    # Latest end before word j's cue could start (seconds); the last cue has no limit.
    next_limit = [s - min_gap for s in starts[1:]] + [float("inf")]

    best = [float("inf")] * (n + 1)
    best[0] = 0.0
    back = [0] * (n + 1)
    for i in range(n):
        base = best[i] + _CUE_COST
        first_start = starts[i]
        latest_end = first_start + max_duration
        full, current = 0, 0  # greedy line fill: finished lines, open line length
        first_line_end = i  # words [i, first_line_end) fill the first line greedily
        low = i  # two-pointer: smallest k with words [k, j) fitting on one line
        inner = 0.0
        for j in range(i + 1, n + 1):
            full, current = fill_step(full, current, sizes[j - 1], limit)
            lines = full + (current > 0)
            if lines > max_lines:
                break
            count = j - i
            if count > 1:
                if ends[j - 1] > latest_end:
                    break
                inner += inner_cost[j - 1]
            cost = base + inner + end_cost[j]
            chars = prefix[j] - prefix[i] + count - 1
            if count <= 2 and chars <= _TINY_CUE_CHARS:
                cost += _TINY_CUE_COST[count]
            # Time available: up to the next cue's start less the gap, capped.
            room = min(next_limit[j - 1], latest_end) - first_start
            if room < min_duration:
                cost += _SHORT_CUE_COST
            if chars > max_cps * room:
                ratio = chars / (max_cps * room) if room > 0 else 2.0
                cost += _FAST_CUE_COST + _FAST_CUE_SLOPE * min(ratio - 1.0, 1.0)
            if lines == 1:
                first_line_end = j
            elif lines == 2:
                while low < j - 1 and prefix[j] - prefix[low] + (j - low - 1) > limit:
                    low += 1
                lo, hi = max(low, i + 1), min(first_line_end, j - 1) + 1
                if lo >= hi:
                    cost += split_bound
                elif clause[hi] > clause[lo]:
                    cost += split_clause
                elif conj[hi] > conj[lo]:
                    cost += split_conj
                elif plain[hi] > plain[lo]:
                    cost += split_plain
                else:
                    cost += split_bound
            if cost < best[j]:
                best[j] = cost
                back[j] = i
    groups = []
    j = n
    while j > 0:
        groups.append((back[j], j))
        j = back[j]
    return groups[::-1]


def _timed_cues(
    words: list[Word],
    groups: list[tuple[int, int]],
    starts: list[float],
    ends: list[float],
    rules: CueRules,
) -> list[Cue]:
    """Cues for the groups, timed by the rules (seconds)."""
    min_gap = rules.min_gap
    min_shown = _MIN_SHOWN_FRAMES / rules.fps
    # Starts first: a cue starts with its first word unless the cue before needs room.
    cue_starts: list[float] = []
    for first, _ in groups:
        start = starts[first]
        if cue_starts:
            start = max(start, cue_starts[-1] + min_shown + min_gap)
        cue_starts.append(start)

    cues = []
    for index, (first, end) in enumerate(groups):
        start = cue_starts[index]
        texts = [w.text for w in words[first:end]]
        chars = len(" ".join(texts))
        latest = start + rules.max_duration
        if index + 1 < len(groups):
            latest = min(latest, cue_starts[index + 1] - min_gap)
        wanted = max(ends[end - 1], start + rules.min_duration, start + chars / rules.max_cps)
        stop = min(wanted, latest)
        if index + 1 < len(groups) and cue_starts[index + 1] - stop < rules.close_gap:
            stop = latest  # chain to the next cue, or stop at max_duration before it
        cues.append(Cue(start, stop, break_lines(texts, rules), tuple(words[first:end])))
    return cues
