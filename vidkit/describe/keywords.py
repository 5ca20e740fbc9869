"""Key terms, tags and hashtags from what is said: glossary terms first, then the content
words said most often. Pure, no IO (the glossary is read by the caller)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from vidkit.text.wording import STOPWORDS, find_terms, normalise, stem, term_patterns
from vidkit.describe.summary import CLOSERS, ENDINGS, without_placeholders

MAX_HASHTAGS = 3  # YouTube shows the first three above the title
MIN_REPEATS = 2  # a content word must be said this often to be a key term
MIN_WORD_CHARS = 4
# Placeholder words left by redaction and words too vague for a tag.
_NOT_TERMS = frozenset({"name", "redacted", "today", "now", "make", "try", "feel", "look", "keep",
                        "start", "starting", "alright", "right", "okay", "going", "come", "take"})
_HASHTAG_DROP = re.compile(r"[^\w]|_")
_EDGE_PUNCTUATION = "\"'”’“‘()[]«».,;:!?…-–—"


def glossary_terms(text: str, glossary: Sequence[str]) -> list[str]:
    """Glossary terms said in `text` (as the glossary writes them), most mentioned first,
    ties in the order first said."""
    found = find_terms(without_placeholders(text), term_patterns(glossary))
    counts = Counter(found)
    order = {term: i for i, term in reversed(list(enumerate(found)))}
    return sorted(counts, key=lambda t: (-counts[t], order[t]))


def capitalised_words(text: str) -> set[str]:
    """Words written with a capital inside a sentence ("welcome back, Maria"): probably
    names, which must not become tags even when no roster caught them."""
    found, sentence_start = set(), True
    for token in text.split():
        word = token.strip(_EDGE_PUNCTUATION)
        if word[:1].isupper() and not sentence_start and word != "I":
            found.update(normalise(word).split())
        sentence_start = token.rstrip(CLOSERS).endswith(ENDINGS)
    return found


def unknown_names(text: str, glossary: Sequence[str]) -> set[str]:
    """Words (normalised) that look like names no roster caught: written capitalised and never
    in lower case, and neither a glossary word nor an everyday one ("Maria, lift your knee";
    not "Lift", which is also said in lower case, nor "CAREN" from the glossary). They never
    become titles, tags or hashtags."""
    from vidkit.privacy.common_words import COMMON_WORDS

    text = without_placeholders(text)
    known = {w for term in glossary for w in normalise(term).split()}
    capitalised, lower = set(), set()
    for token in text.split():
        word = token.strip(_EDGE_PUNCTUATION)
        if not word or word == "I" or not word[:1].isalpha():
            continue
        (capitalised if word[:1].isupper() else lower).update(normalise(word).split())
    return {w for w in capitalised - lower if w not in known and w not in COMMON_WORDS}


def frequent_words(text: str, *, min_repeats: int = MIN_REPEATS, skip_stems: Iterable[str] = (),
                   skip: Iterable[str] = ()) -> list[str]:
    """Content words said at least `min_repeats` times (counted by stem, shown in their most
    common spelling), most frequent first, ties in the order first said. Words capitalised
    mid-sentence (names) and the words in `skip` are left out."""
    skip_stems = set(skip_stems)
    text = without_placeholders(text)
    names = capitalised_words(text) | set(skip)
    words = [w for w in normalise(text).split() if len(w) >= MIN_WORD_CHARS and w not in STOPWORDS
             and w not in _NOT_TERMS and w not in names and not w.isdigit()]
    by_stem: dict[str, Counter[str]] = {}
    for word in words:
        by_stem.setdefault(stem(word), Counter())[word] += 1
    ranked = [(sum(forms.values()), i, s) for i, (s, forms) in enumerate(by_stem.items()) if s not in skip_stems]
    return [by_stem[s].most_common(1)[0][0] for total, _, s in sorted(ranked, key=lambda r: (-r[0], r[1]))
            if total >= min_repeats]


def key_terms(text: str, glossary: Sequence[str], limit: int = 10, skip: Iterable[str] = ()) -> list[str]:
    """Up to `limit` terms for tags and titles: glossary terms said, then frequent words
    not already part of one (never a word in `skip`: see `unknown_names`)."""
    terms = glossary_terms(text, glossary)
    covered = {stem(w) for term in terms for w in normalise(term).split()}
    return (terms + frequent_words(text, skip_stems=covered, skip=skip))[:limit]


def make_tags(terms: Sequence[str], base: Sequence[str] = ()) -> list[str]:
    """The clinic's `base` tags then `terms`, without case-insensitive duplicates. Length is
    left to validation, which drops tags from the end to fit YouTube's limit."""
    tags: dict[str, str] = {}
    for tag in (*base, *terms):
        tag = " ".join(tag.split())
        if tag:
            tags.setdefault(tag.casefold(), tag)
    return list(tags.values())


def hashtag(term: str) -> str | None:
    """"step length" → "#StepLength", "CAREN" → "#CAREN": words joined CamelCase, symbols
    dropped; None when nothing is left or it would be a bare number."""
    words = [_HASHTAG_DROP.sub("", w) for w in term.split()]
    joined = "".join(w if w.isupper() else w[:1].upper() + w[1:] for w in words if w)
    if not joined or joined.isdigit():
        return None
    return "#" + joined


def make_hashtags(terms: Sequence[str], limit: int = MAX_HASHTAGS, first: Sequence[str] = ()) -> list[str]:
    """Up to `limit` distinct hashtags: `first` (e.g. "#Shorts") then those of `terms`."""
    tags: dict[str, str] = {}
    for term in (*first, *terms):
        tag = hashtag(term.lstrip("#"))
        if tag:
            tags.setdefault(tag.casefold(), tag)
    return list(tags.values())[:limit]
