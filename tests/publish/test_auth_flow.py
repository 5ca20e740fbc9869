"""`vidkit auth --no-browser` as a user on a headless machine meets it: the URL is printed, the
browser's redirect arrives, the code is exchanged at a local HTTPS token endpoint, and the token
is stored owner-only, never printed."""

from __future__ import annotations

import json
import os
import ssl
import stat
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import trustme

SCOPES = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.force-ssl"


class _TokenEndpoint(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.server.forms.append(form)
        ok = form.get("grant_type") == ["authorization_code"] and form.get("code") == ["code-from-google"]
        body = json.dumps({"access_token": "ya29.from-flow", "refresh_token": "refresh-from-flow",
                           "expires_in": 3599, "scope": SCOPES, "token_type": "Bearer"} if ok
                          else {"error": "invalid_grant"}).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_auth_no_browser_prints_the_url_and_stores_the_token_owner_only(tmp_path):
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    server.forms = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(json.dumps({"installed": {
        "client_id": "desk.apps.googleusercontent.com", "client_secret": "desk-secret",
        "auth_uri": "https://accounts.example/o/oauth2/auth",
        "token_uri": f"https://127.0.0.1:{server.server_address[1]}/token", "redirect_uris": ["http://localhost"]}}))
    token = tmp_path / "config" / "youtube-token.json"
    env = {**os.environ, "VIDKIT_CA_BUNDLE": str(ca_file), "VIDKIT_YOUTUBE_TOKEN": str(token)}
    process = subprocess.Popen([sys.executable, "-m", "vidkit", "auth", "--no-browser", "--client-secrets",
                                str(secrets), "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        url = ""
        while not url.startswith("https://accounts.example/"):
            url = process.stderr.readline().strip()
            assert url or process.poll() is None, "vidkit auth printed no URL"
        query = parse_qs(urlsplit(url).query)
        assert set(query["scope"][0].split()) == set(SCOPES.split())
        # The browser, after the user agreed: Google redirects it to the local server.
        redirect = f"{query['redirect_uri'][0]}?state={query['state'][0]}&code=code-from-google&scope={SCOPES}"
        with urllib.request.urlopen(redirect.replace(" ", "%20"), timeout=30) as answer:
            assert b"authorised" in answer.read()
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        server.shutdown()
    assert process.returncode == 0, stderr
    saved = json.loads(token.read_text())
    assert saved["refresh_token"] == "refresh-from-flow" and saved["client_id"] == "desk.apps.googleusercontent.com"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert "refresh-from-flow" not in stdout + stderr and "ya29" not in stdout + stderr
    assert json.loads(stdout)["summary"]["missing_scopes"] == []
    assert server.forms[0]["grant_type"] == ["authorization_code"]
