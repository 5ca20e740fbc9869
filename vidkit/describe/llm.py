"""An optional title and summary from an OpenAI-compatible chat endpoint (e.g. a local model
server), for `vidkit describe --llm URL`.

The caller passes text that is already redacted (`vidkit.describe.describe` runs the roster
and number redaction first): nothing else leaves the machine. Any failure raises LlmError,
whose message never holds the transcript; the caller falls back to the extractive summary.
The network sits behind `urllib.request`'s opener, so tests drive it against a local server.

Where the text may go:
- https only; plain http only to this machine (localhost, 127.0.0.0/8, ::1), where nothing
  crosses a network;
- a redirect is followed only on the same scheme, host and port, and only a 307/308 (which
  keeps the POST and its body; a 301/302/303 would turn it into an empty GET). The API key
  is never sent after a redirect, not even to the same server: a hosted endpoint that moved
  answers 401 and the user gives its new address. A redirect elsewhere is an LlmError;
- the reply is redacted again (`redact_proposal`): a model may echo or invent a name or a
  number, and the title and summary are published.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from vidkit.errors import BadInputError, VidkitError
from vidkit.transcript import Segment, Transcript

API_KEY_ENV = "VIDKIT_LLM_API_KEY"  # sent as a Bearer token when set (hosted endpoints)
MAX_TRANSCRIPT_CHARS = 12000  # about 3,000 tokens: fits the context of small local models
MAX_REPLY_BYTES = 1 << 20
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

SYSTEM_PROMPT = (
    "You write YouTube metadata for a rehabilitation clinic's educational videos. Reply with one JSON "
    'object and nothing else: {"title": "...", "summary": "..."}. The title: at most 70 characters, '
    "plain words, no hashtags, no emoji, no angle brackets. The summary: 2 or 3 plain sentences on what "
    "the viewer learns. Never include names of people; the transcript shows removed names as [name]."
)


class LlmError(VidkitError):
    """The endpoint could not be reached or gave no usable answer."""


@dataclass(frozen=True)
class Proposal:
    title: str
    summary: list[str]  # 1-3 sentences


def completions_url(url: str) -> str:
    """The chat-completions address for a server root ("http://127.0.0.1:8080"), its `/v1`,
    or the full `/v1/chat/completions` address; only http and https."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInputError(f"--llm needs an http:// or https:// address, not {url!r}")
    if parts.scheme == "http" and not is_local_host(parts.hostname):
        # The transcript would cross a network unencrypted (and the API key with it).
        raise BadInputError(f"--llm {url.strip()} would send the transcript unencrypted: use https://, or "
                            "http:// only to this machine (localhost, 127.0.0.1, [::1])")
    path = parts.path.rstrip("/")
    if path.endswith("/chat/completions"):
        return url.strip()
    if not path.endswith("/v1"):
        path += "/v1"
    return parts._replace(path=path + "/chat/completions").geturl()


def is_local_host(host: str | None) -> bool:
    """Whether `host` is this machine: localhost, 127.0.0.0/8 or ::1."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a port that is not a number: never the same origin
        port = -1
    return scheme, (parts.hostname or "").lower(), port


class _SameServerRedirects(urllib.request.HTTPRedirectHandler):
    """Follows only a 307/308 to the same scheme, host and port, with the POST body and
    without the API key. urllib's own handler copies every header of `Request.headers` to
    the new address (whatever its host) and turns a POST into a GET on 301/302/303."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        fp.close()
        scheme, host, port = _origin(newurl)
        if (scheme, host, port) != _origin(req.full_url):
            raise LlmError(f"the endpoint redirected to another server ({scheme}://{host}:{port}); vidkit does "
                           "not follow it: give that address with --llm if you trust it")
        if code not in (307, 308):
            raise LlmError(f"the endpoint answered a redirect (HTTP {code}) that would drop the request; "
                           "give --llm the endpoint's final address")
        kept = {k: v for k, v in req.headers.items() if k.lower() != "authorization"}
        return urllib.request.Request(newurl, data=req.data, headers=kept, method=req.get_method(),
                                      origin_req_host=req.origin_req_host, unverifiable=True)


def build_opener() -> urllib.request.OpenerDirector:
    """An opener whose redirects never leave the endpoint's server nor carry the API key."""
    return urllib.request.build_opener(_SameServerRedirects)


def redact_proposal(proposal: Proposal, roster, language: str = "") -> tuple[Proposal, int]:
    """The title and summary with roster names (`roster`: a Roster, or None for none) as
    [name] and phone numbers, dates of birth and record numbers as [redacted], by the rules
    the transcript was redacted with; and how many items were taken out. `language` ""
    reads numbers with every table, as a model may answer in another language."""
    from vidkit.privacy.redact import redact_transcript
    from vidkit.privacy.roster import Roster

    texts = [proposal.title, *proposal.summary]
    # One segment per text: each starts a sentence, and no name or number spans two of them.
    segments = tuple(Segment(i, 0.0, 0.0, text) for i, text in enumerate(texts))
    redacted, items = redact_transcript(Transcript(language, 0.0, segments), roster or Roster(()))
    title, *summary = [" ".join(s.text.split()) for s in redacted.segments]
    return Proposal(title, summary), len(items)


def request_body(text: str, model: str, language: str = "en") -> dict[str, Any]:
    clipped = text if len(text) <= MAX_TRANSCRIPT_CHARS else text[:MAX_TRANSCRIPT_CHARS].rsplit(" ", 1)[0] + " …"
    return {
        "model": model,
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Language: {language}\nTranscript:\n{clipped}"},
        ],
    }


def parse_reply(data: Any) -> Proposal:
    """The title and summary from a chat-completions response (the message content may wrap
    the JSON object in prose or a code fence)."""
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LlmError("the reply is not a chat completion (no choices[0].message.content)") from None
    match = _JSON_OBJECT.search(content or "")
    try:
        proposal = json.loads(match.group(0)) if match else None
    except json.JSONDecodeError:
        proposal = None
    if not isinstance(proposal, dict):
        raise LlmError("the model did not answer with a JSON object of title and summary")
    title = proposal.get("title")
    summary = proposal.get("summary")
    if isinstance(summary, list):
        summary = " ".join(str(s) for s in summary)
    if not isinstance(title, str) or not title.strip() or not isinstance(summary, str) or not summary.strip():
        raise LlmError("the model's answer lacks a title or a summary")
    sentences = [s.strip() for s in _SENTENCE_END.split(" ".join(summary.split())) if s.strip()]
    return Proposal(" ".join(title.split()).strip("\"' "), sentences[:3])


def propose(url: str, text: str, *, model: str, timeout: float, language: str = "en",
            opener: urllib.request.OpenerDirector | None = None) -> Proposal:
    """Ask the endpoint at `url` for a title and a 2-3 sentence summary of `text` (already
    redacted). `timeout` is in seconds. Raises LlmError on any failure."""
    body = json.dumps(request_body(text, model, language)).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    request = urllib.request.Request(completions_url(url), data=body, headers=headers, method="POST")
    if os.environ.get(API_KEY_ENV):
        # An unredirected header: urllib itself never copies these to a redirected request.
        request.add_unredirected_header("Authorization", f"Bearer {os.environ[API_KEY_ENV]}")
    opener = opener or build_opener()
    try:
        with opener.open(request, timeout=timeout) as response:
            raw = response.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise LlmError(f"the endpoint answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LlmError(f"cannot reach the endpoint ({reason})") from None
    if len(raw) > MAX_REPLY_BYTES:
        raise LlmError("the reply is larger than 1 MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LlmError("the reply is not JSON") from None
    return parse_reply(data)
