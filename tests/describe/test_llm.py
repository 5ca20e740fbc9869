"""`--llm`: the real urllib client against a local OpenAI-style server; nothing identifying
may reach it, and every failure falls back to the offline summary."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.describe.helpers import SAMPLE_TRANSCRIPT
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
    shutil.copyfile(SAMPLE_TRANSCRIPT, tmp_path / "visit.clip01.transcript.json")
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
