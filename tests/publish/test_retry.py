"""Only network failures are retried; a local file that is missing or unreadable is exit 2 at once."""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
from datetime import datetime, timezone

import pytest

from vidkit.errors import BadInputError
from vidkit.publish.api import Api
from vidkit.publish.errors import UploadFailed
from vidkit.publish.ledger import Ledger
from vidkit.publish.quota import Limits, Quota
from vidkit.publish.retry import Backoff, explain, is_transient, with_retries
from vidkit.publish.steps import media


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _failing(exc: BaseException, times: int = 1000):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= times:
            raise exc
        return "ok"

    return call, calls


LOCAL = [FileNotFoundError(errno.ENOENT, "No such file or directory", "clip01.srt"),
         PermissionError(errno.EACCES, "Permission denied", "clip01.jpg"),
         IsADirectoryError(errno.EISDIR, "Is a directory", "clip01.jpg"),
         NotADirectoryError(errno.ENOTDIR, "Not a directory", "clip01.srt/x"),
         OSError(errno.EIO, "Input/output error", "clip01.mp4")]


@pytest.mark.parametrize("exc", LOCAL, ids=lambda e: type(e).__name__ + str(e.errno))
def test_a_local_file_error_is_bad_input_at_once_without_sleeping(exc):
    sleeps = Sleeps()
    call, calls = _failing(exc)
    with pytest.raises(BadInputError) as raised:
        with_retries(call, Backoff(sleep=sleeps), "adding the captions")
    assert raised.value.exit_code == 2
    assert exc.filename in str(raised.value) and "run the same command again" in str(raised.value)
    assert calls == [1] and sleeps == []
    assert not is_transient(exc)


NETWORK = [ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
           ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
           BrokenPipeError(errno.EPIPE, "Broken pipe"),
           TimeoutError("timed out"),
           socket.timeout("timed out"),
           socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
           OSError(errno.ENETUNREACH, "Network is unreachable"),
           OSError(errno.EHOSTUNREACH, "No route to host"),
           ssl.SSLEOFError(8, "EOF occurred in violation of protocol"),
           http.client.RemoteDisconnected("Remote end closed connection without response"),
           http.client.IncompleteRead(b"")]


@pytest.mark.parametrize("exc", NETWORK, ids=lambda e: type(e).__name__)
def test_network_errors_are_retried_with_backoff(exc):
    sleeps = Sleeps()
    call, calls = _failing(exc, times=2)
    assert with_retries(call, Backoff(sleep=sleeps, rand=lambda: 1.0), "setting the thumbnail") == "ok"
    assert len(calls) == 3 and sleeps == [1.0, 2.0]


def test_network_errors_give_up_after_the_attempts_and_say_to_run_again():
    sleeps = Sleeps()
    call, calls = _failing(ConnectionResetError(errno.ECONNRESET, "reset"))
    with pytest.raises(UploadFailed, match="failed on every retry .*ConnectionResetError.*run the same command"):
        with_retries(call, Backoff(attempts=4, sleep=sleeps), "setting the thumbnail")
    assert len(calls) == 4 and len(sleeps) == 3


def test_an_untrusted_certificate_is_not_retried_and_names_the_setting():
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_message = "self-signed certificate in certificate chain"
    sleeps = Sleeps()
    call, calls = _failing(exc)
    with pytest.raises(UploadFailed, match="not trusted .*self-signed.*VIDKIT_CA_BUNDLE"):
        with_retries(call, Backoff(sleep=sleeps), "the video upload")
    assert calls == [1] and sleeps == []


def test_a_missing_srt_through_the_api_call_is_exit_2_at_once(tmp_path):
    """The real path of `captions.insert`: the media body is built inside the retried call."""
    missing = tmp_path / "session.clip01.srt"
    sleeps = Sleeps()
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        quota = Quota(ledger, Limits(uploads=100, units=10_000),
                      clock=lambda: datetime(2026, 5, 5, 20, tzinfo=timezone.utc))
        api = Api(youtube=object(), http=None, quota=quota, backoff=Backoff(sleep=sleeps))
        with pytest.raises(BadInputError, match=f"cannot read {missing}.*No such file"):
            api.call("captions.insert", lambda yt: media(missing, "application/octet-stream"), "adding the captions")
        assert sleeps == []
        assert quota.left()["units"] == 10_000  # nothing charged


def test_explain_keeps_other_os_errors_as_processing_failures():
    # An OSError that names no file and is no network error: not retried, exit 1.
    error = explain(OSError("Tunnel connection failed: 403 Forbidden"), "the video upload")
    assert isinstance(error, UploadFailed) and error.exit_code == 1


def test_a_missing_file_costs_no_wait_with_the_real_clock(tmp_path):
    """The default Backoff sleeps for real (at least 0.5 s before a retry): a local file error
    must come back well before that."""
    import time

    call, calls = _failing(FileNotFoundError(errno.ENOENT, "No such file or directory",
                                             str(tmp_path / "clip01.jpg")))
    started = time.monotonic()
    with pytest.raises(BadInputError):
        with_retries(call, Backoff(), "setting the thumbnail")
    assert time.monotonic() - started < 0.3 and calls == [1]
