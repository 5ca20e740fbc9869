"""Spoken numbers, months and cue words per language, for `vidkit.privacy.patterns`.

One `Language` table each for English, Dutch and German; every other language Whisper can
transcribe is refused by `language_for` rather than read with the wrong words (a Dutch "zes
nul" read with English tables is no number at all, so a phone number would pass through).
Words are compared folded (`names.fold`: lower case, no accents, ß -> ss).

Dutch and German write numbers as one word ("vijfenzeventig", "neunzehnhundertfünfundsiebzig",
"negentienvijfenzeventig"): `Language.cardinal` splits such a word into number words and reads
it. English numbers are separate words ("nineteen fifty-seven"), read by the patterns module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from vidkit.errors import BadInputError


@dataclass(frozen=True, eq=False)  # hashed by identity: cached per table
class Language:
    code: str
    name: str
    digits: dict[str, int]  # 0-9, one word each
    teens: dict[str, int]  # 10-19
    tens: dict[str, int]  # 20, 30, ... 90
    ordinals: dict[str, int]  # day ordinals 1-31, every inflected form
    months: dict[str, int]
    birth_cues: frozenset[str]
    record_cues: frozenset[str]
    phone_cues: frozenset[str]
    number_cues: frozenset[str]  # "number", "nummer": a phone or record number by its length
    units: frozenset[str]  # a number before one of these is a quantity
    # Substrings of compound cue words ("Telefonnummer", "patiëntnummer"), per cue kind.
    cue_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inside_only: frozenset[str] = frozenset()  # digit words that are a digit only inside a run
    not_numbers: frozenset[str] = frozenset()  # articles that look like "one" ("ein", "een")
    compounds: dict[str, int] = field(default_factory=dict)  # 21-99 written as one word
    hundred: frozenset[str] = frozenset()
    thousand: frozenset[str] = frozenset()
    multipliers: dict[str, int] = field(default_factory=dict)  # "double five"
    homophones: dict[str, str] = field(default_factory=dict)  # "to" for a spoken "two"
    tens_then_unit: bool = False  # "fifty seven" as two words
    day_article: str = ""  # "the" in "the twelfth of March"
    day_month_link: str = ""  # "of"
    and_word: str = ""  # "two thousand and three"

    def has_cue(self, text: str, kind: str) -> bool:
        cues = {"birth": self.birth_cues, "record": self.record_cues, "phone": self.phone_cues,
                "number": self.number_cues}[kind]
        return text in cues or any(part in text for part in self.cue_parts.get(kind, ()))

    def cardinal(self, text: str) -> int | None:
        """The value of one word that is a whole number (0-9999), else None."""
        return _cardinal(self, text)


@functools.lru_cache(maxsize=65536)
def _cardinal(lang: Language, text: str) -> int | None:
    if text in lang.not_numbers or not text.isalpha():
        return None
    for table in (lang.digits, lang.teens, lang.tens, lang.compounds):
        if text in table:
            return table[text]
    if not (lang.hundred or lang.compounds):
        return None  # English: one number word per token
    pieces = _split(lang, text)
    return None if pieces is None else _evaluate(pieces)


def _pieces(lang: Language) -> dict[str, int]:
    small = {**lang.digits, **lang.teens, **lang.tens, **lang.compounds}
    small.update({w: 1 for w in lang.not_numbers})  # "ein" in "einhundert", "een" in "eenduizend"
    return {**small, **dict.fromkeys(lang.hundred, 100), **dict.fromkeys(lang.thousand, 1000)}


def _split(lang: Language, text: str) -> list[tuple[str, int]] | None:
    """`text` as the fewest number words (longest first), or None when it is not made of them."""
    pieces = _pieces_cache(lang)
    best: list[list[tuple[str, int]] | None] = [None] * (len(text) + 1)
    best[0] = []
    for start in range(len(text)):
        if best[start] is None:
            continue
        for end in range(len(text), start, -1):
            word = text[start:end]
            if word in pieces:
                candidate = best[start] + [(word, pieces[word])]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[len(text)]


_pieces_cache = functools.lru_cache(maxsize=8)(_pieces)


def _evaluate(pieces: list[tuple[str, int]]) -> int | None:
    """Read number words: [a] hundert [b], [x] tausend [y], or two 10-99 words as a year
    ("negentien" + "vijfenzeventig" = 1975). Anything else is not a number."""
    values = [v for _, v in pieces]
    if len(values) == 2 and all(10 <= v <= 99 for v in values):
        return values[0] * 100 + values[1]
    total, current, last = 0, 0, None
    for value in values:
        if value == 1000:
            if total:
                return None
            total, current, last = (current or 1) * 1000, 0, "thousand"
        elif value == 100:
            if current >= 100 or last == "hundred":
                return None
            current, last = (current or 1) * 100, "hundred"
        else:
            if last == "small":
                return None  # two small numbers side by side: not one number
            current, last = current + value, "small"
    return total + current


def _compounds(units: dict[str, int], tens: dict[str, int], link: str) -> dict[str, int]:
    return {f"{unit}{link}{ten}": u + t for unit, u in units.items() if 1 <= u <= 9
            for ten, t in tens.items()}


def _inflect(stems: dict[str, int], endings: Iterable[str]) -> dict[str, int]:
    return {stem + ending: value for stem, value in stems.items() for ending in endings}


# --- English -------------------------------------------------------------------------------

_EN_DIGITS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "nil": 0, "one": 1, "two": 2, "three": 3,
              "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
ENGLISH = Language(
    "en", "English",
    digits=_EN_DIGITS,
    teens={"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
           "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19},
    tens={"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
          "eighty": 80, "ninety": 90},
    ordinals={"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
              "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
              "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
              "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30},
    months={"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
            "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
            "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
            "nov": 11, "december": 12, "dec": 12},
    birth_cues=frozenset({"born", "birth", "birthday", "birthdate", "dob"}),
    record_cues=frozenset({"record", "records", "mrn", "chart", "id", "bsn", "nhs", "insurance",
                           "registration", "dossier", "hospital", "file", "case", "client", "patient"}),
    phone_cues=frozenset({"phone", "telephone", "mobile", "cell", "cellphone", "call", "ring", "fax",
                          "dial", "reach", "contact", "whatsapp"}),
    number_cues=frozenset({"number"}),
    units=frozenset("""steps step meters metres meter metre m km kilometres kilometers miles seconds
second minutes minute hours hour days weeks months years year old kg kilos kilograms grams g cm mm
percent degrees euros euro dollars pounds calories kcal times reps repetitions watts newtons rpm
bpm hz mph""".split()),
    inside_only=frozenset({"oh", "o"}),
    thousand=frozenset({"thousand"}),
    multipliers={"double": 2, "triple": 3},
    homophones={"to": "2", "too": "2", "for": "4"},
    tens_then_unit=True, day_article="the", day_month_link="of", and_word="and",
)

# --- Dutch ---------------------------------------------------------------------------------

_NL_DIGITS = {"nul": 0, "een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
              "acht": 8, "negen": 9}
_NL_TEENS = {"tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
             "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19}
_NL_TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70,
            "tachtig": 80, "negentig": 90}
_NL_COMPOUNDS = _compounds(_NL_DIGITS, _NL_TENS, "en")  # "vijfenzeventig"; folded "tweeëntwintig"
_NL_ORDINAL_STEMS = {"eerste": 1, "tweede": 2, "derde": 3, "achtste": 8,
                     **{w + "de": v for w, v in {**_NL_DIGITS, **_NL_TEENS}.items() if v not in (0, 1, 2, 3, 8)},
                     **{w + "ste": v for w, v in {**_NL_TENS, **_NL_COMPOUNDS}.items() if v <= 31}}
DUTCH = Language(
    "nl", "Dutch",
    digits=_NL_DIGITS, teens=_NL_TEENS, tens=_NL_TENS, compounds=_NL_COMPOUNDS,
    ordinals=_NL_ORDINAL_STEMS,
    months={"januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4,
            "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
            "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
            "nov": 11, "december": 12, "dec": 12},
    birth_cues=frozenset({"geboren", "geb", "geboortedatum", "geboortedag", "verjaardag", "jarig"}),
    record_cues=frozenset({"dossier", "dossiers", "id", "bsn", "patient", "patienten", "client",
                           "status", "verzekering", "registratie", "ziekenhuis", "kaart"}),
    phone_cues=frozenset({"telefoon", "mobiel", "mobieltje", "bel", "bellen", "belt", "gebeld",
                          "opbellen", "fax", "whatsapp", "bereikbaar", "06"}),
    number_cues=frozenset({"nummer", "nr"}),
    cue_parts={"birth": ("geboorte",), "phone": ("telefoon", "mobiel"),
               "record": ("dossier", "patient", "burgerservice", "verzeker", "polis", "registratie"),
               "number": ("nummer",)},
    units=frozenset("""stappen stap meter meters m km kilometer kilometers seconden seconde minuten
minuut uur uren dagen dag weken week maanden maand jaar jaren oud kilo kg gram cm mm centimeter
procent graden euro keer maal herhalingen calorieen kcal watt newton""".split()),
    inside_only=frozenset({"een"}), not_numbers=frozenset({"een"}),
    hundred=frozenset({"honderd"}), thousand=frozenset({"duizend"}),
)

# --- German --------------------------------------------------------------------------------

_DE_DIGITS = {"null": 0, "eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6,
              "sieben": 7, "acht": 8, "neun": 9}
_DE_TEENS = {"zehn": 10, "elf": 11, "zwolf": 12, "dreizehn": 13, "vierzehn": 14, "funfzehn": 15,
             "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19}
_DE_TENS = {"zwanzig": 20, "dreissig": 30, "vierzig": 40, "funfzig": 50, "sechzig": 60, "siebzig": 70,
            "achtzig": 80, "neunzig": 90}
_DE_COMPOUNDS = _compounds({**{k: v for k, v in _DE_DIGITS.items() if k not in ("eins", "zwo")}, "ein": 1},
                           _DE_TENS, "und")  # "einundzwanzig", "fünfundsiebzig"
_DE_ORDINAL_STEMS = {"erst": 1, "dritt": 3, "siebt": 7, "siebent": 7, "acht": 8,
                     **{w + "t": v for w, v in {**_DE_DIGITS, **_DE_TEENS}.items() if v not in (0, 1, 3, 7, 8)},
                     **{w + "st": v for w, v in {**_DE_TENS, **_DE_COMPOUNDS}.items() if v <= 31}}
GERMAN = Language(
    "de", "German",
    digits=_DE_DIGITS, teens=_DE_TEENS, tens=_DE_TENS, compounds=_DE_COMPOUNDS,
    ordinals=_inflect(_DE_ORDINAL_STEMS, ("e", "en", "er", "es", "em")),
    months={"januar": 1, "janner": 1, "jan": 1, "februar": 2, "feb": 2, "marz": 3, "april": 4,
            "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
            "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
            "nov": 11, "dezember": 12, "dez": 12},
    birth_cues=frozenset({"geboren", "geb", "geburtstag", "geburtsdatum", "jahrgang"}),
    record_cues=frozenset({"akte", "akten", "id", "patient", "patienten", "patientin", "fall",
                           "versicherung", "kennung", "dossier", "kartei", "krankenhaus", "klinik"}),
    phone_cues=frozenset({"telefon", "handy", "mobil", "anrufen", "rufen", "ruf", "ruft", "erreichen",
                          "erreichbar", "fax", "whatsapp"}),
    number_cues=frozenset({"nummer", "nr"}),
    cue_parts={"birth": ("geburt",), "phone": ("telefon", "handy", "mobil", "anruf"),
               "record": ("akten", "patient", "versicher", "fallnummer", "kennnummer", "dossier"),
               "number": ("nummer",)},
    units=frozenset("""schritte schritt schritten meter metern m km kilometer sekunden sekunde
minuten minute stunden stunde tage tagen tag wochen woche monate monaten monat jahre jahren jahr
alt kilo kg gramm cm mm zentimeter prozent grad euro mal wiederholungen kalorien kcal watt
newton""".split()),
    not_numbers=frozenset({"ein", "eine", "einen", "einem", "einer", "eines"}),
    hundred=frozenset({"hundert"}), thousand=frozenset({"tausend"}),
)

LANGUAGES = {lang.code: lang for lang in (ENGLISH, DUTCH, GERMAN)}


def language_for(code: str | None) -> list[Language]:
    """The tables to read a transcript in language `code` with ("en", "nl-NL"); every table
    when the language is not known; BadInputError for a language without tables."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    if not base:
        return list(LANGUAGES.values())
    if base in LANGUAGES:
        return [LANGUAGES[base]]
    names = ", ".join(f"{lang.name} ({lang.code})" for lang in LANGUAGES.values())
    raise BadInputError(
        f"vidkit finds spoken phone numbers, dates of birth and record numbers only in {names}, and "
        f"this transcript's language is {base!r}, so it stops rather than hide the names and leave "
        f"those numbers in. If the session is in one of those languages, transcribe again with "
        f"--language {'/'.join(LANGUAGES)}; otherwise redact this recording by hand"
    )
