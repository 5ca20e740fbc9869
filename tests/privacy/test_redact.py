"""Name and number redaction over transcript words: what is caught, what is left, what is kept."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidkit.errors import BadInputError
from vidkit.privacy.names import fold, similarity, sound_key
from vidkit.privacy.redact import redact_transcript, redaction_report
from vidkit.privacy.roster import parse_roster
from vidkit.transcript import Segment, Transcript, Word

ROSTER = parse_roster("# patients\nMaria Jansen | Ria\nJosé Peña\nWill Peters, Grace\nAnna van der Berg\n"
                      "Eva Jansen-Smit\n")


def transcript_of(*sentences: str, gap: float = 0.1) -> Transcript:
    """One segment per sentence, words 0.3 s long with `gap` s between them."""
    segments, t = [], 0.5
    for number, sentence in enumerate(sentences):
        words = []
        for token in sentence.split():
            words.append(Word(round(t, 3), round(t + 0.3, 3), token, 0.9))
            t += 0.3 + gap
        segments.append(Segment(number, words[0].start, words[-1].end, " " + sentence, tuple(words)))
        t += 0.5
    return Transcript("en", round(t + 1, 3), tuple(segments), {"input_sha256": "ab" * 32})


def redacted_text(*sentences: str, roster=ROSTER, patterns=True) -> str:
    return redact_transcript(transcript_of(*sentences), roster, patterns)[0].text


# --- roster ---------------------------------------------------------------------------------

def test_roster_format_comments_aliases_and_repr_without_names():
    roster = parse_roster("\ufeff# a comment\n\nMaria Jansen | Ria, Mia  # trailing comment\nO'Brien-Smit\n")
    assert [p.names for p in roster.people] == [("Maria Jansen", "Ria", "Mia"), ("O'Brien-Smit",)]
    assert "Maria" not in repr(roster) and "Ria" not in repr(roster.people[0])


@pytest.mark.parametrize("text, message", [
    ("Maria Jansen\nBob 42 Smith\n", "line 2"),
    ("Maria Jansen\n| Ria\n", "line 2"),
    ("Maria <Jansen>\n", "line 1"),
    ("# only comments\n\n", "has no names"),
])
def test_bad_roster_names_the_line_not_its_text(text, message):
    with pytest.raises(BadInputError) as caught:
        parse_roster(text, source="r.txt")
    assert message in str(caught.value)
    for secret in ("Bob", "Smith", "Maria", "Jansen", "Ria"):
        assert secret not in str(caught.value)


# --- names ----------------------------------------------------------------------------------

def test_folding_and_scores():
    assert fold("José Peña Straße") == "jose pena strasse"
    assert sound_key("jansen") == sound_key("johnson") == sound_key("janssen") == "2525"
    assert similarity("jansen", "janssen") > 0.85 > similarity("jansen", "johnson")


@pytest.mark.parametrize("sentence, expected", [
    ("Good morning MARIA.", "Good morning [name]."),
    ("good morning maria", "good morning [name]"),
    ("Thank you, Jose Pena.", "Thank you, [name]."),  # diacritics folded both ways
    ("Is José here?", "Is [name] here?"),
    ("Bend Maria's knee", "Bend [name]'s knee"),
    ("Maria’s turn", "[name]’s turn"),
    ("the Jansens were here", "the [name] were here"),
    ("Marias walk", "[name] walk"),
    ("Well done, Maria Jansen, lift.", "Well done, [name], lift."),  # first + last = one item
    ("Ria, step up", "[name], step up"),  # an alias
    ("Anna van der Berg is here", "[name] is here"),  # particles bound to the name
    ("Mrs Jansen-Smit and Smit", "Mrs [name] and [name]"),
])
def test_names_are_found(sentence, expected):
    assert redacted_text(sentence) == expected


@pytest.mark.parametrize("sentence, expected", [
    ("Well done, Mrs Janssen.", "Well done, Mrs [name]."),  # one letter more
    ("Thank you, Mr Jansson, sit.", "Thank you, Mr [name], sit."),  # sounds alike, written as a name
    ("Well done, Maria Johnson.", "Well done, [name]."),  # tiny.en's hearing of the sample
    ("Good morning Marie.", "Good morning [name]."),
    ("Jan sen is here", "[name] is here"),  # one name heard as two words
    ("Ask Mary, the nurse.", "Ask [name], the nurse."),  # may be another Mary: cheap, not a leak
])
def test_asr_variants_are_found(sentence, expected):
    assert redacted_text(sentence) == expected


@pytest.mark.parametrize("sentence", [
    "Mark the line, we will walk with grace and more care.",
    "Take the van to the lab, then the johnson rod.",  # lower case sound-alike alone
    "Lift your knee a little higher, a meter more, a mere step.",
    "In January more patients come; the nurse is there.",
])
def test_no_false_positives_on_everyday_words(sentence):
    roster = parse_roster("Maria Jansen\nAnna van der Berg\n")
    assert redacted_text(sentence, roster=roster) == sentence


def test_names_that_are_everyday_words_need_to_read_as_names():
    # Will and Grace are on the roster: redacted as names, not as words.
    assert redacted_text("Will, lift your knee.") == "[name], lift your knee."
    assert redacted_text("Good, Grace, keep going.") == "Good, [name], keep going."
    assert redacted_text("we will walk with grace") == "we will walk with grace"
    assert redacted_text("thanks will Peters") == "thanks [name]"  # next to his surname


def test_everyday_words_stay_when_not_on_the_roster():
    roster = parse_roster("Maria Jansen\n")
    sentence = "Will, Mark and Grace will mark the line."
    assert redacted_text(sentence, roster=roster) == sentence


# --- patterns -------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("Your phone number is zero six one two three four five six seven eight.",
     "Your phone number is [redacted]."),
    ("Call me on 06-12345678 please", "Call me on [redacted] please"),
    ("Reach me at +31 6 1234 5678.", "Reach me at [redacted]."),
    ("It is 0612345678, thanks", "It is [redacted], thanks"),
    ("double five six oh seven two one four nine nine is the mobile", "[redacted] is the mobile"),
])
def test_phone_numbers(sentence, expected):
    assert redacted_text(sentence) == expected


@pytest.mark.parametrize("sentence, expected", [
    ("She was born on 12 March 1957.", "She was born on [redacted]."),
    ("Date of birth, the twelfth of March nineteen fifty-seven, right?",
     "Date of birth, [redacted], right?"),
    ("DOB 12/03/1957 noted", "DOB [redacted] noted"),
    ("He was born in 1957 in Delft", "He was born in [redacted] in Delft"),
    ("Her birthday is March 3rd", "Her birthday is [redacted]"),
    ("On 3 May 2021 we started", "On [redacted] we started"),  # full dates are always taken
])
def test_dates_of_birth(sentence, expected):
    assert redacted_text(sentence) == expected


@pytest.mark.parametrize("sentence, expected", [
    ("Her record number is 48213.", "Her record number is [redacted]."),
    ("MRN A1234567 is on the chart", "MRN [redacted] is on the chart"),
    ("Patient number four eight two", "Patient number [redacted]"),
    ("Use 583920 for the booking", "Use [redacted] for the booking"),
])
def test_record_numbers(sentence, expected):
    assert redacted_text(sentence) == expected


@pytest.mark.parametrize("sentence", [
    "Walk 10,000 steps or 12000 steps today",
    "One, two, three, four, five, six, lift!",
    "Five four three two one go",
    "In 2024 we walked 300 meters in 5 minutes",
    "March forward in May, you may rest",
    "Lift at 3.5 km per hour for 20 seconds",
])
def test_numbers_that_are_not_identifiers_stay(sentence):
    assert redacted_text(sentence, roster=parse_roster("Nobody Here\n")) == sentence


def test_patterns_can_be_switched_off():
    assert redacted_text("Call 0612345678, Maria", patterns=False) == "Call 0612345678, [name]"


# --- the redacted transcript and the report -------------------------------------------------

def test_items_times_segments_and_no_text_anywhere():
    original = transcript_of("Good morning Maria Jansen.", "Your phone number is 0612345678.",
                             "Lift your knee, Ria.")
    redacted, items = redact_transcript(original, ROSTER)
    assert [(i.kind, i.segment_id) for i in items] == [("name", 0), ("phone", 1), ("name", 2)]
    first = original.segments[0].words
    assert (items[0].start, items[0].end) == (first[2].start, first[3].end)
    # The audio range reaches into the gaps and a third of each neighbour (ASR times drift).
    assert items[0].audio_start == pytest.approx(first[1].end - 0.1)
    assert items[0].audio_end == pytest.approx(redacted.duration) or items[0].audio_end > items[0].end
    assert [w.text for w in redacted.segments[0].words] == ["Good", "morning", "[name]."]
    assert redacted.segments[0].text == " Good morning [name]."
    assert Transcript.from_dict(json.loads(redacted.to_json())) == redacted  # still a transcript
    assert redacted.provenance["redaction"]["counts"] == {"name": 2, "email": 0, "phone": 1, "date_of_birth": 0,
                                                          "record_number": 0}
    report = json.dumps(redaction_report(items, original)) + redacted.to_json()
    for secret in ("Maria", "Jansen", "Ria", "0612345678", "maria", "jansen"):
        assert secret not in report


def test_segment_without_word_times_is_redacted_over_the_whole_segment():
    transcript = Transcript("en", 10.0, (Segment(0, 2.0, 5.0, " Hello Maria Jansen."),))
    redacted, items = redact_transcript(transcript, ROSTER)
    assert redacted.segments[0].text == " Hello [name]." and redacted.segments[0].words == ()
    assert items[0].audio_start <= 2.0 and items[0].audio_end >= 5.0


# --- property: no roster name survives ------------------------------------------------------

_FILLER = ["lift", "your", "knee", "well", "done", "the", "step", "will", "grace", "mark", "and"]
_NAMES = ["Maria", "Jansen", "Ria", "José", "Peña", "Peters", "Smit", "Jansen-Smit"]


@st.composite
def _sentences(draw):
    tokens = draw(st.lists(st.one_of(
        st.sampled_from(_FILLER),
        st.builds(lambda name, form: form(name), st.sampled_from(_NAMES), st.sampled_from(
            [str, str.upper, str.lower, lambda n: n + "'s", lambda n: n + ",", lambda n: n + "s"]))),
        min_size=1, max_size=12))
    return " ".join(tokens)


@settings(max_examples=150, deadline=None)
@given(st.lists(_sentences(), min_size=1, max_size=3))
def test_property_no_roster_name_survives(sentences):
    original = transcript_of(*sentences)
    redacted, items = redact_transcript(original, ROSTER)
    names = {fold(n) for n in _NAMES} | {"jose", "pena", "smit"}
    for word in redacted.words:
        assert not any(name in fold(word.text) for name in names), word.text
    assert all(a.start <= b.start for a, b in zip(items, items[1:]))
    assert all(0 <= i.audio_start <= i.start <= i.end <= i.audio_end for i in items)
    # Words outside the items are unchanged.
    kept = [w for w in redacted.words if "[" not in w.text]
    assert set(kept) <= set(original.words)


@pytest.mark.parametrize("text,found", [
    ("your sister will call at 061 to 345678", ["061 to 345678"]),  # "two" heard as "to"
    ("call me on 555 for 12345", ["555 for 12345"]),
    ("do sets of 12 to 15 today", []),  # a spoken range stays as said
    ("walk for 10 minutes for 3 days", []),
])
def test_a_digit_heard_as_to_or_for_inside_a_phone_number(text, found):
    from vidkit.privacy.patterns import find_patterns

    words = text.split()
    assert [" ".join(words[a:b]) for a, b, _ in find_patterns(words)] == found
