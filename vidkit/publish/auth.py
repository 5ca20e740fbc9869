"""`vidkit auth`: the OAuth installed-app flow, and where the resulting token lives.

The token (an authorized-user JSON with a refresh token) is stored in the user config dir as
`youtube-token.json`, created with mode 0600 and replaced atomically (a token file others can
read is refused), or in the system keyring when `[youtube] keyring = true` and the `keyring`
package is installed. It is refreshed by google-auth when needed and written back after a
refresh. Nothing here logs or prints a token.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from vidkit.errors import BadInputError, ProcessingError, VidkitError
from vidkit.publish.client import ENV_TOKEN, YouTubeSettings
from vidkit.publish.errors import AuthExpired, NotAuthorised

SCOPES = ["https://www.googleapis.com/auth/youtube.upload",  # videos.insert, thumbnails.set
          "https://www.googleapis.com/auth/youtube.force-ssl"]  # captions, playlist items, lookups
TOKEN_FILE = "youtube-token.json"
KEYRING_SERVICE = "vidkit"
KEYRING_USER = "youtube-token"
PRIVATE_MODE = 0o600

EXPIRED_MESSAGE = ("the YouTube authorisation has expired or was revoked (Google ends the authorisation "
                   "of unverified 'testing' projects after 7 days, and when access is removed in the "
                   "Google account): run `vidkit auth` again")


def default_token_path() -> Path:
    return Path(platformdirs.user_config_dir("vidkit")) / TOKEN_FILE


@dataclass(frozen=True)
class TokenStore:
    """Where the token is kept: a file (mode 0600) or the system keyring."""

    path: Path | None
    use_keyring: bool = False

    def location(self) -> str:
        return f"system keyring ({KEYRING_SERVICE}/{KEYRING_USER})" if self.use_keyring else str(self.path)

    def load(self) -> dict[str, Any] | None:
        if self.use_keyring:
            text = _keyring().get_password(KEYRING_SERVICE, KEYRING_USER)
            origin = "the keyring's vidkit token"
        else:
            assert self.path is not None
            try:
                with open(self.path, encoding="utf-8") as handle:
                    _refuse_shared(self.path, os.fstat(handle.fileno()).st_mode)
                    text = handle.read()
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise BadInputError(f"cannot read the YouTube token {self.path}: {exc.strerror}") from None
            origin = str(self.path)
        if text is None:
            return None
        try:
            info = json.loads(text)
        except json.JSONDecodeError:
            raise BadInputError(f"{origin} is not an authorized-user JSON: run `vidkit auth` again") from None
        if not isinstance(info, dict):
            raise BadInputError(f"{origin} is not an authorized-user JSON: run `vidkit auth` again")
        return info

    def save(self, info: dict[str, Any]) -> None:
        text = json.dumps(info, indent=2) + "\n"
        if self.use_keyring:
            _keyring().set_password(KEYRING_SERVICE, KEYRING_USER, text)
        else:
            assert self.path is not None
            write_private(self.path, text)


def _refuse_shared(path: Path, mode: int) -> None:
    """A token file others can read (or change) is refused: its refresh token uploads to the
    clinic's channel until revoked, so a copy made by another account must not be possible."""
    mode = stat.S_IMODE(mode)
    if mode & 0o077 and os.name != "nt":  # Windows has no such bits: its ACLs decide
        how = "readable by others" if mode & 0o044 else "open to others"
        raise BadInputError(f"the YouTube token {path} is {how} (mode {mode:04o}): run "
                            f"`chmod 600 {shlex.quote(str(path))}` (and revoke it in the Google account "
                            f"if others may have copied it)")


def token_store(yts: YouTubeSettings) -> TokenStore:
    """The store named by `VIDKIT_YOUTUBE_TOKEN` / `youtube.token`, else the keyring (when asked
    for and installed), else `<user config dir>/youtube-token.json`."""
    if yts.token_path is not None:
        return TokenStore(yts.token_path)
    if yts.keyring:
        _keyring()
        return TokenStore(None, use_keyring=True)
    return TokenStore(default_token_path())


def _keyring():
    try:
        import keyring
    except ImportError:
        raise BadInputError("youtube.keyring is true but the keyring package is not installed: "
                            "pip install keyring, or set youtube.keyring = false to use a 0600 file") from None
    return keyring


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by the owner only from the first byte on."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)  # mode 0600
    try:
        os.fchmod(fd, PRIVATE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def credentials_from_info(info: dict[str, Any]):
    """google-auth user credentials; honours the file's token_uri (google-auth would replace it)."""
    from google.oauth2.credentials import Credentials

    try:
        credentials = Credentials.from_authorized_user_info(info)
    except ValueError as exc:
        raise BadInputError(f"the YouTube token is incomplete ({exc}): run `vidkit auth` again") from None
    if info.get("token_uri"):
        credentials = credentials.with_token_uri(info["token_uri"])
    return credentials


def load_credentials(store: TokenStore):
    info = store.load()
    if info is None:
        hint = (f" or point {ENV_TOKEN} at an authorized-user JSON copied from a desktop"
                if not store.use_keyring else "")
        raise NotAuthorised(f"vidkit is not authorised for YouTube yet (no token in {store.location()}): "
                            f"run `vidkit auth`{hint}")
    return credentials_from_info(info)


def credentials_info(credentials) -> dict[str, Any]:
    return json.loads(credentials.to_json())


def save_if_refreshed(store: TokenStore, credentials, token_before: str | None) -> bool:
    """Write the credentials back when google-auth refreshed them during this run."""
    if credentials.token and credentials.token != token_before:
        store.save(credentials_info(credentials))
        return True
    return False


def refresh_error(exc: Exception) -> VidkitError:
    """A google-auth RefreshError as one clear line (the error code only, never a token)."""
    code = ""
    if len(exc.args) > 1 and isinstance(exc.args[1], dict):
        code = str(exc.args[1].get("error", ""))
    text = str(exc.args[0]) if exc.args else ""
    if code == "invalid_grant" or text.startswith("invalid_grant"):
        return AuthExpired(EXPIRED_MESSAGE)
    if code in ("invalid_client", "unauthorized_client") or text.startswith(("invalid_client", "unauthorized_client")):
        return AuthExpired("the OAuth client in the YouTube token was deleted or changed: run "
                           "`vidkit auth --client-secrets FILE` again with the current client")
    reason = code or text.split(":", 1)[0][:80] or type(exc).__name__
    return ProcessingError(f"could not refresh the YouTube authorisation ({reason}); try again, or run `vidkit auth`")


def run_flow(client_secrets: Path, *, open_browser: bool, port: int, ca_bundle: Path | None = None):
    """The installed-app flow in the browser; returns google-auth credentials.

    The prompt with the URL goes to stderr, so `--json` output on stdout stays one object."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    if not client_secrets.is_file():
        raise BadInputError(f"the OAuth client file {client_secrets} does not exist: download it from the "
                            f"Google Cloud console (APIs & Services > Credentials > a 'Desktop app' client)")
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), scopes=SCOPES)
    except (ValueError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{client_secrets} is not an OAuth client file ({exc}): download the JSON of a "
                            f"'Desktop app' client from the Google Cloud console") from None
    if ca_bundle is not None:
        _trust(flow.oauth2session, ca_bundle)
    prompt = ("Open this URL in a browser to authorise vidkit for YouTube:\n{url}\n"
              if not open_browser else "A browser window should open; if not, open this URL:\n{url}\n")
    with contextlib.redirect_stdout(sys.stderr):
        return flow.run_local_server(port=port, open_browser=open_browser, authorization_prompt_message=prompt,
                                     success_message="vidkit is authorised. You may close this window.")


def _trust(session, ca_bundle: Path) -> None:
    """Make the token exchange trust `ca_bundle`, whatever REQUESTS_CA_BUNDLE says (requests lets
    that variable override a session's own `verify`, but not one given per request)."""
    send = session.request

    def request(method, url, *args, **kwargs):
        kwargs["verify"] = str(ca_bundle)
        return send(method, url, *args, **kwargs)

    session.request = request


def token_status(store: TokenStore) -> dict[str, Any]:
    """What is known about the stored token, without the token or any network call."""
    status: dict[str, Any] = {"location": store.location(), "exists": False}
    info = store.load()
    if info is None:
        return status
    scopes = info.get("scopes")
    if isinstance(scopes, str):
        scopes = scopes.split()
    status.update(exists=True, scopes=list(scopes) if scopes else None, refresh_token=bool(info.get("refresh_token")),
                  missing_scopes=[s for s in SCOPES if s not in scopes] if scopes else [],
                  access_token_expiry=info.get("expiry"))
    if store.path is not None:
        mode = stat.S_IMODE(store.path.stat().st_mode)
        status["mode"] = oct(mode)
        status["private"] = not mode & 0o077
    return status


def authorise(yts: YouTubeSettings, client_secrets: Path | None, *, open_browser: bool, port: int) -> dict[str, Any]:
    """Run the flow, store the token, and say where (never what)."""
    secrets = client_secrets or yts.client_secrets
    if secrets is None:
        raise BadInputError("give the OAuth client file: `vidkit auth --client-secrets client_secret.json` (a "
                            "'Desktop app' OAuth client from the Google Cloud console), or set youtube.client_secrets")
    credentials = run_flow(Path(secrets), open_browser=open_browser, port=port, ca_bundle=yts.ca_bundle)
    store = token_store(yts)
    store.save(credentials_info(credentials))
    return token_status(store)
