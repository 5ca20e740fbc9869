"""`--debug` shows what the libraries log, but never a token, code, client secret or
Authorization header: `vidkit auth --debug` (requests-oauthlib logs the whole token exchange)
and `vidkit publish --debug` (googleapiclient, google-auth, httplib2)."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import trustme

from tests.publish.conftest import consent, vidkit
from tests.support.fake_youtube import CLIENT_SECRET

SCOPES = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.force-ssl"
CLIENT_ID = "debug.apps.googleusercontent.com"
# Google's shapes, and plain strings that only their key gives away.
SECRETS = {"client_secret": "GOCSPX-debug-client-secret", "code": "4/0Ab-debug-authorization-code",
           "access_token": "ya29.debug-access-token", "refresh_token": "debug-refresh-token-value",
           "id_token": "eyJdebug.id-token.value"}


class _TokenEndpoint(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        ok = form.get("code") == [SECRETS["code"]]
        body = json.dumps({"access_token": SECRETS["access_token"], "refresh_token": SECRETS["refresh_token"],
                           "id_token": SECRETS["id_token"], "expires_in": 3599, "scope": SCOPES,
                           "token_type": "Bearer"} if ok else {"error": "invalid_grant"}).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _assert_no_secret(text: str, secrets) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} printed"
    assert "Bearer " not in text


def test_auth_debug_logs_the_exchange_without_a_secret(tmp_path):
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secrets_file = tmp_path / "client_secret.json"
    secrets_file.write_text(json.dumps({"installed": {
        "client_id": CLIENT_ID, "client_secret": SECRETS["client_secret"],
        "auth_uri": "https://accounts.example/o/oauth2/auth",
        "token_uri": f"https://127.0.0.1:{server.server_address[1]}/token", "redirect_uris": ["http://localhost"]}}))
    env = {**os.environ, "VIDKIT_CA_BUNDLE": str(ca_file), "COLUMNS": "400",
           "VIDKIT_YOUTUBE_TOKEN": str(tmp_path / "config" / "youtube-token.json")}
    process = subprocess.Popen([sys.executable, "-m", "vidkit", "auth", "--no-browser", "--debug", "--client-secrets",
                                str(secrets_file)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed = []
    try:
        url = ""
        while not (url.startswith("https://accounts.example/") and "state=" in url):  # the prompt's URL line
            printed.append(process.stderr.readline())
            url = printed[-1].strip()
            assert url or process.poll() is None, "vidkit auth printed no URL:\n" + "".join(printed)
        query = parse_qs(urlsplit(url).query)
        redirect = f"{query['redirect_uri'][0]}?state={query['state'][0]}&code={SECRETS['code']}&scope={SCOPES}"
        with urllib.request.urlopen(redirect.replace(" ", "%20"), timeout=30) as answer:
            assert b"authorised" in answer.read()
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        server.shutdown()
    text = "".join(printed) + stderr + stdout
    assert process.returncode == 0, text
    # The debug log is there: the token request, its headers and body, the token response.
    for logged in ("Request headers were", "Request body was", "Obtained token", "'Authorization': '[secret]'",
                   "code=[secret]", "'access_token': '[secret]'"):
        assert logged in text, logged
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRETS['client_secret']}".encode()).decode()
    _assert_no_secret(text, [*SECRETS.values(), basic])


def test_publish_debug_logs_the_requests_without_a_secret(yt, clip, ledger, env, token):
    consent(ledger)
    yt.expire_access_tokens()
    result = vidkit("publish", clip.video, "--ledger", ledger, "--debug", env=env)
    assert result.exit_code == 0, result.output
    assert "URL being requested: POST" in result.stderr and "Making request: POST" in result.stderr
    issued = json.loads(token.read_text())["token"]  # the access token of this run's refresh
    assert issued.startswith("ya29.")
    _assert_no_secret(result.stderr + result.stdout, [issued, "refresh-good", CLIENT_SECRET])
