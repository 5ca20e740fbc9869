"""YouTube's metadata rules, one by one, and the byte/character limits as properties."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidkit.describe.validate import (CATEGORIES, DESCRIPTION_MAX_BYTES, TAGS_MAX_CHARS, TITLE_MAX_CHARS,
                                      tags_length, trim_title, trim_utf8, utf8_length, validate_metadata)
from vidkit.errors import BadInputError

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
STATUS = {"privacyStatus": "private", "selfDeclaredMadeForKids": False, "containsSyntheticMedia": False}


def check(title="Gait training", description="About gait.", tags=(), status=None, categoryId="27", **snippet):
    snippet = {"title": title, "description": description, "tags": list(tags), "categoryId": categoryId, **snippet}
    return validate_metadata(snippet,
                             dict(STATUS if status is None else status), now=NOW)


# --- title ---------------------------------------------------------------------------------

def test_a_good_title_is_kept_and_nothing_is_fixed():
    snippet, status, fixes = check(categoryId="27")
    assert snippet["title"] == "Gait training" and fixes == []


def test_a_long_title_is_cut_at_a_word_boundary_without_adding_anything():
    title = "Step length and weight shift on the instrumented treadmill " * 3
    snippet, _, fixes = check(title=title)
    assert len(snippet["title"]) <= TITLE_MAX_CHARS
    assert title.startswith(snippet["title"])
    assert title[len(snippet["title"])] == " "  # the cut fell between words
    assert not snippet["title"].endswith(("…", "...", " "))
    assert any("title: cut" in f for f in fixes)


def test_a_title_of_exactly_100_characters_is_kept():
    title = "x" * 100
    assert check(title=title)[0]["title"] == title
    assert len(check(title="y" * 101)[0]["title"]) == 100  # one long word: cut mid-word


def test_angle_brackets_are_removed_from_the_title_and_the_fix_is_reported():
    snippet, _, fixes = check(title="Gait training <part 1>")
    assert snippet["title"] == "Gait training part 1"
    assert fixes == ["title: removed 2 angle brackets (< >), which YouTube refuses"]


@pytest.mark.parametrize("title", ["", "   ", "<>", None, "< >"])
def test_a_title_with_nothing_left_is_refused(title):
    with pytest.raises(BadInputError, match="title is empty"):
        check(title=title)


def test_line_breaks_in_a_title_become_spaces():
    snippet, _, fixes = check(title="Gait\ntraining")
    assert snippet["title"] == "Gait training" and "line breaks" in fixes[0]


# --- description ---------------------------------------------------------------------------

def test_angle_brackets_are_removed_from_the_description():
    snippet, _, fixes = check(description="Use <b>both</b> feet")
    assert snippet["description"] == "Use bboth/b feet" and "description: removed 4" in fixes[0]


@pytest.mark.parametrize("word,size", [("voetstap", 8), ("βάδιση", 12), ("👣", 4), ("één", 5)])
def test_a_description_at_exactly_5000_bytes_is_kept(word, size):
    text = (word + " ") * (DESCRIPTION_MAX_BYTES // (size + 1))
    text += "x" * (DESCRIPTION_MAX_BYTES - utf8_length(text))
    assert utf8_length(text) == DESCRIPTION_MAX_BYTES
    snippet, _, fixes = check(description=text)
    assert snippet["description"] == text and fixes == []


@pytest.mark.parametrize("word", ["loopband", "ισορροπία", "👣👣", "één", "ĳsbaan"])
def test_a_description_one_byte_over_is_cut_at_a_word_boundary(word):
    text = " ".join([word] * 3000)
    snippet, _, fixes = check(description=text)
    cut = snippet["description"]
    assert utf8_length(cut) <= DESCRIPTION_MAX_BYTES < utf8_length(text)
    assert text.startswith(cut) and text[len(cut)] == " "  # whole words only
    assert utf8_length(cut) > DESCRIPTION_MAX_BYTES - utf8_length(word) - 2  # no more than needed
    assert "description: cut from" in fixes[0] and "bytes" in fixes[0]


def test_a_description_without_spaces_is_cut_between_characters_not_inside_one():
    text = "😀" * 1251  # 5,004 bytes
    cut = check(description=text)[0]["description"]
    assert cut == "😀" * 1250 and utf8_length(cut) == DESCRIPTION_MAX_BYTES
    text = "a" + "é" * 2500  # 5,001 bytes: the last whole é ends at byte 4,999
    assert utf8_length(trim_utf8(text)) == 4999


def test_a_description_is_cut_at_a_line_break_near_the_limit():
    text = "Intro line.\n" + "word " * 950 + "\nlast line " + "more " * 100
    cut = trim_utf8(text)
    assert cut == ("Intro line.\n" + "word " * 950).rstrip()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab é\nβ😀ĳ")), max_size=3000), st.integers(1, 6000))
def test_trimmed_text_fits_its_byte_limit_and_is_a_prefix(text, limit):
    cut = trim_utf8(text, limit)
    assert utf8_length(cut) <= limit
    assert text.startswith(cut)
    if utf8_length(text) <= limit:
        assert cut == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_trimmed_titles_fit_and_are_prefixes(text):
    cut = trim_title(text)
    assert len(cut) <= TITLE_MAX_CHARS and text.startswith(cut)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=250).filter(lambda t: any(c not in "<> \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0" and not c.isspace() for c in t)),
       st.text(max_size=6000), st.lists(st.text(max_size=40), max_size=60))
def test_validated_metadata_always_meets_youtubes_limits(title, description, tags):
    snippet, status, _ = validate_metadata({"title": title, "description": description, "tags": tags}, {}, now=NOW)
    assert 1 <= len(snippet["title"]) <= TITLE_MAX_CHARS
    assert utf8_length(snippet["description"]) <= DESCRIPTION_MAX_BYTES
    assert tags_length(snippet["tags"]) <= TAGS_MAX_CHARS
    for text in (snippet["title"], snippet["description"], *snippet["tags"]):
        assert "<" not in text and ">" not in text
    assert status["privacyStatus"] == "private"


# --- tags ----------------------------------------------------------------------------------

def test_tags_are_counted_youtubes_way():
    # "gait training" 13 + 2 for its space (YouTube quotes it), "CAREN" 5, one comma
    assert tags_length(["gait training", "CAREN"]) == 13 + 2 + 5 + 1
    assert tags_length(["gait"]) == 4 and tags_length([]) == 0


def test_tags_over_500_characters_are_dropped_from_the_end_and_named():
    tags = [f"tag{n:03d}" for n in range(62)]  # 62 * 6 + 61 commas = 433
    tags += ["weight shift", "step length drills", "z" * 60]  # + (12+2)+1, + (18+2)+1, + 60+1 = 530
    snippet, _, fixes = check(tags=tags)
    assert snippet["tags"] == tags[:-1]
    assert tags_length(snippet["tags"]) == 469
    assert fixes == [f"tags: dropped '{'z' * 60}' to fit YouTube's 500 characters (a tag with a space counts "
                     f"2 more, each comma 1)"]


def test_tags_of_exactly_500_characters_are_kept():
    tags = ["a b" * 1 + "c" * 492]  # 495 + 2 for the space = 497, + ", xx" = 500
    tags.append("xx")
    assert tags_length(tags) == 500
    assert check(tags=tags)[0]["tags"] == tags


def test_tags_lose_brackets_commas_duplicates_and_blanks():
    snippet, _, fixes = check(tags=["gait", "<balance>", "Gait", "  ", "step, length"])
    assert snippet["tags"] == ["gait", "balance", "step length"]
    assert len(fixes) == 2


def test_tags_must_be_a_list():
    with pytest.raises(BadInputError, match="list"):
        validate_metadata({"title": "Gait", "tags": "gait, balance"}, {}, now=NOW)


# --- category ------------------------------------------------------------------------------

def test_the_category_defaults_to_education():
    snippet, _, fixes = check(categoryId=None)
    assert snippet["categoryId"] == "27" and "categoryId: not given" in fixes[0]


@pytest.mark.parametrize("category", ["1", "22", 27, "28", " 29 "])
def test_assignable_categories_are_kept_as_text(category):
    assert check(categoryId=category)[0]["categoryId"] == str(category).strip()


@pytest.mark.parametrize("category", ["18", "21", "30", "44", "education", True])
def test_other_categories_are_refused_with_the_list(category):
    with pytest.raises(BadInputError, match="27 Education"):
        check(categoryId=category)


def test_the_category_table_is_the_us_assignable_list():
    assert sorted(map(int, CATEGORIES)) == [1, 2, 10, 15, 17, 19, 20, 22, 23, 24, 25, 26, 27, 28, 29]


# --- status --------------------------------------------------------------------------------

def test_missing_status_fields_are_always_filled_in_private():
    _, status, fixes = check(status={})
    assert status == {"privacyStatus": "private", "selfDeclaredMadeForKids": False, "containsSyntheticMedia": False}
    assert len(fixes) == 3  # privacy and both flags


@pytest.mark.parametrize("privacy", ["unlisted", "public"])
def test_an_explicit_privacy_status_is_kept(privacy):
    assert check(status={**STATUS, "privacyStatus": privacy})[1]["privacyStatus"] == privacy


def test_an_unknown_privacy_status_is_refused():
    with pytest.raises(BadInputError, match="private, unlisted, public"):
        check(status={**STATUS, "privacyStatus": "friends"})


@pytest.mark.parametrize("flag", ["selfDeclaredMadeForKids", "containsSyntheticMedia"])
def test_flags_must_be_booleans(flag):
    with pytest.raises(BadInputError, match=flag):
        check(status={**STATUS, flag: "no"})
    assert check(status={**STATUS, flag: True})[1][flag] is True


def test_publish_at_in_the_future_on_a_private_video_is_normalised_to_utc():
    _, status, _ = check(status={**STATUS, "publishAt": "2027-01-02T10:00:00+01:00"})
    assert status["publishAt"] == "2027-01-02T09:00:00Z"


@pytest.mark.parametrize("privacy", ["public", "unlisted"])
def test_publish_at_needs_a_private_video(privacy):
    with pytest.raises(BadInputError, match="needs privacyStatus private"):
        check(status={**STATUS, "privacyStatus": privacy, "publishAt": "2027-02-01T09:00:00Z"})


@pytest.mark.parametrize("when,message", [
    ((NOW - timedelta(minutes=1)).isoformat(), "not in the future"),
    (NOW.isoformat(), "not in the future"),
    ("2027-02-01T09:00:00", "no time zone"),
    ("next tuesday", "not an ISO 8601"),
])
def test_bad_publish_times_are_refused(when, message):
    with pytest.raises(BadInputError, match=message):
        check(status={**STATUS, "publishAt": when})


def test_a_null_publish_at_stays_null():
    assert check(status={**STATUS, "publishAt": None})[1]["publishAt"] is None


def test_the_inputs_are_not_changed():
    snippet = {"title": "<Gait>", "description": "", "tags": ["a"]}
    status: dict = {}
    validate_metadata(snippet, status, now=NOW)
    assert snippet == {"title": "<Gait>", "description": "", "tags": ["a"]} and status == {}
