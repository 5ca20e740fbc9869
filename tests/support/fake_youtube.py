"""A protocol-faithful local HTTPS fake of the YouTube Data API v3, for the test suite.

README
======

Drive the *real* google-api-python-client against it (tests/support/test_fake_youtube.py
has this as ``make_client``)::

    with FakeYouTube(tmp_path) as yt:
        token = yt.write_token(tmp_path / "token.json")
        http = httplib2.Http(ca_certs=str(yt.ca_file), timeout=30)
        http.redirect_codes = http.redirect_codes - {308}   # (1)
        info = json.loads(token.read_text())
        creds = Credentials.from_authorized_user_info(info).with_token_uri(info["token_uri"])  # (2)
        youtube = build("youtube", "v3", static_discovery=True,
                        http=google_auth_httplib2.AuthorizedHttp(creds, http=http),
                        client_options={"api_endpoint": yt.root_url})
        yt.fail("chunk_503", on_chunk=2)      # queue faults before (or during) a run
        ...                                   # or run vidkit with env=yt.env(token)
        assert [v.status["privacyStatus"] for v in yt.videos.values()] == ["private"]

(1) httplib2 treats 308 as a redirect (``RedirectMissingLocation`` on the first chunk) unless
told otherwise; googleapiclient's ``build_http()`` does this, a hand-made ``Http`` must too.
(2) google-auth's ``from_authorized_user_info/_file`` ignore the file's ``token_uri`` and
always use oauth2.googleapis.com: set it with ``with_token_uri``.

Paths, exactly as googleapiclient builds them with ``api_endpoint=root_url``:

* ``POST /token`` (grant_type=refresh_token; client id/secret of ``write_token``).
* ``POST /upload/youtube/v3/videos?part=snippet%2Cstatus&alt=json&uploadType=resumable``
  (+ ``X-Upload-Content-Length/-Type``) -> 200 + ``Location: <session uri>`` = the same URL
  + ``&upload_id=...``; ``PUT <session uri>`` with ``Content-Range: bytes a-b/N`` -> 308 +
  ``Range: bytes=0-(received-1)`` until the last chunk -> 200 + video resource;
  ``Content-Range: bytes */N`` (empty body) asks where the server is: 308 (no ``Range`` if
  nothing is stored) or, once complete, 200 + the resource again; expired session -> 404.
  Session PUTs need no Authorization header: as at Google, the upload_id is the credential.
  ``uploadType=multipart`` (non-resumable ``MediaUpload``) works too.
* ``POST /upload/youtube/v3/captions?part=snippet&alt=json&uploadType=multipart|resumable``,
  ``POST /upload/youtube/v3/thumbnails/set?videoId=V&alt=json&uploadType=media|resumable``,
  ``POST /youtube/v3/playlistItems?part=snippet&alt=json``,
  ``GET /youtube/v3/videos?part=snippet&part=status&id=A%2CB&alt=json`` (a list for ``part``
  is sent repeated), ``PUT|DELETE /youtube/v3/videos``, ``GET /youtube/v3/channels``,
  ``GET /youtube/v3/playlistItems`` (paged: maxResults default 5, ``nextPageToken``),
  ``GET /youtube/v3/playlists``, ``GET /youtube/v3/captions``.

Metadata is validated as YouTube does (``fake_youtube_rules``): 400 with reason invalidTitle,
invalidDescription, invalidTags, invalidCategoryId, invalidPublishAt, invalidVideoMetadata
(and invalidPart, stricter than YouTube, when ``part`` lacks snippet or status). Errors use
Google's JSON format: ``exc.resp.status`` and ``exc.error_details[0]["reason"]`` work. Quota
(``quota_used``: videos.insert bucket, units) is counted and enforced (``insert_quota``,
``unit_quota``): videos.insert when its upload starts, other calls when they succeed.
Captions: 409 captionExists for a second track with the same language and name. Playlists:
the same video may be added twice, as on YouTube. Scopes are enforced (403
insufficientPermissions): youtube.upload suffices for videos.insert and thumbnails.set only.

Faults: ``yt.fail(kind, **params)``, one-shot unless ``count=`` is given. ``on_chunk=N`` means
"the PUT that would become the session's N-th accepted chunk" (default: the next one). In
brackets, what the real client (googleapiclient + httplib2, ``next_chunk()``) raises:

* ``chunk_503`` -- that chunk gets 503 and is not stored [``HttpError``, ``resp.status`` 503;
  the next ``next_chunk()`` sends ``bytes */N`` first and resumes from the server's Range].
* ``drop_mid_chunk`` -- half the chunk is read and kept, then the connection is reset without
  a response [an ``OSError``: ``http.client.RemoteDisconnected``, ``ssl.SSLEOFError``,
  ``BrokenPipeError`` or ``ConnectionResetError``; the next ``next_chunk()`` asks for the
  Range and continues from the half chunk. With byte chunks (see below) httplib2 may instead
  resend the chunk itself and get the 308 + Range: nothing is raised.]
* ``lose_final_response`` -- the last chunk completes the upload (video stored), then the
  connection is reset without a response [``RemoteDisconnected`` after ``body_timeout``;
  the next ``next_chunk()`` status query returns the video. With byte chunks httplib2's own
  resend gets the video resource: nothing is raised.]
* ``expire_session`` -- the session is gone: 404 now and for every later request to it
  [``HttpError`` 404, from status queries too; start a new videos.insert].
* ``quota_exceeded`` / ``upload_limit_exceeded`` -- the next videos.insert gets 403
  quotaExceeded / 400 uploadLimitExceeded [``ResumableUploadError`` (an ``HttpError``) from
  the first ``next_chunk()``; googleapiclient does not retry these even with num_retries].
* ``server_error_on_insert`` (``method="videos.insert"``, ``status=503``; method may also be
  captions.insert, thumbnails.set, playlistItems.insert) -- the next such POST gets that
  status [``ResumableUploadError``/``HttpError`` with ``resp.status`` 503].
* ``invalid_grant`` -- the next token refresh gets 400 invalid_grant
  [``google.auth.exceptions.RefreshError``, message "invalid_grant: Token has been expired
  or revoked."]. ``yt.revoke()`` makes it permanent.

Byte chunks vs streams: httplib2 silently resends a request once when the connection closes
without a response, and googleapiclient's ``next_chunk(num_retries=n)`` resends a chunk after a
5xx. Both resend the *same body object*; for ``MediaFileUpload``/``MediaIoBaseUpload`` that is
a slice of the file stream, already read, so the resend carries an empty body under a full
Content-Length. Like Google, the fake then waits (``body_timeout``), resets the connection and
records a "stalled" ``protocol_errors`` entry. A ``MediaUpload`` whose ``has_stream()`` returns
False (chunks read with ``getbytes()``) resends correctly.

``hold_after_chunks(n)`` returns an event that is set after the n-th upload chunk accepted from
now on; that request then gets no response until ``release()`` (kill -9 tests; on shutdown the
connection is reset). Inspect ``videos``, ``sessions``, ``requests`` ((method, path+query,
status); status 0 = connection dropped without a response), ``quota_used``, ``quota_calls``,
``protocol_errors`` (client mistakes: a non-final chunk not a multiple of 256 KiB, a chunk
beyond the received offset, a stalled body), ``pending_faults`` (queued faults that never
fired) and ``internal_errors`` (bugs in the fake, answered with 500).
"""

from __future__ import annotations

import copy
import json
import secrets
import socket
import ssl
import threading
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import trustme

from tests.support.fake_youtube_api import ApiMethods, FakeSession, FakeVideo
from tests.support.fake_youtube_http import (
    Dropped, Exchange, Handler, Server, reset_connection, write_response,
)
from tests.support.fake_youtube_rules import (
    CHUNK_GRANULARITY, SCOPE_FORCE_SSL, SCOPE_UPLOAD, ApiError, parse_content_range,
)

__all__ = ["FakeSession", "FakeVideo", "FakeYouTube"]

CLIENT_ID = "fake-client-id.apps.googleusercontent.com"
CLIENT_SECRET = "fake-client-secret"
DEFAULT_SCOPES = (SCOPE_UPLOAD, SCOPE_FORCE_SSL)

# kind -> allowed params (besides ``count``)
FAULTS = {
    "chunk_503": {"on_chunk"},
    "drop_mid_chunk": {"on_chunk"},
    "expire_session": {"on_chunk"},
    "lose_final_response": set(),
    "quota_exceeded": set(),
    "upload_limit_exceeded": set(),
    "invalid_grant": set(),
    "server_error_on_insert": {"method", "status"},
}


@dataclass
class _Fault:
    kind: str
    params: dict
    remaining: int


class FakeYouTube(ApiMethods):
    """See the module docstring. Use as a context manager."""

    def __init__(self, workdir: Path, *, body_timeout: float = 2.0, idle_timeout: float = 60.0,
                 insert_quota: int = 100, unit_quota: int = 10_000):
        self.workdir = Path(workdir)
        self.body_timeout, self.idle_timeout = body_timeout, idle_timeout
        self.insert_quota, self.unit_quota = insert_quota, unit_quota
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET
        self.channel_id = "UCfakeClinicChannel00001"
        self.uploads_playlist_id = "UU" + self.channel_id[2:]
        self.playlist_id = "PLclinic0001"
        self._lock = threading.RLock()
        self._videos: dict[str, FakeVideo] = {}
        self._sessions: dict[str, FakeSession] = {}  # upload_id -> session
        self._requests: list[tuple[str, str, int]] = []
        self._protocol_errors: list[str] = []
        self._internal_errors: list[str] = []
        self._faults: list[_Fault] = []
        self._quota = {"videos.insert": 0, "units": 0}
        self._calls: dict[str, int] = {}
        self._refresh_tokens: dict[str, tuple[str, ...]] = {"refresh-good": DEFAULT_SCOPES}
        self._access_tokens: dict[str, tuple[str, tuple[str, ...]]] = {}  # -> (refresh, scopes)
        self._playlist_items: dict[str, list[dict]] = {self.playlist_id: []}
        self._seq = 0
        self._accepted_chunks = 0
        self._hold: tuple[int, threading.Event, threading.Event] | None = None
        self._held: list[threading.Event] = []
        self._closing = False
        self._connections: dict = {}  # open TLS connection -> its handler thread
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeYouTube:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = self.workdir / "fake-youtube-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self._tls)
        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self.root_url = f"https://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-youtube", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._server is None:
            return
        with self._lock:
            self._closing = True
            for event in self._held:
                event.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            conns = list(self._connections.items())
        for conn, _ in conns:  # wake handler threads waiting on keep-alive connections
            try:
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
            except OSError:
                pass
        for _, thread in conns:
            thread.join(timeout=5)
        self._thread.join(timeout=5)
        self._server = None

    def _track(self, conn, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections[conn] = threading.current_thread()
            else:
                self._connections.pop(conn, None)

    # ------------------------------------------------------------------ public API

    def write_token(self, path: Path, refresh_token: str = "refresh-good", *,
                    scopes: tuple[str, ...] = DEFAULT_SCOPES) -> Path:
        """Write an authorized-user JSON whose refresh token this server accepts."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._refresh_tokens[refresh_token] = tuple(scopes)
        info = {"type": "authorized_user", "client_id": self.client_id,
                "client_secret": self.client_secret, "refresh_token": refresh_token,
                "token_uri": self.root_url + "token"}
        path.write_text(json.dumps(info, indent=2))
        path.chmod(0o600)
        return path

    def env(self, token_path: Path) -> dict[str, str]:
        return {"VIDKIT_YOUTUBE_API_URL": self.root_url, "VIDKIT_CA_BUNDLE": str(self.ca_file),
                "VIDKIT_YOUTUBE_TOKEN": str(token_path)}

    def revoke(self, refresh_token: str = "refresh-good") -> None:
        """The user revoked access: the refresh token and its access tokens stop working."""
        with self._lock:
            self._refresh_tokens.pop(refresh_token, None)
            for token, (rt, _) in list(self._access_tokens.items()):
                if rt == refresh_token:
                    del self._access_tokens[token]

    def expire_access_tokens(self) -> None:
        """Every issued access token is now expired (401 until the client refreshes)."""
        with self._lock:
            self._access_tokens.clear()

    def fail(self, kind: str, **params) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {sorted(FAULTS)}")
        count = params.pop("count", 1)
        if kind == "server_error_on_insert":
            params.setdefault("method", "videos.insert")
        unknown = set(params) - FAULTS[kind]
        if unknown:
            raise TypeError(f"fault {kind!r} takes no {sorted(unknown)}")
        with self._lock:
            self._faults.append(_Fault(kind, params, count))

    def hold_after_chunks(self, n: int) -> threading.Event:
        """After the n-th upload chunk accepted from now on, set the event and send no
        response until :meth:`release` (or shutdown, which resets the connection)."""
        reached, release = threading.Event(), threading.Event()
        with self._lock:
            self._hold = (self._accepted_chunks + n, reached, release)
            self._held.append(release)
        return reached

    def release(self) -> None:
        with self._lock:
            self._hold = None
            for event in self._held:
                event.set()
            self._held.clear()

    @property
    def videos(self) -> dict[str, FakeVideo]:
        with self._lock:
            return copy.deepcopy(self._videos)

    @property
    def sessions(self) -> dict[str, FakeSession]:
        with self._lock:
            return {s.uri: FakeSession(s.uri, s.method, s.total, bytearray(s.data), s.chunks,
                                       s.expired, s.completed, s.result, s.video_id)
                    for s in self._sessions.values()}

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self._requests)

    @property
    def quota_used(self) -> dict[str, int]:
        with self._lock:
            return dict(self._quota)

    @property
    def quota_calls(self) -> dict[str, int]:
        """Accepted (charged) calls per API method."""
        with self._lock:
            return dict(self._calls)

    @property
    def protocol_errors(self) -> list[str]:
        with self._lock:
            return list(self._protocol_errors)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in the fake itself (answered with 500)."""
        with self._lock:
            return list(self._internal_errors)

    @property
    def pending_faults(self) -> list[str]:
        with self._lock:
            return [f.kind for f in self._faults for _ in range(f.remaining)]

    # ------------------------------------------------------------------ plumbing

    def _take_fault(self, kind: str, **match) -> _Fault | None:
        """Pop one firing of the first queued fault of ``kind`` whose params match."""
        with self._lock:
            for fault in self._faults:
                if fault.kind != kind:
                    continue
                if any(fault.params.get(k) not in (None, v) for k, v in match.items()):
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _protocol_error(self, message: str) -> None:
        with self._lock:
            self._protocol_errors.append(message)

    def _log(self, ex: Exchange, status: int) -> None:
        with self._lock:
            self._requests.append((ex.method, ex.target, status))

    def _send(self, ex: Exchange, status: int, payload: dict | None = None,
              headers: dict[str, str] | None = None) -> None:
        if ex.unread:
            ex.read_body()  # keep the keep-alive connection in sync
        self._log(ex, status)
        write_response(ex, status, payload, headers)

    def _drop(self, ex: Exchange) -> None:
        self._log(ex, 0)
        reset_connection(ex)

    def _dropped(self, ex: Exchange, why: Dropped) -> None:
        if why.stalled:
            self._protocol_error(f"{ex.method} {ex.path}: {why}")
        self._drop(ex)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        ex = Exchange(handler, self.body_timeout)
        try:
            if handler.headers.get("Transfer-Encoding"):
                raise ApiError(411, "lengthRequired", "Content-Length required", "global")
            self._route(ex)
        except ApiError as err:
            try:
                self._send(ex, err.code, err.body(), err.headers)
            except Dropped as why:
                self._dropped(ex, why)
        except Dropped as why:
            self._dropped(ex, why)
        except Exception:  # a bug in the fake: make it loud in the test, not in the log
            with self._lock:
                self._internal_errors.append(traceback.format_exc())
            handler.close_connection = True
            try:
                self._send(ex, 500, {"error": {"code": 500, "message": "fake bug"}})
            except Exception:
                pass

    def _route(self, ex: Exchange) -> None:
        if ex.path == "/token":
            ex.body = ex.read_body()
            return self._token(ex)
        if ex.path.startswith("/upload/") and "upload_id" in ex.query:
            return self._session_request(ex)
        name = self.ROUTES.get((ex.method, ex.path))
        if name is None:
            raise ApiError(404, "notFound", f"No such endpoint: {ex.method} {ex.path}", "global")
        ex.body = ex.read_body()
        scopes = self._authorize(ex)
        status, payload, headers = getattr(self, name)(ex, scopes)
        self._send(ex, status, payload, headers)

    # ------------------------------------------------------------------ OAuth

    def _token(self, ex: Exchange) -> None:
        form = {k: v[0] for k, v in parse_qs(ex.body.decode("utf-8", "replace")).items()}

        def oauth_error(status, error, description):
            self._send(ex, status, {"error": error, "error_description": description})

        if ex.method != "POST":
            return oauth_error(405, "invalid_request", "POST required")
        if form.get("grant_type") != "refresh_token":
            return oauth_error(400, "unsupported_grant_type",
                               f"Invalid grant_type: {form.get('grant_type', '')}")
        if form.get("client_id") != self.client_id or \
                form.get("client_secret") != self.client_secret:
            return oauth_error(401, "invalid_client", "The OAuth client was not found.")
        refresh = form.get("refresh_token", "")
        wanted = form.get("scope", "").split()
        with self._lock:
            faulted = self._take_fault("invalid_grant") is not None
            granted = self._refresh_tokens.get(refresh)
            if faulted or granted is None or not set(wanted) <= set(granted):
                token = None
            else:
                scopes = tuple(wanted) or granted
                token = "ya29.fake-" + secrets.token_urlsafe(24)
                self._access_tokens[token] = (refresh, scopes)
        if token is None and (faulted or granted is None):
            return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        if token is None:
            return oauth_error(400, "invalid_scope", "Bad Request")
        self._send(ex, 200, {"access_token": token, "expires_in": 3600,
                             "scope": " ".join(scopes), "token_type": "Bearer"})

    def _authorize(self, ex: Exchange) -> tuple[str, ...]:
        auth = ex.headers.get("Authorization", "")
        realm = 'Bearer realm="https://accounts.google.com/"'
        if not auth.startswith("Bearer "):
            raise ApiError(401, "required", "Login Required.", "global",
                           headers={"WWW-Authenticate": realm})
        with self._lock:
            entry = self._access_tokens.get(auth[7:].strip())
        if entry is None:
            raise ApiError(401, "authError", "Invalid Credentials", "global",
                           headers={"WWW-Authenticate": realm + ', error="invalid_token"'})
        return entry[1]

    # ------------------------------------------------------------------ resumable sessions

    def _new_session(self, ex: Exchange, method: str, total: int | None, finish) -> str:
        upload_id = "AEnB2U" + secrets.token_urlsafe(30)
        uri = f"{self.root_url}{ex.path.lstrip('/')}?{urlsplit(ex.target).query}" \
              f"&upload_id={upload_id}"
        with self._lock:
            self._sessions[upload_id] = FakeSession(uri, method, total, finish=finish)
        return uri

    def _where(self, s: FakeSession) -> tuple:
        """The answer to "where are you?": the final result, or 308 with the Range kept."""
        with self._lock:
            if s.completed:
                return (*s.result, None)
            return 308, None, {"Range": f"bytes=0-{s.received - 1}"} if s.received else {}

    def _live_session(self, ex: Exchange, cr) -> FakeSession:
        with self._lock:
            s = self._sessions.get(ex.param("upload_id"))
            gone = ApiError(404, "notFound", "Not Found", "global")
            if s is None or s.expired:
                raise gone
            if self._take_fault("expire_session", on_chunk=s.chunks + 1):
                s.expired = True
                raise gone
            if ex.method != "PUT":
                raise ApiError(400, "badRequest", "Upload sessions take PUT", "global")
            # googleapiclient sends no Content-Range for an empty file: that is the last chunk
            if cr is None and not (ex.unread == 0 and s.total == 0):
                self._protocol_error(f"PUT without a valid Content-Range: "
                                     f"{ex.headers.get('Content-Range')!r}")
                raise ApiError(400, "badRequest", "Invalid Content-Range", "global")
            return s

    def _session_request(self, ex: Exchange) -> None:
        cr = parse_content_range(ex.headers.get("Content-Range"))
        with self._lock:
            s = self._live_session(ex, cr)
            status_only = s.completed or (cr is not None and cr.is_query)
            drop = fail = None
            if not status_only:
                drop = self._take_fault("drop_mid_chunk", on_chunk=s.chunks + 1)
                fail = None if drop else self._take_fault("chunk_503", on_chunk=s.chunks + 1)
        if status_only:  # a status query, or anything sent to a finished upload
            ex.read_body()
            return self._send(ex, *self._where(s))
        first, length, total = (cr.first, cr.length, cr.total) if cr else (0, 0, 0)
        if ex.unread != length:
            self._protocol_error(f"Content-Length {ex.unread} != Content-Range {cr}")
            raise ApiError(400, "badRequest", "Content-Length does not match Content-Range")
        if drop:
            half = ex.read_body(length // 2)
            with self._lock:
                if first == s.received:
                    s.data += half  # the server keeps a prefix; the client must ask for Range
            return self._drop(ex)
        data = ex.read_body()
        if fail:
            raise ApiError(503, "backendError", "Backend Error", "global")
        reply, lose, hold = self._accept_chunk(s, first, total, data)
        if hold:
            reached, release = hold
            reached.set()
            release.wait()
            if self._closing:
                return self._drop(ex)
        if lose:
            return self._drop(ex)
        self._send(ex, *reply)

    def _accept_chunk(self, s: FakeSession, first: int, total: int | None, data: bytes):
        """Store a chunk; return (reply, lose the reply?, (reached, release) events or None)."""
        with self._lock:
            if first != s.received:
                # Google answers with where it is and the client continues from there. A
                # chunk from before that point is a legitimate resend (the client had not
                # heard of the bytes the server kept); one from beyond it would skip data.
                if first > s.received:
                    self._protocol_error(f"chunk starts at {first} but the server has only "
                                         f"{s.received} bytes")
                return self._where(s), False, None
            if total is not None and s.total is not None and total != s.total:
                self._protocol_error(f"Content-Range total {total} != announced {s.total}")
                raise ApiError(400, "badRequest", "Content-Range total changed")
            end = first + len(data)
            if total is not None and end > total:
                self._protocol_error(f"chunk ends at {end}, beyond the total {total}")
                raise ApiError(400, "badRequest", "Chunk beyond the announced size")
            final = total is not None and end == total
            if not final and len(data) % CHUNK_GRANULARITY:
                self._protocol_error(f"chunk of {len(data)} bytes at {first} is not a multiple "
                                     f"of {CHUNK_GRANULARITY} and is not the last")
            s.data += data
            s.chunks += 1
            s.total = total if total is not None else s.total
            self._accepted_chunks += 1
            if final:
                s.completed = True
                s.result = s.finish(bytes(s.data))
                s.video_id = s.result[1].get("id") if s.result[0] == 200 else None
            lose = final and self._take_fault("lose_final_response") is not None
            hold = None
            if self._hold and self._hold[0] == self._accepted_chunks:
                hold, self._hold = self._hold[1:], None
            return self._where(s), lose, hold
