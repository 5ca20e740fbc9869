"""Secrets never reach the terminal: the scrubber on examples, every logger's records, and the
error line and --debug traceback of `fail()`."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from vidkit import console
from vidkit.scrub import scrub_secrets

SCRUBBED = [
    ("Authorization: Bearer ya29.a0AfH6SMBx", "Authorization: [secret]"),
    ("authorization=Basic ZGVzazpzZWNyZXQ=", "authorization=[secret]"),
    ("{'Accept': 'x', 'Authorization': 'Basic ZGVzazpzZWNyZXQ='}", "{'Accept': 'x', 'Authorization': '[secret]'}"),
    ("{'authorization': 'Bearer abc.def'}", "{'authorization': '[secret]'}"),
    ("sent with Bearer abc.def-ghi", "sent with [secret]"),
    ("grant_type=authorization_code&code_verifier=Ctn~x&code=4/0AbCd-ef&redirect_uri=http%3A",
     "grant_type=authorization_code&code_verifier=[secret]&code=[secret]&redirect_uri=http%3A"),
    ('"GET /?state=s1&code=4/0Ab_x&scope=a HTTP/1.1" 200', '"GET /?state=s1&code=[secret]&scope=a HTTP/1.1" 200'),
    ('{"access_token": "tok", "refresh_token": "rt", "id_token": "eyJ.x", "expires_in": 3599}',
     '{"access_token": "[secret]", "refresh_token": "[secret]", "id_token": "[secret]", "expires_in": 3599}'),
    ("Obtained token {'access_token': 'tok', 'refresh_token': 'rt', 'token_type': 'Bearer'}",
     "Obtained token {'access_token': '[secret]', 'refresh_token': '[secret]', 'token_type': 'Bearer'}"),
    ('{"client_secret": "s\\"x", "code": "c"}', '{"client_secret": "[secret]", "code": "[secret]"}'),
    ("Credentials(token='t', client_secret=\"s\")", "Credentials(token='[secret]', client_secret=\"[secret]\")"),
    ("refresh_token: rt, client_secret: cs", "refresh_token: [secret], client_secret: [secret]"),
    ("got ya29.A0ARrdaM-x_y and 1//0gAbCdEfGhIjKl and GOCSPX-AbC_dEf", "got [secret] and [secret] and [secret]"),
]

KEPT = [
    '{"error": {"code": 400, "message": "Bad Request"}}',  # a status code is not a secret
    "exit code: 2, error_code=5, returncode=1, code=403",
    "nextPageToken=CAUQAA token_uri=https://oauth2.googleapis.com/token",
    "Encoding `client_id` \"x\" with `client_secret` as Basic auth credentials.",
    '"token_type": "Bearer"',
    "https://www.googleapis.com/auth/youtube.upload",
]


@pytest.mark.parametrize(("text", "expected"), SCRUBBED)
def test_secrets_become_a_placeholder(text, expected):
    assert scrub_secrets(text) == expected
    assert scrub_secrets(expected) == expected  # scrubbing twice changes nothing


@pytest.mark.parametrize("text", KEPT)
def test_what_is_not_a_secret_is_kept(text):
    assert scrub_secrets(text) == text


@pytest.fixture
def captured(monkeypatch):
    """vidkit's stderr console writing into a buffer; logging set up as a --debug command does."""
    buffer = io.StringIO()
    monkeypatch.setattr(console, "stderr", Console(file=buffer, width=300, highlight=False))
    console.setup_logging(quiet=False, debug=True)
    yield buffer
    logging.basicConfig(level=logging.WARNING, force=True, handlers=[logging.NullHandler()])


def test_a_library_logger_that_propagates_is_scrubbed(captured):
    logging.getLogger("requests_oauthlib.oauth2_session").debug(
        "Request headers were %s", {"Authorization": "Bearer ya29.leaky-access"})
    logging.getLogger("somelib").debug("Obtained token %r", {"refresh_token": "refresh-leaky"})
    text = captured.getvalue()
    assert "Request headers were" in text and "Obtained token" in text
    assert "leaky" not in text and "Bearer " not in text and text.count("[secret]") == 2


def test_a_library_with_its_own_handler_is_scrubbed(captured):
    own = io.StringIO()
    logger = logging.getLogger("otherlib")
    handler = logging.StreamHandler(own)
    logger.addHandler(handler)
    try:
        logger.warning("token refresh failed: %s", "code=4/0Ab-leaky&client_secret=GOCSPX-leaky")
    finally:
        logger.removeHandler(handler)
    assert "token refresh failed" in own.getvalue() and "leaky" not in own.getvalue()
    assert "token refresh failed" in captured.getvalue() and "leaky" not in captured.getvalue()


def test_an_exception_logged_with_its_traceback_is_scrubbed(captured):
    try:
        raise ValueError("bad response {'access_token': 'ya29.leaky'}")
    except ValueError:
        logging.getLogger("somelib").exception("the exchange failed")
    text = captured.getvalue()
    assert "the exchange failed" in text and "ValueError" in text and "leaky" not in text


def test_a_record_made_without_the_factory_is_scrubbed_by_the_handler(captured):
    record = logging.makeLogRecord({"name": "remote", "levelno": logging.ERROR, "levelname": "ERROR",
                                    "msg": "Authorization: Bearer %s", "args": ("ya29.leaky",)})
    logging.getLogger().handle(record)
    assert "Authorization: [secret]" in captured.getvalue() and "leaky" not in captured.getvalue()


@pytest.mark.parametrize("debug", [False, True])
def test_fail_prints_no_secret_in_the_error_or_the_traceback(captured, debug):
    leak = "".join(("le", "aky"))  # not in this file's source, which the traceback shows
    try:
        try:
            raise KeyError(f"refresh_token=refresh-{leak}")
        except KeyError as cause:
            raise RuntimeError(f"token endpoint said {{\"access_token\": \"ya29.{leak}\"}}") from cause
    except RuntimeError as exc:
        assert console.fail(exc, debug) == 1
    text = captured.getvalue()
    assert "unexpected failure: RuntimeError: token endpoint said" in text
    assert leak not in text and "[secret]" in text
    assert ("Traceback" in text and "KeyError" in text) == debug
