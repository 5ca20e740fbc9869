"""Line breaking inside a cue: Netflix-style break choices and the shape of the lines."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidkit.captions.cue import CueRules
from vidkit.captions.linebreak import Break, break_lines, classify_break, min_line_count

RULES = CueRules()
LONG_WORD = "pneumonoultramicroscopicsilicovolcanoconiosis"  # 45 characters


def split_positions(lines: tuple[str, ...]) -> list[int]:
    """Word indexes at which each line after the first starts."""
    positions, count = [], 0
    for line in lines[:-1]:
        count += len(line.split())
        positions.append(count)
    return positions


def most_balanced_split(words: list[str]) -> int:
    return min(
        range(1, len(words)),
        key=lambda k: abs(len(" ".join(words[:k])) - len(" ".join(words[k:]))),
    )


def test_text_that_fits_stays_on_one_line():
    words = "We are going to the shop with the dog now.".split()
    assert break_lines(words, RULES) == ("We are going to the shop with the dog now.",)


def test_a_full_42_character_line_is_not_broken():
    text = "a" * 20 + " " + "b" * 21
    assert len(text) == 42
    assert break_lines(text.split(), RULES) == (text,)


def test_break_after_comma_is_preferred_over_a_balanced_plain_break():
    words = "When we got home, everybody was asleep in the house".split()
    assert break_lines(words, RULES) == ("When we got home,", "everybody was asleep in the house")


def test_break_before_a_preposition():
    words = "Yesterday we had a really long talk with Maria Gonzalez about the exercises".split()
    assert break_lines(words, RULES) == (
        "Yesterday we had a really long talk",
        "with Maria Gonzalez about the exercises",
    )


def test_article_and_noun_stay_together_though_the_balanced_split_is_between_them():
    words = "After three long weeks of practice the group walked together to the garden".split()
    assert words[most_balanced_split(words) - 1] == "the"  # the naive choice would split
    lines = break_lines(words, RULES)
    assert len(lines) == 2
    assert not lines[0].endswith(" the")
    assert lines[1].startswith("the group")


def test_first_and_last_name_stay_together():
    words = "Our group thanked Christopher Richardson for the session".split()
    assert words[most_balanced_split(words) - 1] == "Christopher"
    lines = break_lines(words, RULES)
    assert any("Christopher Richardson" in line for line in lines)


def test_pronoun_and_that_as_conjunction():
    words = "Everybody in the group agreed that they had never felt stronger before today".split()
    # "they had" is pronoun+verb; after "that" (a conjunction here) is a legal break.
    assert break_lines(words, RULES) == (
        "Everybody in the group agreed that",
        "they had never felt stronger before today",
    )


def test_title_binds_to_the_name_and_is_no_sentence_end():
    words = "Dr. Smith said that the patient could walk again after three weeks".split()
    lines = break_lines(words, RULES)
    assert lines[0].startswith("Dr. Smith")
    assert classify_break(words, 1) == Break.BOUND


def test_bottom_heavy_when_breaks_are_equal():
    words = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii".split()
    top, bottom = break_lines(words, RULES)
    assert len(top) < len(bottom)


def test_an_overlong_word_gets_a_line_of_its_own():
    assert break_lines([LONG_WORD, "is", "bad"], RULES) == (LONG_WORD, "is bad")
    assert break_lines([LONG_WORD], RULES) == (LONG_WORD,)


def test_words_that_do_not_fit_raise():
    with pytest.raises(ValueError, match="3 lines"):
        break_lines(["So", LONG_WORD, "is", "bad"], RULES)


def test_whitespace_is_stripped_and_empty_words_dropped():
    assert break_lines([" Hello", "", "there. "], RULES) == ("Hello there.",)
    assert break_lines([], RULES) == ()


@pytest.mark.parametrize(
    ("text", "k", "expected"),
    [
        ("It ended. Then", 2, Break.SENTENCE),
        ("Really? Yes", 1, Break.SENTENCE),
        ('he said "no." Then', 3, Break.SENTENCE),
        ("slowly, carefully", 1, Break.CLAUSE),
        ("walked to school", 1, Break.BEFORE_CONJUNCTION),
        ("the dog", 1, Break.BOUND),
        ("my knee", 1, Break.BOUND),
        ("she walked", 1, Break.BOUND),
        ("can't walk", 1, Break.BOUND),
        ("was walking", 1, Break.BOUND),
        ("met Anna Schmidt", 2, Break.BOUND),
        ("done. Anna walked", 2, Break.PLAIN),  # "Anna" starts a sentence: no name pair
        ("walked slowly", 1, Break.PLAIN),
        ("went —", 1, Break.BOUND),  # a line never starts with a stray dash
    ],
)
def test_classify_break(text, k, expected):
    assert classify_break(text.split(), k) == expected


VOCAB = (
    "the a an my their this that I you she we they it is was will can't not have "
    "and but because to of in with from about patient knee walked slowly exercise "
    "therapy hospital really better stretch balance today morning Maria Gonzalez Dr."
).split()
words_strategy = st.lists(
    st.tuples(st.sampled_from(VOCAB), st.sampled_from(["", "", "", "", ",", ".", "?"])).map(
        "".join
    ),
    min_size=1,
    max_size=18,
)
rules_strategy = st.builds(
    CueRules, max_line_chars=st.integers(12, 50), max_lines=st.integers(1, 3)
)


def legal_partition_exists(words: list[str], rules: CueRules) -> bool:
    """Brute force: can the words be laid out in <= max_lines lines with no bound split?"""
    n = len(words)
    for line_count in range(1, min(rules.max_lines, n) + 1):
        for cuts in combinations(range(1, n), line_count - 1):
            bounds = (0, *cuts, n)
            fits = all(
                b - a == 1 or len(" ".join(words[a:b])) <= rules.max_line_chars
                for a, b in zip(bounds, bounds[1:])
            )
            if fits and all(classify_break(words, k) != Break.BOUND for k in cuts):
                return True
    return False


@settings(max_examples=200, deadline=None)
@given(words=words_strategy, rules=rules_strategy)
def test_lines_keep_the_words_fit_and_avoid_bound_splits(words, rules):
    if min_line_count(words, rules.max_line_chars) > rules.max_lines:
        with pytest.raises(ValueError):
            break_lines(words, rules)
        return
    lines = break_lines(words, rules)
    assert " ".join(lines) == " ".join(words)
    assert 1 <= len(lines) <= rules.max_lines
    for line in lines:
        assert len(line) <= rules.max_line_chars or " " not in line
    if len(" ".join(words)) <= rules.max_line_chars:
        assert len(lines) == 1
    if legal_partition_exists(words, rules):
        assert all(classify_break(words, k) != Break.BOUND for k in split_positions(lines))
