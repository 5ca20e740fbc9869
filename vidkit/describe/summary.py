"""Extractive summary: the most central sentences of a transcript, in the order spoken.

Sentences are nodes of a graph whose edges weigh how much two sentences say alike (cosine of
TF-IDF-weighted content words, `vidkit.text.wording`); a few PageRank iterations give each
sentence its centrality (TextRank). The most central 2-3 are the summary. Pure, no IO.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from vidkit.text.sentences import Sentence
from vidkit.text.wording import content_bag, cosine
from vidkit.privacy.redact import LABELS, REDACTED_LABEL

DAMPING = 0.85  # PageRank: chance of following an edge rather than jumping anywhere
ITERATIONS = 30
MIN_SIMILARITY = 0.05  # weaker links are noise (one shared common word)
MIN_CONTENT_WORDS = 3  # shorter sentences ("Well done.") are chosen only when nothing else is
MAX_SENTENCE_CHARS = 300  # a run-on "sentence" (speech without punctuation) is shortened to this
PLACEHOLDERS = (*LABELS.values(), REDACTED_LABEL)
ENDINGS = tuple(".?!…")  # what ends a sentence, before any closing quote or bracket
CLOSERS = "\"'”’)]»"


def weighted_bags(texts: Sequence[str]) -> list[Counter[str]]:
    """Content-word stems of each text weighted by TF-IDF: words said in every sentence
    count little, words particular to a few count much."""
    bags = [content_bag(without_placeholders(t)) for t in texts]
    documents = Counter(word for bag in bags for word in bag)
    total = len(bags)
    # +1 keeps a word said in every sentence from vanishing when there are only a few.
    return [Counter({w: c * (math.log(total / documents[w]) + 1.0) for w, c in bag.items()}) for bag in bags]


def similarity_matrix(texts: Sequence[str]) -> list[list[float]]:
    """Cosine similarity of every pair of texts (0 on the diagonal and below MIN_SIMILARITY)."""
    bags = weighted_bags(texts)
    size = len(bags)
    matrix = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            value = cosine(bags[i], bags[j])
            if value >= MIN_SIMILARITY:
                matrix[i][j] = matrix[j][i] = value
    return matrix


def centrality(matrix: Sequence[Sequence[float]]) -> list[float]:
    """Weighted PageRank scores (summing to 1) of the graph `matrix`; a node without edges
    keeps only the random-jump share."""
    size = len(matrix)
    if size == 0:
        return []
    out_weight = [sum(row) for row in matrix]
    scores = [1.0 / size] * size
    for _ in range(ITERATIONS):
        scores = [(1 - DAMPING) / size + DAMPING * sum(
            scores[j] * matrix[j][i] / out_weight[j] for j in range(size) if matrix[j][i] and out_weight[j])
                  for i in range(size)]
        total = sum(scores)
        scores = [s / total for s in scores]
    return scores


def summary_size(sentence_count: int, wanted: int = 3) -> int:
    """2 sentences for a short talk (up to 5 sentences), else `wanted` (at most 3 is a summary)."""
    return min(sentence_count, 2 if sentence_count <= 5 else max(1, wanted))


def central_indices(texts: Sequence[str], count: int) -> list[int]:
    """Indices of the `count` most central texts, in their original order. Texts with a
    placeholder ([name]) or fewer than MIN_CONTENT_WORDS content words come last, then those
    not ending in . ? or !; ties go to the text with more content words, then the earlier one."""
    scores = centrality(similarity_matrix(texts))
    sizes = [sum(content_bag(without_placeholders(t)).values()) for t in texts]

    def rank(i: int) -> tuple:
        weak = sizes[i] < MIN_CONTENT_WORDS or any(p in texts[i] for p in PLACEHOLDERS)
        # No full stop at the end: a fragment or the recogniser's run-on, poor to read alone.
        unfinished = not texts[i].rstrip(CLOSERS).endswith(ENDINGS)
        return weak, unfinished, -round(scores[i], 9), -sizes[i], i

    return sorted(sorted(range(len(texts)), key=rank)[:count])


def summarize(sentences: Sequence[Sentence], count: int = 3) -> list[str]:
    """The 2-3 most central sentences' texts (see `summary_size`), in spoken order, each
    shortened to MAX_SENTENCE_CHARS at a word boundary."""
    texts = [s.text for s in sentences]
    chosen = central_indices(texts, summary_size(len(texts), count))
    return [shorten(_capitalised(texts[i])) for i in chosen]


def shorten(text: str, limit: int = MAX_SENTENCE_CHARS) -> str:
    """`text`, or its first words up to `limit` characters followed by "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return head + "…"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def without_placeholders(text: str) -> str:
    """`text` with the redaction placeholders ([name], [redacted]) taken out."""
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, " ")
    return text
