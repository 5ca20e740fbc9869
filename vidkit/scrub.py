"""Secrets out of text that is about to be printed: OAuth tokens, authorization codes, client
secrets and Authorization headers, as libraries log them with --debug (requests-oauthlib logs
the whole token exchange) or quote them in an exception's message.

Each secret becomes `[secret]`; the key or header name stays, so a debug log still says what
was sent. Recognised: `Authorization: Bearer|Basic ...` (also as a dict/JSON entry), the keys
in KEYS as `key=value` (query string, form body), `'key': 'value'` (a dict's repr) or
`"key": "value"` (JSON), and Google's token shapes anywhere: `ya29.` access tokens, `1//`
refresh tokens, `GOCSPX-` client secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SECRET = "[secret]"
# Longest first, so that `code_verifier` is not read as `code`.
KEYS = ("access_token", "refresh_token", "id_token", "client_secret", "code_verifier", "code", "token",
        "password")
_KEYS = "|".join(KEYS)
_NOT_DONE = r"(?!\[secret\])"  # scrubbing twice changes nothing
_FLAGS = re.IGNORECASE | re.DOTALL
_END = r"""(?:[\s&'",;)}\]#]|$)"""  # where a bare value ends

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # A header, alone or in a dict: `Authorization: Bearer x`, `'authorization': 'Basic x'`.
    (re.compile(rf"""(\bauthorization['"]?\s*[:=]\s*['"]?){_NOT_DONE}(?:(?:bearer|basic|digest|token|oauth)\s+)?"""
                r"""[^\s'",;&)}\]]+""", _FLAGS), rf"\1{SECRET}"),
    # JSON or a dict's repr: `"code": "x"`, `'access_token': 'x'` (a number stays: `"code": 400`).
    (re.compile(rf"""(['"](?:{_KEYS})['"]\s*:\s*)(['"])((?:\\.|(?!\2)[^\\])*)\2""", _FLAGS),
     rf"\1\2{SECRET}\2"),
    # A query string, form body or keyword: `code=x&`, `token='x'` (not `error_code=`, nor `code=400`).
    (re.compile(rf"""(?<![\w-])({_KEYS})=(['"]?){_NOT_DONE}(?!\d+{_END})[^\s&'",;)}}\]#]+""", _FLAGS),
     rf"\1=\2{SECRET}"),
    # `access_token: x` in free text (not `code: 2`, which is an exit or status code).
    (re.compile(r"""(?<![\w-])(access_token|refresh_token|id_token|client_secret|code_verifier)(\s*:\s*)"""
                rf"""{_NOT_DONE}(?!['"])[^\s,;&)}}\]]+""", _FLAGS), rf"\1\2{SECRET}"),
    # The bare tokens, wherever they are.
    (re.compile(r"""\bbearer\s+[^\s'",;)}\]]+""", _FLAGS), SECRET),
    (re.compile(r"""\bbasic\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}""", _FLAGS), SECRET),
    (re.compile(r"""\bya29\.[\w.~+/=-]+"""), SECRET),
    (re.compile(r"""(?<!\w)1//[\w.~+/=-]{8,}"""), SECRET),
    (re.compile(r"""\bGOCSPX-[\w-]+"""), SECRET),
]


def one_line(error: object, hide: Iterable[str] = (), limit: int = 500, hidden: str = "<hidden>") -> str:
    """`error` as one line for a record or a note: whitespace collapsed, each text of `hide`
    (file names, roster names) replaced by `hidden` whatever its case, secrets scrubbed, cut to
    `limit` characters."""
    text = " ".join(str(error).split()) or type(error).__name__
    for word in sorted({h for h in hide if h}, key=len, reverse=True):
        text = re.sub(re.escape(word), hidden, text, flags=re.IGNORECASE)
    text = scrub_secrets(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def roster_words(roster) -> list[str]:
    """A roster's names and their parts of 3 letters and more: what no log line, error or
    stored line may hold."""
    return [part for person in roster.people for name in person.names
            for part in [name, *name.split()] if len(part) >= 3]


def scrub_secrets(text: str) -> str:
    """`text` with every secret it holds replaced by `[secret]`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
