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

Words are read with the tables of the transcript's language (`number_words`: English, Dutch,
German; "geboren am dritten Mai neunzehnhundertfünfundsiebzig", "bel nul zes twaalf ...");
a transcript in another language is refused (BadInputError), never passed through unread.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vidkit.privacy.names import fold
from vidkit.privacy.number_words import Language, language_for

CUE_WINDOW = 6  # words before a number searched for a cue
BIRTH_CUE_WINDOW = 8
CONNECTORS = frozenset({"dash", "hyphen", "-", "plus", "strich", "streepje"})

_NUMERAL = re.compile(r"^\+?\(?\d[\d\-./()]*$")
_CODE = re.compile(r"^(?=(?:.*\d){3})[a-z0-9][a-z0-9\-/]*$")
_DAY = re.compile(r"^(\d{1,2})(st|nd|rd|th|e|de|ste)?$")  # 3rd, 3e, 3de; German "3." is "3"
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


def find_patterns(words: Sequence[str], language: str | None = "en") -> list[tuple[int, int, str]]:
    """Spans `(first_word, last_word + 1, kind)` of dates of birth, phone and record numbers
    among `words` (texts as transcribed, in `language`: a code such as "nl"; None or "" reads
    with every table), in order. BadInputError for a language without tables."""
    spans: set[tuple[int, int, str]] = set()
    for lang in language_for(language):
        spans.update(_find(words, lang))
    return sorted(spans)


def check_language(language: str | None) -> None:
    """BadInputError, before any work, when identifying numbers cannot be read in `language`."""
    language_for(language)


def _find(words: Sequence[str], lang: Language) -> list[tuple[int, int, str]]:
    tokens = _tokens(words)
    spans: list[tuple[int, int, str]] = []
    used = [False] * len(tokens)
    for start, end in _dates(tokens, lang):
        spans.append((start, end, "date_of_birth"))
        used[start:end] = [True] * (end - start)
    for start, end, kind in _number_runs(tokens, used, lang):
        spans.append((start, end, kind))
    return [(tokens[s].word, tokens[e - 1].word + 1, kind) for s, e, kind in spans]


# --- dates -----------------------------------------------------------------------------------

def _dates(tokens: Sequence[_Token], lang: Language) -> list[tuple[int, int]]:
    found = []
    index = 0
    while index < len(tokens):
        match = _date_at(tokens, index, lang)
        if match is None:
            index += 1
            continue
        end, full = match
        if full or _cue_before(tokens, index, lang, "birth", BIRTH_CUE_WINDOW):
            found.append((index, end))
            index = end
        else:
            index += 1
    return found


def _date_at(tokens: Sequence[_Token], i: int, lang: Language) -> tuple[int, bool] | None:
    """(end, has day+month+year) for a date starting at token i, else None."""
    text = tokens[i].text
    numeric = _NUMERIC_DATE.match(text)
    if numeric and _valid_day_month(int(numeric[1]), int(numeric[2])):
        return i + 1, numeric[3] is not None
    if _ISO_DATE.match(text):
        return i + 1, True
    article = bool(lang.day_article) and text == lang.day_article
    day = _day(tokens, i + 1 if article else i, lang)
    if day is not None:  # [the] DAY [of] MONTH [YEAR]
        k = day[1] + (bool(lang.day_month_link) and _text(tokens, day[1]) == lang.day_month_link)
        if _text(tokens, k) in lang.months:
            year = _year(tokens, k + 1, lang)
            return (year[1], True) if year else (k + 1, False)
    if text in lang.months:  # MONTH [the] DAY [YEAR] | MONTH YEAR
        k = i + 1
        if lang.day_article and _text(tokens, k) == lang.day_article:
            k += 1
        day = _day(tokens, k, lang)
        if day is not None:
            year = _year(tokens, day[1], lang)
            return (year[1], True) if year else (day[1], False)
        year = _year(tokens, i + 1, lang)
        return (year[1], False) if year else None
    year = _year(tokens, i, lang)  # a year alone counts only after a birth cue
    return (year[1], False) if year else None


def _valid_day_month(a: int, b: int) -> bool:
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


def _text(tokens: Sequence[_Token], k: int) -> str:
    return tokens[k].text if 0 <= k < len(tokens) else ""


def _day(tokens: Sequence[_Token], k: int, lang: Language) -> tuple[int, int] | None:
    """(day 1-31, next index) for a day written as 12, 12th, twelfth, twelve, twenty-first,
    dritten, derde, drie, einundzwanzigsten."""
    text = _text(tokens, k)
    numeral = _DAY.match(text)
    if numeral:
        value = int(numeral[1])
        return (value, k + 1) if 1 <= value <= 31 else None
    if lang.tens_then_unit and lang.tens.get(text) in (20, 30):  # "twenty first"
        unit = _text(tokens, k + 1)
        extra = lang.ordinals.get(unit) or lang.digits.get(unit)
        if extra and extra <= 9 and lang.tens[text] + extra <= 31:
            return lang.tens[text] + extra, k + 2
        return lang.tens[text], k + 1
    value = lang.ordinals.get(text) or lang.cardinal(text) or lang.digits.get(text)
    return (value, k + 1) if value and value <= 31 else None


def _year(tokens: Sequence[_Token], k: int, lang: Language) -> tuple[int, int] | None:
    """(year, next index) for 1957, "nineteen fifty-seven", "two thousand and three",
    "neunzehnhundertfünfundsiebzig", "negentien vijfenzeventig", "tweeduizend drie"."""
    text = _text(tokens, k)
    if re.fullmatch(r"(19|20)\d\d", text):
        return int(text), k + 1
    value = lang.cardinal(text) or lang.teens.get(text) or lang.tens.get(text)
    if value is not None and 1900 <= value <= 2099:
        if value % 100 == 0:  # "neunzehnhundert fünfundsiebzig", "tweeduizend drie"
            k += 1 + (bool(lang.and_word) and _text(tokens, k + 1) == lang.and_word)
            rest = _two_digits(tokens, k, lang) or _one_digit(tokens, k, lang)
            return (value + rest[0], rest[1]) if rest else (value, k)
        return value, k + 1
    if value in (19, 20):  # "nineteen fifty-seven", "negentien vijfenzeventig", "twenty twenty"
        rest = _two_digits(tokens, k + 1, lang)
        if rest is not None:
            return value * 100 + rest[0], rest[1]
    if lang.digits.get(text) == 2 and _text(tokens, k + 1) in lang.thousand:  # "two thousand"
        k += 2
        if lang.and_word and _text(tokens, k) == lang.and_word:
            k += 1
        rest = _two_digits(tokens, k, lang) or _one_digit(tokens, k, lang)
        return (2000 + rest[0], rest[1]) if rest else (2000, k)
    return None


def _two_digits(tokens: Sequence[_Token], k: int, lang: Language) -> tuple[int, int] | None:
    """(0-99, next index) for "fifty seven", "oh five", "twelve", "ten", "vijfenzeventig"."""
    text = _text(tokens, k)
    if text in lang.teens:
        return lang.teens[text], k + 1
    if text in lang.tens:
        unit = lang.digits.get(_text(tokens, k + 1)) if lang.tens_then_unit else None
        return (lang.tens[text] + unit, k + 2) if unit else (lang.tens[text], k + 1)
    if text in lang.compounds:
        return lang.compounds[text], k + 1
    if text in lang.inside_only and lang.digits[text] == 0 and 1 <= lang.digits.get(_text(tokens, k + 1), 0) <= 9:
        return lang.digits[_text(tokens, k + 1)], k + 2  # "oh five"
    return None


def _one_digit(tokens: Sequence[_Token], k: int, lang: Language) -> tuple[int, int] | None:
    value = lang.digits.get(_text(tokens, k))
    return (value, k + 1) if value and _text(tokens, k) not in lang.inside_only else None


# --- phone and record numbers ----------------------------------------------------------------

def _number_runs(tokens: Sequence[_Token], used: Sequence[bool], lang: Language) -> list[tuple[int, int, str]]:
    found = []
    index = 0
    while index < len(tokens):
        run = None if used[index] else _run_at(tokens, index, used, lang)
        if run is None:
            index += 1
            continue
        end, digits, spoken, code = run
        kind = _classify(tokens, index, end, digits, spoken, code, lang)
        if kind != "phone" and lang.homophones:
            # ASR writes a spoken "two" or "four" inside a phone number as "to"/"for" ("call
            # 061 to 345678"): read them as digits, but only when that makes a phone number,
            # so "sets of 12 to 15" stays as said.
            longer = _run_at(tokens, index, used, lang, homophones=True)
            if longer is not None and longer[0] > end and \
                    _classify(tokens, index, longer[0], *longer[1:], lang) == "phone":
                end, kind = longer[0], "phone"
        if kind:
            found.append((index, end, kind))
        index = end
    return found


def _run_at(tokens: Sequence[_Token], i: int, used: Sequence[bool], lang: Language,
            homophones: bool = False) -> tuple[int, str, bool, bool] | None:
    """(end, digits, all spoken as words, holds a letters+digits code) of a number run at i;
    with `homophones`, "to"/"for" between two numbers are digits."""
    digits, spoken, code = "", True, False
    k = i
    if _text(tokens, k) == "plus":
        digits, k = "+", k + 1
    while k < len(tokens) and not used[k]:
        value = _number_value(tokens, k, not digits.strip("+"), lang)
        if value is None:
            if _text(tokens, k) in CONNECTORS and digits and _number_value(tokens, k + 1, False, lang):
                k += 1
                continue
            if homophones and digits and _text(tokens, k) in lang.homophones and \
                    _number_value(tokens, k + 1, False, lang):
                digits += lang.homophones[_text(tokens, k)]
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


def _number_value(tokens: Sequence[_Token], k: int, first: bool,
                  lang: Language) -> tuple[str, int, bool, bool] | None:
    """(digits, next index, spoken as words, is a code) for one number token, else None."""
    text = _text(tokens, k)
    if not text:
        return None
    if _NUMERAL.match(text):
        return re.sub(r"\D", "", text) or None, k + 1, False, False
    if _CODE.match(text) and re.search(r"[a-z]", text):
        return re.sub(r"\D", "", text), k + 1, False, True
    if text in lang.inside_only and first and _text(tokens, k + 1) not in lang.digits:
        return None  # "oh" (a zero) and Dutch "een" (a one) count only inside a run of digits
    if text in lang.digits:
        return str(lang.digits[text]), k + 1, True, False
    if text in lang.tens and lang.tens_then_unit:
        unit = lang.digits.get(_text(tokens, k + 1))
        if unit:
            return str(lang.tens[text] + unit), k + 2, True, False
    if text in lang.multipliers and _text(tokens, k + 1) in lang.digits:
        return str(lang.digits[_text(tokens, k + 1)]) * lang.multipliers[text], k + 2, True, False
    value = lang.teens.get(text) or lang.tens.get(text) or lang.cardinal(text)
    return (str(value), k + 1, True, False) if value is not None else None


def _classify(tokens: Sequence[_Token], start: int, end: int, digits: str,
              spoken: bool, code: bool, lang: Language) -> str | None:
    count = len(digits.lstrip("+"))
    if _text(tokens, end) in lang.units:
        return None  # a quantity: "12000 steps", "104 years"
    if _cue_before(tokens, start, lang, "record") and (count >= 3 or code):
        return "record_number"
    if _cue_before(tokens, start, lang, "birth") and count >= 4:
        return "date_of_birth"
    if _cue_before(tokens, start, lang, "phone") and count >= 6:
        return "phone"
    if _cue_before(tokens, start, lang, "number") and count >= 3:
        return "phone" if count >= 9 else "record_number"
    if spoken and _is_counting(digits):
        return None
    if count >= 10 or (count >= 9 and digits[0] in "0+"):
        return "phone"
    if count >= 5:
        return "record_number"
    return None


def _cue_before(tokens: Sequence[_Token], start: int, lang: Language, kind: str,
                window: int = CUE_WINDOW) -> bool:
    return any(lang.has_cue(t.text, kind) for t in tokens[max(0, start - window):start])


def _is_counting(digits: str) -> bool:
    # "one two three four five", "five four three two one", "one two, one two": steps of
    # one up or down, or back to one.
    values = [int(d) for d in digits if d.isdigit()]
    return all(b - a in (1, -1) or b == 1 for a, b in zip(values, values[1:]))
