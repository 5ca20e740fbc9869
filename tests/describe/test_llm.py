"""`--llm`: the real urllib client against a local OpenAI-style server; nothing identifying
may reach it, and every failure falls back to the offline summary."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.describe.helpers import place_sample_transcript
from vidkit.config import load_settings
from vidkit.describe import describe_clip
from vidkit.describe.llm import LlmError, completions_url, parse_reply, propose
from vidkit.errors import BadInputError

REPLY = {"title": "Longer steps on the treadmill <easy>",
         "summary": "The therapist coaches longer, even steps. The harness keeps the walker safe. "
                    "Weight shift trains balance. A fourth sentence is dropped."}


class FakeChat:
    """An OpenAI-compatible /v1/chat/completions on 127.0.0.1 that records what it receives."""

    def __init__(self, status: int = 200, content: str | None = None):
        self.bodies: list[bytes] = []
        self.paths: list[str] = []
        chat = self
        answer = json.dumps(REPLY) if content is None else content

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                chat.paths.append(self.path)
                chat.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat():
    server = FakeChat()
    yield server
    server.close()


@pytest.fixture
def clip(place_video, tiny_video, tmp_path):
    video = place_video("visit.clip01.mp4", tiny_video)
    place_sample_transcript(video, tmp_path / "visit.clip01.transcript.json")
    (tmp_path / "roster.txt").write_text("Maria Jansen\n", encoding="utf-8")
    return video


def roster_settings(clip, **describe):
    return load_settings({"privacy": {"roster": str(clip.parent / "roster.txt")}, "describe": describe})


def test_the_llm_gets_the_redacted_transcript_and_proposes_title_and_summary(chat, clip):
    result = describe_clip(clip, roster_settings(clip, llm_model="tiny-local"), llm_url=chat.url)
    assert chat.paths == ["/v1/chat/completions"]
    body = chat.bodies[0].decode("utf-8")
    request = json.loads(body)
    assert request["model"] == "tiny-local"
    assert "[name]" in body and "step length" in body  # the transcript, redacted
    for secret in ("maria", "jansen", "johnson"):  # the recogniser heard "Maria Johnson"
        assert secret not in body.lower()
    assert "visit" not in body.lower()  # no file name either
    upload = result.upload
    assert upload["summary_source"] == "llm"
    assert upload["snippet"]["title"] == "Longer steps on the treadmill easy"
    assert "title: removed 2 angle brackets" in upload["fixes"][0]
    assert upload["snippet"]["description"].startswith(
        "The therapist coaches longer, even steps. The harness keeps the walker safe. Weight shift trains balance.\n")


def test_a_title_given_by_the_user_wins_over_the_llm(chat, clip):
    result = describe_clip(clip, roster_settings(clip), llm_url=chat.url + "/v1", title="Gait lab: week 3")
    assert result.upload["snippet"]["title"] == "Gait lab: week 3" and result.upload["summary_source"] == "llm"


@pytest.mark.parametrize("status,content", [(500, None), (200, "I think the title should be nice"),
                                            (200, json.dumps({"title": "", "summary": "x"}))])
def test_a_failing_llm_falls_back_to_the_offline_summary(clip, status, content):
    server = FakeChat(status, content)
    try:
        result = describe_clip(clip, roster_settings(clip), llm_url=server.url)
    finally:
        server.close()
    assert result.upload["summary_source"] == "extractive"
    assert any(w.startswith("--llm: ") and "offline summary" in w for w in result.summary["warnings"])
    assert "Today we will work on your gait" in result.upload["snippet"]["description"]


def test_an_unreachable_llm_falls_back(clip):
    server = FakeChat()
    url = server.url
    server.close()  # nothing listens there any more
    result = describe_clip(clip, roster_settings(clip, llm_timeout=2.0), llm_url=url)
    assert result.upload["summary_source"] == "extractive"
    assert "cannot reach" in result.summary["warnings"][0]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/x", "127.0.0.1:8080"])
def test_only_http_addresses_are_accepted(clip, url):
    with pytest.raises(BadInputError, match="http:// or https://"):
        describe_clip(clip, roster_settings(clip), llm_url=url)


@pytest.mark.parametrize("url,full", [
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions"),
    ("http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/chat/completions"),
    ("https://llm.example/api/v1/chat/completions", "https://llm.example/api/v1/chat/completions"),
])
def test_completions_url(url, full):
    assert completions_url(url) == full


def test_a_reply_wrapped_in_a_code_fence_is_read():
    content = "```json\n" + json.dumps({"title": " Gait ", "summary": ["One.", "Two."]}) + "\n```"
    proposal = parse_reply({"choices": [{"message": {"content": content}}]})
    assert proposal.title == "Gait" and proposal.summary == ["One.", "Two."]


def test_errors_never_repeat_the_text_sent():
    server = FakeChat(503)
    try:
        with pytest.raises(LlmError) as caught:
            propose(server.url, "Maria Jansen walks", model="m", timeout=5)
    finally:
        server.close()
    assert "Maria" not in str(caught.value) and "503" in str(caught.value)


@pytest.mark.parametrize("url", ["http://example.org", "http://192.168.1.20:8080/v1", "http://localhost.example.org"])
def test_plain_http_is_refused_except_to_this_machine(clip, url):
    with pytest.raises(BadInputError, match="unencrypted: use https://"):
        describe_clip(clip, roster_settings(clip), llm_url=url)


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.2:8080", "http://[::1]:8080",
                                 "https://example.org"])
def test_https_anywhere_and_http_to_this_machine_are_accepted(url):
    assert completions_url(url).endswith("/v1/chat/completions")



class Recorder:
    """A server on 127.0.0.1 that records every request (method, path, Authorization, body)
    and answers a redirect `code` to `location` for the path `moved` (every path when None),
    else a chat completion."""

    def __init__(self, code: int | None = None, location: str | None = None, moved: str | None = None):
        self.seen: list[tuple[str, str, str | None, bytes]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                recorder.seen.append((self.command, self.path, self.headers.get("Authorization"),
                                      self.rfile.read(length)))
                redirect = code is not None and moved in (None, self.path)
                payload = b"" if redirect else json.dumps(
                    {"choices": [{"message": {"content": json.dumps(REPLY)}}]}).encode()
                self.send_response(code if redirect else 200)
                if redirect:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers():
    made: list[Recorder] = []

    def make(*args, **kwargs) -> Recorder:
        made.append(Recorder(*args, **kwargs))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("elsewhere", ["port", "host"])
def test_a_redirect_to_another_server_is_not_followed(servers, monkeypatch, code, elsewhere):
    monkeypatch.setenv("VIDKIT_LLM_API_KEY", "sk-secret")
    other = servers()
    target = other.url if elsewhere == "port" else other.url.replace("127.0.0.1", "localhost")
    first = servers(code, target + "/v1/chat/completions")
    with pytest.raises(LlmError, match="redirected to another server") as caught:
        propose(first.url, "Maria Jansen walks", model="m", timeout=5)
    assert "Maria" not in str(caught.value)
    assert first.seen[0][2] == "Bearer sk-secret"  # the endpoint named by --llm gets the key ...
    assert other.seen == []  # ... the other server nothing: no key, no transcript


@pytest.mark.parametrize("code", [307, 308])
def test_a_307_308_on_the_same_server_is_followed_with_the_body_but_without_the_key(servers, monkeypatch, code):
    monkeypatch.setenv("VIDKIT_LLM_API_KEY", "sk-secret")
    server = servers(code, "/v2/chat/completions", moved="/v1/chat/completions")
    proposal = propose(server.url, "[name] walks", model="m", timeout=5)
    assert proposal.title == REPLY["title"]
    (method1, path1, key1, body1), (method2, path2, key2, body2) = server.seen
    assert (method1, path1, key1) == ("POST", "/v1/chat/completions", "Bearer sk-secret")
    assert (method2, path2, key2) == ("POST", "/v2/chat/completions", None) and body2 == body1


@pytest.mark.parametrize("code", [301, 302, 303])
def test_a_redirect_that_would_drop_the_post_fails_without_the_key_going_on(servers, monkeypatch, code):
    monkeypatch.setenv("VIDKIT_LLM_API_KEY", "sk-secret")
    server = servers(code, "/v2/chat/completions", moved="/v1/chat/completions")
    with pytest.raises(LlmError, match=f"redirect \\(HTTP {code}\\).*final address"):
        propose(server.url, "[name] walks", model="m", timeout=5)
    assert [path for _, path, _, _ in server.seen] == ["/v1/chat/completions"]


def test_the_reply_is_redacted_like_the_transcript(clip):
    echo = {"title": "Maria Jansen walks longer steps",
            "summary": "Maria Jansen practises longer steps. Call 06-12345678 to book a session. "
                       "Mrs Jansen was born on 12 March 1957."}
    server = FakeChat(content=json.dumps(echo))
    try:
        result = describe_clip(clip, roster_settings(clip), llm_url=server.url)
    finally:
        server.close()
    snippet = result.upload["snippet"]
    assert result.upload["summary_source"] == "llm"
    assert snippet["title"] == "[name] walks longer steps"
    shown = json.dumps(result.upload) + json.dumps(result.summary)
    for secret in ("Maria", "Jansen", "12345678", "1957"):
        assert secret not in shown, secret
    assert snippet["description"].startswith("[name] practises longer steps. Call [redacted] to book a session.")
    assert any("redacted" in w for w in result.summary["warnings"])


def test_without_a_roster_the_numbers_in_the_reply_are_still_redacted(clip):
    server = FakeChat(content=json.dumps({"title": "Gait", "summary": "Call 06-12345678 to book."}))
    try:
        result = describe_clip(clip, load_settings(), llm_url=server.url)
    finally:
        server.close()
    assert "12345678" not in result.upload["snippet"]["description"]
