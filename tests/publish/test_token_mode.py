"""A token file others can read is refused with the command that fixes it; vidkit's own are 0600."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.publish.conftest import consent, vidkit
from vidkit.errors import BadInputError
from vidkit.publish.auth import TokenStore


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620], ids=lambda mode: f"{mode:04o}")
def test_a_token_file_open_to_others_is_refused(tmp_path, mode):
    token = tmp_path / "my tokens" / "youtube-token.json"
    token.parent.mkdir()
    token.write_text(json.dumps({"refresh_token": "r"}))
    token.chmod(mode)
    with pytest.raises(BadInputError) as refused:
        TokenStore(token).load()
    message = str(refused.value)
    assert f"(mode {mode:04o}): run `chmod 600 '{token}'`" in message and "\n" not in message
    assert ("readable by others" in message) == bool(mode & 0o044)
    token.chmod(0o600)
    assert TokenStore(token).load() == {"refresh_token": "r"}


def test_saving_makes_a_token_owner_only_again(tmp_path):
    old = os.umask(0o022)
    try:
        store = TokenStore(tmp_path / "config" / "youtube-token.json")
        store.save({"refresh_token": "r1"})
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        store.path.chmod(0o644)
        store.save({"refresh_token": "r2"})
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600 and store.load() == {"refresh_token": "r2"}
    finally:
        os.umask(old)


def test_publish_and_auth_status_refuse_a_token_readable_by_others(yt, clip, ledger, env, token):
    consent(ledger)
    token.chmod(0o644)
    for args in (("publish", clip.video, "--ledger", ledger), ("auth", "--status")):
        result = vidkit(*args, env=env)
        assert result.exit_code == 2, result.output
        assert "is readable by others (mode 0644): run `chmod 600" in " ".join(result.stderr.split())
    assert yt.requests == [] and "refresh-good" not in result.output
    token.chmod(0o600)
    assert vidkit("auth", "--status", env=env).exit_code == 0
