"""HTTP(S) plumbing of the fake YouTube (``tests.support.fake_youtube``).

A threading HTTP/1.1 server (keep-alive, like Google's front ends) whose handler does the TLS
handshake in its own thread and hands every request to ``server.fake._serve(handler)``.
"""

from __future__ import annotations

import json
import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

__all__ = ["Dropped", "Exchange", "Handler", "Server", "reset_connection", "write_response"]


class Dropped(Exception):
    """The client went away, or stalled sending less than it announced: no response."""

    def __init__(self, message: str, *, stalled: bool):
        super().__init__(message)
        self.stalled = stalled


class Exchange:
    """One HTTP request as the fake sees it; the body is read on demand."""

    def __init__(self, handler: BaseHTTPRequestHandler, body_timeout: float):
        self.handler = handler
        self.body_timeout = body_timeout
        self.method = handler.command
        self.target = handler.path  # path + query, as sent
        parts = urlsplit(self.target)
        self.path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = handler.headers
        self.unread = int(self.headers.get("Content-Length") or 0)
        self.body = b""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def read_body(self, limit: int | None = None) -> bytes:
        """Read the rest of the body (or ``limit`` bytes of it)."""
        n = self.unread if limit is None else min(limit, self.unread)
        conn = self.handler.connection
        try:
            # A body follows its headers at once; a stall means the client sent less than it
            # announced (httplib2 does that when it resends a request whose body was a stream).
            conn.settimeout(self.body_timeout)
            data = self.handler.rfile.read(n) if n else b""
            conn.settimeout(self.handler.timeout)
        except TimeoutError:
            raise Dropped(f"the client stalled after sending the headers of a request with "
                          f"Content-Length {self.unread} (httplib2 resending a request whose "
                          f"body was an already-read stream?)", stalled=True) from None
        except (OSError, ValueError) as exc:  # reset, closed
            raise Dropped(f"reading the body: {exc!r}", stalled=False) from None
        self.unread -= len(data)
        if len(data) < n:
            raise Dropped(f"body shorter than Content-Length ({len(data)} of {n} bytes)",
                          stalled=False)
        return data


def write_response(ex: Exchange, status: int, payload: dict | None,
                   headers: dict[str, str] | None) -> None:
    body = b"" if payload is None else json.dumps(payload, indent=1).encode()
    h = ex.handler
    try:
        h.send_response(status, "Resume Incomplete" if status == 308 else None)
        if payload is not None:
            h.send_header("Content-Type", "application/json; charset=UTF-8")
        h.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
    except OSError:  # the client is gone (killed, timed out)
        h.close_connection = True


def reset_connection(ex: Exchange) -> None:
    """Abort the connection without a response: a TCP reset, no TLS close_notify -- what a
    network failure looks like. (Python's ssl reports it to the client as an EOF, so httplib2
    resends the request once by itself before raising.)"""
    h = ex.handler
    h.close_connection = True
    try:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    for f in (h.wfile, h.rfile):  # the makefile() references keep the socket open
        try:
            f.close()
        except OSError:
            pass
    try:
        h.connection.close()
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as googleapiclient/httplib2 expect
    server_version = "UploadServer"
    sys_version = ""

    def setup(self):
        fake = self.server.fake
        self.timeout = fake.idle_timeout  # waiting for the next request, and the TLS handshake
        self.request.settimeout(self.timeout)
        self.request = fake._tls.wrap_socket(self.request, server_side=True)
        super().setup()  # connection, rfile, wfile over the TLS socket
        fake._track(self.connection, add=True)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self.server.fake._track(self.connection, add=False)
        try:
            self.connection.close()
        except OSError:
            pass

    def _serve(self):
        self.server.fake._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format, *args):  # noqa: A002 - silence http.server
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # failed TLS handshakes, resets: not the test's business
