"""The YouTube network seam: where vidkit talks to, which certificates it trusts, which token it uses.

Three settings, from the environment (which wins) or `[youtube]` in vidkit.toml:

- `VIDKIT_YOUTUBE_API_URL` / `api_url`: the root URL for API *and* upload calls (a proxy, a
  private endpoint, or the local fake the tests run). google-api-python-client keeps the
  `https` scheme of upload URLs and swaps only the host, so the endpoint must speak TLS.
- `VIDKIT_CA_BUNDLE` / `ca_bundle`: a PEM file of certificates to trust.
- `VIDKIT_YOUTUBE_TOKEN` / `token`: an authorized-user JSON (client_id, client_secret,
  refresh_token, token_uri); its token_uri may point at the same local server.

Everything else is the real client: `googleapiclient.discovery.build` over
`google_auth_httplib2.AuthorizedHttp` over `httplib2.Http`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from vidkit.config import Settings
from vidkit.errors import ConfigError

ENV_API_URL = "VIDKIT_YOUTUBE_API_URL"
ENV_CA_BUNDLE = "VIDKIT_CA_BUNDLE"
ENV_TOKEN = "VIDKIT_YOUTUBE_TOKEN"
ENV_CHUNK_KIB = "VIDKIT_UPLOAD_CHUNK_KIB"
ENV_RETRY_BASE = "VIDKIT_RETRY_BASE_SECONDS"
ENV_RETRY_ATTEMPTS = "VIDKIT_RETRY_ATTEMPTS"

CHUNK_UNIT_KIB = 256  # resumable chunks must be multiples of 256 KiB
DEFAULT_RETRY_BASE = 1.0  # seconds before the first retry; doubled each time, with jitter
DEFAULT_RETRY_ATTEMPTS = 8


@dataclass(frozen=True)
class YouTubeSettings:
    api_url: str  # "" = YouTube itself
    ca_bundle: Path | None
    token_path: Path | None  # None = the default store (user config dir or keyring)
    keyring: bool
    client_secrets: Path | None
    chunk_bytes: int
    playlist: str
    daily_uploads: int
    daily_units: int
    timeout: float  # seconds
    retry_base: float  # seconds
    retry_attempts: int

    def describe_endpoint(self) -> str:
        return self.api_url or "https://youtube.googleapis.com/ (YouTube)"


def youtube_settings(settings: Settings, env: Mapping[str, str] | None = None) -> YouTubeSettings:
    """The `[youtube]` section with the environment applied on top; checks values, opens nothing."""
    env = os.environ if env is None else env
    section = settings.section("youtube")

    def pick(env_name: str, key: str) -> str:
        value = env.get(env_name)
        return value if value not in (None, "") else str(section[key] or "")

    api_url = _api_url(pick(ENV_API_URL, "api_url"))
    ca_text = pick(ENV_CA_BUNDLE, "ca_bundle")
    ca_bundle = Path(ca_text).expanduser() if ca_text else None
    if ca_bundle is not None and not ca_bundle.is_file():
        raise ConfigError(f"the CA bundle {ca_bundle} does not exist (set by {ENV_CA_BUNDLE} or "
                          f"youtube.ca_bundle)")
    token_text = pick(ENV_TOKEN, "token")
    secrets = str(section["client_secrets"] or "")
    return YouTubeSettings(
        api_url=api_url,
        ca_bundle=ca_bundle,
        token_path=Path(token_text).expanduser() if token_text else None,
        keyring=bool(section["keyring"]) and not token_text,
        client_secrets=Path(secrets).expanduser() if secrets else None,
        chunk_bytes=_chunk_bytes(env.get(ENV_CHUNK_KIB) or section["chunk_kib"]),
        playlist=str(section["playlist"] or ""),
        daily_uploads=int(section["daily_uploads"]),
        daily_units=int(section["daily_units"]),
        timeout=float(section["timeout"]),
        retry_base=_number(env.get(ENV_RETRY_BASE), DEFAULT_RETRY_BASE, ENV_RETRY_BASE, float),
        retry_attempts=_number(env.get(ENV_RETRY_ATTEMPTS), DEFAULT_RETRY_ATTEMPTS, ENV_RETRY_ATTEMPTS, int),
    )


def _api_url(value: str) -> str:
    if not value:
        return ""
    parsed = urlparse(value)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ConfigError(f"the YouTube API URL {value!r} must be an https:// root URL such as "
                          f"https://127.0.0.1:8443/ (upload URLs always use https)")
    return value if value.endswith("/") else value + "/"


def _chunk_bytes(value: Any) -> int:
    try:
        kib = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"the upload chunk size {value!r} must be a whole number of KiB") from None
    if kib <= 0 or kib % CHUNK_UNIT_KIB:
        raise ConfigError(f"the upload chunk size must be a positive multiple of {CHUNK_UNIT_KIB} KiB, "
                          f"not {kib} (youtube.chunk_kib or {ENV_CHUNK_KIB})")
    return kib * 1024


def _number(text: str | None, default, name: str, kind):
    if text in (None, ""):
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a number") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def transport(yts: YouTubeSettings):
    """The plain HTTPS transport: trusts `ca_bundle` when set; 308 is not a redirect here; a
    PUT whose connection closes before the answer fails instead of being sent again."""
    import http.client

    import httplib2

    class Connection(httplib2.HTTPSConnectionWithTimeout):
        # httplib2 silently repeats a request once when the server closes the connection
        # without an answer. For an upload chunk that breaks the resumable protocol: the server
        # may have stored some or all of it (a lost final response), so the client must ask
        # where it stopped (`Content-Range: bytes */N`) rather than resend from its own offset.
        def getresponse(self):
            try:
                return super().getresponse()
            except http.client.RemoteDisconnected as exc:
                if getattr(self, "_method", None) != "PUT":
                    raise
                self.close()
                raise ConnectionResetError("the server closed the connection without answering the upload") from exc

    class Transport(httplib2.Http):
        def request(self, uri, method="GET", body=None, headers=None, redirections=httplib2.DEFAULT_MAX_REDIRECTS,
                    connection_type=None):
            return super().request(uri, method, body, headers, redirections, connection_type or Connection)

    transport = Transport(ca_certs=str(yts.ca_bundle) if yts.ca_bundle else None, timeout=yts.timeout)
    # YouTube answers 308 "Resume Incomplete" to upload chunks; httplib2 must not follow it.
    transport.redirect_codes = transport.redirect_codes - {308}
    return transport


def authorized_http(yts: YouTubeSettings, credentials) -> Any:
    """`transport(yts)` with OAuth: adds the bearer token, refreshes it when YouTube says 401."""
    from google_auth_httplib2 import AuthorizedHttp

    return AuthorizedHttp(credentials, http=transport(yts))


def build_client(yts: YouTubeSettings, http: Any) -> Any:
    """The real google-api-python-client YouTube v3 resource over `http`, pointed at `yts.api_url`."""
    from googleapiclient.discovery import build

    return build("youtube", "v3", http=http, static_discovery=True, cache_discovery=False,
                 client_options={"api_endpoint": yts.api_url} if yts.api_url else None)
