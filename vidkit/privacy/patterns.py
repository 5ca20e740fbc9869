"""Identifying numbers in speech: phone numbers, dates of birth and record numbers.

ASR writes numbers as digits ("0612345678", "06-12345678") or as words ("zero six one two",
"double five", "nineteen fifty-seven"); both are read. What is found:

- **dates of birth**: a full date (day, month and year: "12 March 1957", "the twelfth of
  March nineteen fifty-seven", "12/03/1957"), or a partial one ("March 1957", "born in
  1957") after a birth cue (born, birth, birthday, DOB) in the 8 words before;
- **record numbers**: digits (3+) or a letters-and-digits code after a record cue (record,
  MRN, patient/hospital/file/case number, ID, chart, BSN, NHS, insurance); without a cue,
  any run of 5+ digits that is not a quantity ("10,000 steps", "12000 steps"), a phone
  number or counting ("one, two, three, four, five");
- **phone numbers**: 6+ digits after a phone cue (phone, mobile, call, ...); without a cue,
  10+ digits, or 9+ starting with 0 or +.

Full dates are taken to be dates of birth: a false positive costs a date in the captions, a
miss leaks a patient identifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vidkit.privacy.names import fold

CUE_WINDOW = 6  # words before a number searched for a cue
BIRTH_CUE_WINDOW = 8

DIGIT_WORDS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "nil": 0, "one": 1, "two": 2, "three": 3,
               "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
            "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
            "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
MONTHS = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
          "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
          "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
          "nov": 11, "december": 12, "dec": 12}
MULTIPLIERS = {"double": 2, "triple": 3}
CONNECTORS = frozenset({"dash", "hyphen", "-", "plus"})

BIRTH_CUES = frozenset({"born", "birth", "birthday", "birthdate", "dob"})
RECORD_CUES = frozenset({"record", "records", "mrn", "chart", "id", "bsn", "nhs", "insurance",
                         "registration", "dossier", "hospital", "file", "case", "client",
                         "patient"})
PHONE_CUES = frozenset({"phone", "telephone", "mobile", "cell", "cellphone", "call", "ring",
                        "fax", "dial", "reach", "contact", "whatsapp"})
UNITS = frozenset("""steps step meters metres meter metre m km kilometres kilometers miles
seconds second minutes minute hours hour days weeks months years year old kg kilos kilograms
grams g cm mm percent degrees euros euro dollars pounds calories kcal times reps repetitions
watts newtons rpm bpm hz mph""".split())

_NUMERAL = re.compile(r"^\+?\(?\d[\d\-./()]*$")
_CODE = re.compile(r"^(?=(?:.*\d){3})[a-z0-9][a-z0-9\-/]*$")
_DAY = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?$")
_ISO_DATE = re.compile(r"^(19|20)\d\d-(\d\d)-(\d\d)$")
_OUTER = "\"'“”‘’«»()[]{}.,;:!?…"


@dataclass(frozen=True)
class _Token:
    text: str  # folded, outer punctuation removed
    word: int  # index of the transcript word it came from


def _tokens(words: Sequence[str]) -> list[_Token]:
    tokens = []
    for index, word in enumerate(words):
        text = fold(word).strip(_OUTER)
        if text.startswith("(+"):
            text = text[1:]
        # Spoken compounds ("fifty-seven", "thirty-first") become two tokens; "06-1234" stays one.
        pieces = text.split("-") if re.search(r"[a-z]", text) and not re.search(r"\d", text) else [text]
        tokens.extend(_Token(piece.strip(_OUTER), index) for piece in pieces if piece.strip(_OUTER))
    return tokens


def find_patterns(words: Sequence[str]) -> list[tuple[int, int, str]]:
    """Spans `(first_word, last_word + 1, kind)` of dates of birth, phone and record numbers
    among `words` (texts as transcribed), in order."""
    tokens = _tokens(words)
    spans: list[tuple[int, int, str]] = []
    used = [False] * len(tokens)
    for start, end in _dates(tokens):
        spans.append((start, end, "date_of_birth"))
        used[start:end] = [True] * (end - start)
    for start, end, kind in _number_runs(tokens, used):
        spans.append((start, end, kind))
    return sorted((tokens[s].word, tokens[e - 1].word + 1, kind) for s, e, kind in spans)


# --- dates -----------------------------------------------------------------------------------

def _dates(tokens: Sequence[_Token]) -> list[tuple[int, int]]:
    found = []
    index = 0
    while index < len(tokens):
        match = _date_at(tokens, index)
        if match is None:
            index += 1
            continue
        end, full = match
        if full or _cue_before(tokens, index, BIRTH_CUES, BIRTH_CUE_WINDOW):
            found.append((index, end))
            index = end
        else:
            index += 1
    return found


def _date_at(tokens: Sequence[_Token], i: int) -> tuple[int, bool] | None:
    """(end, has day+month+year) for a date starting at token i, else None."""
    text = tokens[i].text
    numeric = _NUMERIC_DATE.match(text)
    if numeric and _valid_day_month(int(numeric[1]), int(numeric[2])):
        return i + 1, numeric[3] is not None
    if _ISO_DATE.match(text):
        return i + 1, True
    day = _day(tokens, i + 1 if text == "the" else i)
    if day is not None:  # [the] DAY [of] MONTH [YEAR]
        k = day[1] + (_text(tokens, day[1]) == "of")
        if _text(tokens, k) in MONTHS:
            year = _year(tokens, k + 1)
            return (year[1], True) if year else (k + 1, False)
    if text in MONTHS:  # MONTH [the] DAY [YEAR] | MONTH YEAR
        k = i + 1
        if _text(tokens, k) == "the":
            k += 1
        day = _day(tokens, k)
        if day is not None:
            year = _year(tokens, day[1])
            return (year[1], True) if year else (day[1], False)
        year = _year(tokens, i + 1)
        return (year[1], False) if year else None
    year = _year(tokens, i)  # a year alone counts only after a birth cue
    return (year[1], False) if year else None


def _valid_day_month(a: int, b: int) -> bool:
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


def _text(tokens: Sequence[_Token], k: int) -> str:
    return tokens[k].text if 0 <= k < len(tokens) else ""


def _day(tokens: Sequence[_Token], k: int) -> tuple[int, int] | None:
    """(day 1-31, next index) for a day written as 12, 12th, twelfth, twelve, twenty-first."""
    text = _text(tokens, k)
    numeral = _DAY.match(text)
    if numeral:
        value = int(numeral[1])
        return (value, k + 1) if 1 <= value <= 31 else None
    if text in ("twenty", "thirty"):
        unit = _text(tokens, k + 1)
        extra = ORDINALS.get(unit) or DIGIT_WORDS.get(unit)
        if extra and extra <= 9 and TENS[text] + extra <= 31:
            return TENS[text] + extra, k + 2
        return TENS[text], k + 1
    value = ORDINALS.get(text) or TEENS.get(text) or DIGIT_WORDS.get(text)
    return (value, k + 1) if value else None


def _year(tokens: Sequence[_Token], k: int) -> tuple[int, int] | None:
    """(year, next index) for 1957, "nineteen fifty-seven", "two thousand and three"."""
    text = _text(tokens, k)
    if re.fullmatch(r"(19|20)\d\d", text):
        return int(text), k + 1
    if text in ("nineteen", "twenty"):
        rest = _two_digits(tokens, k + 1)
        if rest is not None:
            return (1900 if text == "nineteen" else 2000) + rest[0], rest[1]
    if text == "two" and _text(tokens, k + 1) == "thousand":
        k += 2
        if _text(tokens, k) == "and":
            k += 1
        rest = _two_digits(tokens, k)
        return (2000 + rest[0], rest[1]) if rest else (2000, k)
    return None


def _two_digits(tokens: Sequence[_Token], k: int) -> tuple[int, int] | None:
    """(0-99, next index) for "fifty seven", "oh five", "twelve", "ten"."""
    text = _text(tokens, k)
    if text in TEENS:
        return TEENS[text], k + 1
    if text in TENS:
        unit = DIGIT_WORDS.get(_text(tokens, k + 1))
        return (TENS[text] + unit, k + 2) if unit else (TENS[text], k + 1)
    if text in ("oh", "o") and 1 <= DIGIT_WORDS.get(_text(tokens, k + 1), 0) <= 9:
        return DIGIT_WORDS[_text(tokens, k + 1)], k + 2
    return None


# --- phone and record numbers ----------------------------------------------------------------

def _number_runs(tokens: Sequence[_Token], used: Sequence[bool]) -> list[tuple[int, int, str]]:
    found = []
    index = 0
    while index < len(tokens):
        run = None if used[index] else _run_at(tokens, index, used)
        if run is None:
            index += 1
            continue
        end, digits, spoken, code = run
        kind = _classify(tokens, index, end, digits, spoken, code)
        if kind != "phone":
            # ASR writes a spoken "two" or "four" inside a phone number as "to"/"for" ("call
            # 061 to 345678"): read them as digits, but only when that makes a phone number,
            # so "sets of 12 to 15" stays as said.
            longer = _run_at(tokens, index, used, homophones=True)
            if longer is not None and longer[0] > end and \
                    _classify(tokens, index, longer[0], *longer[1:]) == "phone":
                end, kind = longer[0], "phone"
        if kind:
            found.append((index, end, kind))
        index = end
    return found


# Words ASR writes for a spoken digit inside a number.
HOMOPHONES = {"to": "2", "too": "2", "for": "4"}


def _run_at(tokens: Sequence[_Token], i: int, used: Sequence[bool],
            homophones: bool = False) -> tuple[int, str, bool, bool] | None:
    """(end, digits, all spoken as words, holds a letters+digits code) of a number run at i;
    with `homophones`, "to"/"for" between two numbers are digits."""
    digits, spoken, code = "", True, False
    k = i
    if _text(tokens, k) == "plus":
        digits, k = "+", k + 1
    while k < len(tokens) and not used[k]:
        value = _number_value(tokens, k, first=not digits.strip("+"))
        if value is None:
            if _text(tokens, k) in CONNECTORS and digits and _number_value(tokens, k + 1, first=False):
                k += 1
                continue
            if homophones and digits and _text(tokens, k) in HOMOPHONES and \
                    _number_value(tokens, k + 1, first=False):
                digits += HOMOPHONES[_text(tokens, k)]
                k += 1
                continue
            break
        part, k, is_word, is_code = value
        digits += part
        spoken = spoken and is_word
        code = code or is_code
    if not digits.strip("+"):
        return None
    return k, digits, spoken, code


def _number_value(tokens: Sequence[_Token], k: int, first: bool) -> tuple[str, int, bool, bool] | None:
    """(digits, next index, spoken as words, is a code) for one number token, else None."""
    text = _text(tokens, k)
    if not text:
        return None
    if _NUMERAL.match(text):
        return re.sub(r"\D", "", text) or None, k + 1, False, False
    if _CODE.match(text) and re.search(r"[a-z]", text):
        return re.sub(r"\D", "", text), k + 1, False, True
    if text in ("oh", "o") and first and _text(tokens, k + 1) not in DIGIT_WORDS:
        return None  # "oh" is a zero only inside a run of digits
    if text in DIGIT_WORDS:
        return str(DIGIT_WORDS[text]), k + 1, True, False
    if text in TEENS:
        return str(TEENS[text]), k + 1, True, False
    if text in TENS:
        unit = DIGIT_WORDS.get(_text(tokens, k + 1))
        if unit:
            return str(TENS[text] + unit), k + 2, True, False
        return str(TENS[text]), k + 1, True, False
    if text in MULTIPLIERS and _text(tokens, k + 1) in DIGIT_WORDS:
        return str(DIGIT_WORDS[_text(tokens, k + 1)]) * MULTIPLIERS[text], k + 2, True, False
    return None


def _classify(tokens: Sequence[_Token], start: int, end: int, digits: str,
              spoken: bool, code: bool) -> str | None:
    count = len(digits.lstrip("+"))
    if _text(tokens, end) in UNITS:
        return None  # a quantity: "12000 steps", "104 years"
    before = {t.text for t in tokens[max(0, start - CUE_WINDOW):start]}
    if before & RECORD_CUES and (count >= 3 or code):
        return "record_number"
    if before & BIRTH_CUES and count >= 4:
        return "date_of_birth"
    if before & PHONE_CUES and count >= 6:
        return "phone"
    if "number" in before and count >= 3:
        return "phone" if count >= 9 else "record_number"
    if spoken and _is_counting(digits):
        return None
    if count >= 10 or (count >= 9 and digits[0] in "0+"):
        return "phone"
    if count >= 5:
        return "record_number"
    return None


def _cue_before(tokens: Sequence[_Token], start: int, cues: frozenset[str], window: int) -> bool:
    return any(t.text in cues for t in tokens[max(0, start - window):start])


def _is_counting(digits: str) -> bool:
    # "one two three four five", "five four three two one", "one two, one two": steps of
    # one up or down, or back to one.
    values = [int(d) for d in digits if d.isdigit()]
    return all(b - a in (1, -1) or b == 1 for a, b in zip(values, values[1:]))
