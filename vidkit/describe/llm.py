"""An optional title and summary from an OpenAI-compatible chat endpoint (e.g. a local model
server), for `vidkit describe --llm URL`.

The caller passes text that is already redacted (`vidkit.describe.describe` runs the roster
and number redaction first): nothing else leaves the machine. Any failure raises LlmError,
whose message never holds the transcript; the caller falls back to the extractive summary.
The network sits behind `urllib.request`'s opener, so tests drive it against a local server.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from vidkit.errors import BadInputError, VidkitError

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
    path = parts.path.rstrip("/")
    if path.endswith("/chat/completions"):
        return url.strip()
    if not path.endswith("/v1"):
        path += "/v1"
    return parts._replace(path=path + "/chat/completions").geturl()


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
    if os.environ.get(API_KEY_ENV):
        headers["Authorization"] = f"Bearer {os.environ[API_KEY_ENV]}"
    request = urllib.request.Request(completions_url(url), data=body, headers=headers, method="POST")
    opener = opener or urllib.request.build_opener()
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
