"""Which failures are worth another try, how long to wait, and what to tell the user otherwise.

Retried with exponential backoff and jitter: HTTP 500/502/503/504 (and 429 or a per-user rate
limit), dropped, reset or refused connections, timeouts, DNS failures and TLS errors other than
an untrusted certificate. Never retried: `quotaExceeded` (403) and `uploadLimitExceeded` (400),
which queue the upload for a later run, every other 4xx, and local file errors (a missing or
unreadable thumbnail or SRT is exit 2 at once: waiting will not bring it back).
"""

from __future__ import annotations

import errno
import http.client
import json
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vidkit.errors import BadInputError, VidkitError
from vidkit.publish.errors import AuthExpired, UploadFailed, UploadQueued

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_STATUSES = {429, 500, 502, 503, 504}
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
QUEUE_REASONS = {"quotaExceeded", "dailyLimitExceeded", "uploadLimitExceeded"}
MAX_DELAY = 64.0  # seconds
# OSErrors that come from the network; every other OSError (a file missing, unreadable, a
# folder) is the user's to fix and is never retried.
NETWORK_ERRNOS = frozenset({errno.ECONNRESET, errno.ECONNREFUSED, errno.ECONNABORTED, errno.ETIMEDOUT,
                            errno.ENETUNREACH, errno.ENETDOWN, errno.ENETRESET, errno.EHOSTUNREACH,
                            errno.EHOSTDOWN, errno.EPIPE})


@dataclass
class Backoff:
    """Waits base * 2**n seconds (n = failures so far), jittered to 50-100 %, at most 64 s."""

    base: float = 1.0
    attempts: int = 8
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, failures: int) -> float:
        ceiling = min(MAX_DELAY, self.base * 2 ** max(0, failures - 1))
        return ceiling * (0.5 + 0.5 * self.rand())

    def wait(self, failures: int, why: str) -> None:
        seconds = self.delay(failures)
        log.warning("retry %d of %d in %.1f s after %s", failures, self.attempts, seconds, why)
        self.sleep(seconds)


def http_status(exc: BaseException) -> int | None:
    from googleapiclient.errors import HttpError

    return int(exc.resp.status) if isinstance(exc, HttpError) else None


def http_reason(exc: BaseException) -> str:
    """The first `errors[].reason` of a Google error body ("" when there is none)."""
    content = getattr(exc, "content", b"") or b""
    try:
        error = json.loads(content.decode("utf-8") if isinstance(content, bytes) else content)["error"]
        details = error.get("errors") or error.get("details") or []
        return str(details[0].get("reason", "")) if details else str(error.get("status", ""))
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return ""


def http_message(exc: BaseException) -> str:
    content = getattr(exc, "content", b"") or b""
    try:
        return str(json.loads(content.decode("utf-8"))["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def is_transient(exc: BaseException) -> bool:
    """A failure another attempt may fix: 5xx/429/rate limits, dropped connections, timeouts."""
    import httplib2
    from google.auth.exceptions import RefreshError, TransportError

    status = http_status(exc)
    if status is not None:
        return status in RETRY_STATUSES or (status == 403 and http_reason(exc) in RATE_LIMIT_REASONS)
    if isinstance(exc, RefreshError):
        return bool(getattr(exc, "retryable", False))
    if isinstance(exc, OSError):
        return is_network_error(exc)
    return isinstance(exc, (http.client.HTTPException, httplib2.HttpLib2Error, TransportError))


def is_network_error(exc: OSError) -> bool:
    """A dropped, reset or refused connection, a timeout, a DNS failure or a TLS error."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False  # an untrusted certificate stays untrusted
    if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror, socket.herror, ssl.SSLError)):
        return True
    return exc.errno in NETWORK_ERRNOS


def is_local_file_error(exc: BaseException) -> bool:
    """A file vidkit reads is missing, unreadable or a folder (not a socket's error)."""
    return isinstance(exc, OSError) and not is_network_error(exc) and (
        exc.filename is not None or isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError,
                                                     NotADirectoryError)))


def explain(exc: BaseException, what: str) -> VidkitError:
    """One clear line for a failure that is not retried, or that ran out of retries."""
    from google.auth.exceptions import RefreshError

    from vidkit.publish.auth import refresh_error

    if isinstance(exc, VidkitError):
        return exc
    if is_local_file_error(exc):
        assert isinstance(exc, OSError)
        name = exc.filename or "a file"
        return BadInputError(f"cannot read {name} ({exc.strerror or type(exc).__name__}) for {what}; "
                             "make sure it is there and readable, then run the same command again")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return UploadFailed(f"{what} failed: the server's TLS certificate is not trusted ({exc.verify_message}); "
                            "behind a proxy that signs its own certificates, point VIDKIT_CA_BUNDLE at its CA file")
    if is_transient(exc):  # only reached when the retries are used up
        return UploadFailed(f"{what} failed on every retry (last: {describe_failure(exc)}); "
                            f"run the same command again to resume")
    if isinstance(exc, RefreshError):
        return refresh_error(exc)
    status, reason = http_status(exc), http_reason(exc)
    if reason in ("quotaExceeded", "dailyLimitExceeded"):
        return UploadQueued(f"YouTube says the project's daily quota is used up ({reason}) during {what}; "
                            f"the upload is queued: run the same command after midnight Pacific time")
    if reason == "uploadLimitExceeded":
        return UploadQueued("YouTube says the channel has reached its upload limit (uploadLimitExceeded); "
                            "the upload is queued: run the same command later (usually the next day)")
    if status == 401:
        return AuthExpired("YouTube refused the authorisation (401): run `vidkit auth` again")
    if status == 403 and reason in ("insufficientPermissions", "forbidden", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"):
        return AuthExpired(f"YouTube refused {what} ({reason}): the token lacks the youtube.upload/"
                           f"youtube.force-ssl scopes or the channel; run `vidkit auth` again")
    if status is not None:
        message = http_message(exc)
        return UploadFailed(f"YouTube refused {what}: {status} {reason or 'error'}"
                            f"{': ' + message if message else ''}")
    return UploadFailed(f"{what} failed ({type(exc).__name__}: {exc}); run the same command again to resume")


def queued(exc: BaseException) -> bool:
    return http_reason(exc) in QUEUE_REASONS


def with_retries(call: Callable[[], T], backoff: Backoff, what: str) -> T:
    """`call()` until it succeeds, retrying transient failures; others become a VidkitError."""
    failures = 0
    while True:
        try:
            return call()
        except VidkitError:
            raise
        except Exception as exc:  # noqa: BLE001 - classified below
            failures += 1
            if not is_transient(exc) or failures >= backoff.attempts:
                raise explain(exc, what) from exc
            backoff.wait(failures, f"{what}: {describe_failure(exc)}")


def describe_failure(exc: BaseException) -> str:
    status = http_status(exc)
    if status is not None:
        reason = http_reason(exc)
        return f"HTTP {status}{' ' + reason if reason else ''}"
    return type(exc).__name__


def response_json(content: Any) -> dict[str, Any]:
    try:
        data = json.loads(content.decode("utf-8") if isinstance(content, bytes) else content)
    except (ValueError, AttributeError):
        return {}
    return data if isinstance(data, dict) else {}
