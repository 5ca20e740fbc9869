"""Spoken numbers and dates are redacted in Dutch and German as in English; a transcript in a
language vidkit has no number words for is refused, never passed through unread."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from vidkit.cli import app
from vidkit.errors import BadInputError
from vidkit.privacy.number_words import DUTCH, ENGLISH, GERMAN, language_for
from vidkit.privacy.patterns import check_language, find_patterns
from vidkit.privacy.redact import redact_transcript
from vidkit.privacy.roster import Roster, parse_roster
from vidkit.transcript import Segment, Transcript, Word

ROSTER = parse_roster("Maria Jansen\n")


def transcript_in(language: str, *sentences: str) -> Transcript:
    """One segment per sentence, words 0.3 s long, 0.1 s apart."""
    segments, t = [], 0.5
    for number, sentence in enumerate(sentences):
        words = []
        for token in sentence.split():
            words.append(Word(round(t, 3), round(t + 0.3, 3), token, 0.9))
            t += 0.4
        segments.append(Segment(number, words[0].start, words[-1].end, " " + sentence, tuple(words)))
        t += 0.5
    return Transcript(language, round(t + 1, 3), tuple(segments), {"input_sha256": "ab" * 32})


GERMAN_SESSION = (
    "Guten Morgen Maria Jansen, schön dass Sie da sind.",
    "Sie sind geboren am dritten Mai neunzehnhundertfünfundsiebzig, richtig?",
    "Ihre Telefonnummer ist null sechs zwölf vierunddreißig sechsundfünfzig achtundsiebzig.",
    "Und die Patientennummer ist vier acht zwei eins sieben.",
    "Gehen Sie jetzt zehn Schritte, eins zwei drei vier fünf, und heben Sie ein Bein.",
)
GERMAN_REDACTED = (
    "Guten Morgen [name], schön dass Sie da sind.",
    "Sie sind geboren am [redacted], richtig?",
    "Ihre Telefonnummer ist [redacted].",
    "Und die Patientennummer ist [redacted].",
    "Gehen Sie jetzt zehn Schritte, eins zwei drei vier fünf, und heben Sie ein Bein.",
)
DUTCH_SESSION = (
    "Goedemorgen Maria Jansen, fijn dat je er bent.",
    "Je bent geboren op drie mei negentienvijfenzeventig, klopt dat?",
    "Je telefoonnummer is nul zes een twee drie vier vijf zes zeven acht.",
    "En je patiëntnummer is vier acht twee een zeven.",
    "Loop nu tien stappen, een twee drie vier vijf, en til een been op.",
)
DUTCH_REDACTED = (
    "Goedemorgen [name], fijn dat je er bent.",
    "Je bent geboren op [redacted], klopt dat?",
    "Je telefoonnummer is [redacted].",
    "En je patiëntnummer is [redacted].",
    "Loop nu tien stappen, een twee drie vier vijf, en til een been op.",
)


@pytest.mark.parametrize("language, session, expected", [
    ("de", GERMAN_SESSION, GERMAN_REDACTED), ("nl", DUTCH_SESSION, DUTCH_REDACTED)])
def test_a_session_is_redacted_in_its_language(language, session, expected):
    redacted, items = redact_transcript(transcript_in(language, *session), ROSTER)
    assert tuple(s.text.strip() for s in redacted.segments) == expected
    assert [i.kind for i in items] == ["name", "date_of_birth", "phone", "record_number"]


@pytest.mark.parametrize("language, sentence, found", [
    ("de", "geboren 3. Mai 1975 in Köln", ["3. Mai 1975"]),
    ("de", "Geburtsdatum zwölfter März neunzehnhundert siebenundfünfzig", ["zwölfter März neunzehnhundert siebenundfünfzig"]),
    ("de", "sie ist im Jahrgang zweitausend drei", ["zweitausend drei"]),
    ("de", "rufen Sie an unter null sechs eins zwo drei vier fünf sechs sieben acht", ["null sechs eins zwo drei vier fünf sechs sieben acht"]),
    ("de", "die Aktennummer lautet 48213", ["48213"]),
    ("nl", "geboortedatum de derde mei negentienhonderdvijfenzeventig", ["derde mei negentienhonderdvijfenzeventig"]),
    ("nl", "geboren op 3 mei 1975", ["3 mei 1975"]),
    ("nl", "geboren op drie mei negentien vijfenzeventig", ["drie mei negentien vijfenzeventig"]),
    ("nl", "bel me op nul zes twaalf vierendertig zesenvijftig achtenzeventig", ["nul zes twaalf vierendertig zesenvijftig achtenzeventig"]),
    ("nl", "het dossiernummer is 48213", ["48213"]),
    ("nl", "mijn BSN is een twee drie vier vijf zes zeven acht negen", ["een twee drie vier vijf zes zeven acht negen"]),
])
def test_numbers_and_dates_found(language, sentence, found):
    words = sentence.split()
    assert [" ".join(words[a:b]) for a, b, _ in find_patterns(words, language)] == found


@pytest.mark.parametrize("language, sentence", [
    ("de", "Im Mai laufen wir dreihundert Meter in fünf Minuten"),
    ("de", "Sie ist fünfundsiebzig Jahre alt und macht zwölf Wiederholungen"),
    ("de", "Einen Schritt, noch einen, eine Pause"),
    ("nl", "In mei lopen we driehonderd meter in vijf minuten"),
    ("nl", "We doen een oefening en dan nog een keer"),
    ("nl", "Ze is vijfenzeventig jaar en doet twaalf herhalingen"),
])
def test_everyday_numbers_stay(language, sentence):
    assert find_patterns(sentence.split(), language) == []


@pytest.mark.parametrize("word, value", [
    ("fünfundsiebzig", 75), ("einundzwanzig", 21), ("dreißig", 30), ("neunzehnhundertfünfundsiebzig", 1975),
    ("zweitausenddrei", 2003), ("einhundertzwölf", 112), ("hundert", 100), ("ein", None), ("eine", None),
    ("zweidrei", None), ("hunderthundert", None), ("bein", None),
])
def test_german_number_words(word, value):
    from vidkit.privacy.names import fold

    assert GERMAN.cardinal(fold(word)) == value


@pytest.mark.parametrize("word, value", [
    ("vijfenzeventig", 75), ("tweeëntwintig", 22), ("negentienvijfenzeventig", 1975),
    ("negentienhonderdvijfenzeventig", 1975), ("tweeduizenddrie", 2003), ("een", None), ("tienen", None),
])
def test_dutch_number_words(word, value):
    from vidkit.privacy.names import fold

    assert DUTCH.cardinal(fold(word)) == value


def test_every_day_of_the_month_has_its_ordinal():
    for lang in (ENGLISH, DUTCH, GERMAN):
        values = set(lang.ordinals.values())
        assert set(range(1, 21)) | {30} <= values, lang.code
    assert set(range(1, 32)) <= set(DUTCH.ordinals.values()) and set(range(1, 32)) <= set(GERMAN.ordinals.values())
    assert GERMAN.ordinals["einunddreissigsten"] == 31 and DUTCH.ordinals["eenendertigste"] == 31


def test_language_codes():
    assert language_for("nl-NL") == [DUTCH] and language_for("DE") == [GERMAN]
    assert language_for("") == language_for(None) == [ENGLISH, DUTCH, GERMAN]


def test_unknown_language_reads_with_every_table():
    # An old transcript without a language: Dutch numbers are still found.
    redacted, _ = redact_transcript(transcript_in("", DUTCH_SESSION[1]), Roster(()))
    assert redacted.segments[0].text.strip() == DUTCH_REDACTED[1]


@pytest.mark.parametrize("language", ["pl", "fr", "ja"])
def test_another_language_is_refused_not_passed_through(language):
    with pytest.raises(BadInputError, match=rf"only in English \(en\), Dutch \(nl\), German \(de\).*'{language}'"):
        redact_transcript(transcript_in(language, "numer telefonu zero sześć"), ROSTER)
    with pytest.raises(BadInputError):
        check_language(language)
    # Without pattern redaction (names only) nothing is refused.
    redact_transcript(transcript_in(language, "dzień dobry Maria"), ROSTER, patterns=False)


def test_redact_cli_refuses_an_unsupported_language_with_exit_2(tmp_path):
    path = tmp_path / "wizyta.transcript.json"
    path.write_text(transcript_in("pl", "Dzień dobry Maria Jansen,", "mój numer to zero sześć jeden dwa").to_json())
    roster = tmp_path / "roster.txt"
    roster.write_text("Maria Jansen\n")
    result = CliRunner().invoke(app, ["redact", str(path), "--roster", str(roster), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "only in English (en), Dutch (nl), German (de)" in message and "'pl'" in message
    assert "--language" in message
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
