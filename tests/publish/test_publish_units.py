"""The pure parts: quota days, backoff, settings, private files, gates' helpers, the ledger."""

from __future__ import annotations

import os
import stat
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidkit.config import load_settings
from vidkit.errors import ConfigError
from vidkit.publish.auth import write_private
from vidkit.publish.client import youtube_settings
from vidkit.publish.errors import QuotaRefused
from vidkit.publish.gates import _identifying, consent_gate, source_stem
from vidkit.publish.ledger import Ledger
from vidkit.publish.quota import UNITS, UPLOADS, Limits, Quota, cost, day_key, resets_at
from vidkit.publish.retry import MAX_DELAY, Backoff


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_quota_day_is_the_pacific_date():
    assert day_key(utc("2026-03-01T07:59:00")) == "2026-02-28"  # 23:59 PST
    assert day_key(utc("2026-03-01T08:00:00")) == "2026-03-01"
    assert day_key(utc("2026-07-01T06:59:00")) == "2026-06-30"  # 23:59 PDT
    assert resets_at(utc("2026-07-01T12:00:00")).astimezone(timezone.utc) == utc("2026-07-02T07:00:00")
    assert resets_at(utc("2026-12-01T12:00:00")).astimezone(timezone.utc) == utc("2026-12-02T08:00:00")


def test_costs_follow_the_design():
    assert cost(["videos.insert", "captions.insert", "thumbnails.set", "playlistItems.insert"]) == \
        {UPLOADS: 1, UNITS: 500}
    assert cost(["channels.list", "playlistItems.list", "videos.list"]) == {UPLOADS: 0, UNITS: 3}


def test_quota_check_names_the_bucket_and_the_reset(tmp_path):
    now = utc("2026-05-05T20:00:00")
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        quota = Quota(ledger, Limits(uploads=2, units=1000), clock=lambda: now)
        quota.charge("videos.insert")
        quota.charge("videos.insert")
        with pytest.raises(QuotaRefused, match=r"videos.insert bucket .* 2 of 2 used .* midnight Pacific .*in 11 h 00 min"):
            quota.check(["videos.insert"])
        quota.check(["captions.insert"])  # the other bucket is untouched
        assert quota.left() == {UPLOADS: 0, UNITS: 1000}
        later = Quota(ledger, Limits(uploads=2, units=1000), clock=lambda: utc("2026-05-06T07:00:00"))
        later.check(["videos.insert"])  # a new Pacific day


@given(st.floats(min_value=0, max_value=10), st.integers(min_value=1, max_value=40), st.floats(0, 1))
def test_backoff_grows_exponentially_with_jitter_and_a_cap(base, failures, jitter):
    delay = Backoff(base=base, rand=lambda: jitter).delay(failures)
    ceiling = min(MAX_DELAY, base * 2 ** (failures - 1))
    assert ceiling / 2 - 1e-9 <= delay <= ceiling + 1e-9


def test_settings_env_wins_over_toml_and_values_are_checked(tmp_path):
    (tmp_path / "vidkit.toml").write_text('[youtube]\napi_url = "https://proxy.example:8443"\nchunk_kib = 512\n'
                                          'token = "/srv/token.json"\n')
    settings = load_settings(cwd=tmp_path, config=tmp_path / "vidkit.toml")  # as --config: it sets [youtube]
    yts = youtube_settings(settings, env={})
    assert yts.api_url == "https://proxy.example:8443/" and yts.chunk_bytes == 512 * 1024
    assert yts.token_path == Path("/srv/token.json") and yts.ca_bundle is None
    yts = youtube_settings(settings, env={"VIDKIT_YOUTUBE_API_URL": "https://127.0.0.1:9/", "VIDKIT_UPLOAD_CHUNK_KIB": "256"})
    assert yts.api_url == "https://127.0.0.1:9/" and yts.chunk_bytes == 256 * 1024
    with pytest.raises(ConfigError, match="multiple of 256"):
        youtube_settings(settings, env={"VIDKIT_UPLOAD_CHUNK_KIB": "300"})
    with pytest.raises(ConfigError, match="https"):
        youtube_settings(settings, env={"VIDKIT_YOUTUBE_API_URL": "http://127.0.0.1:9/"})
    with pytest.raises(ConfigError, match="does not exist"):
        youtube_settings(settings, env={"VIDKIT_CA_BUNDLE": str(tmp_path / "missing.pem")})


def test_private_files_are_never_readable_by_others(tmp_path):
    old = os.umask(0)
    try:
        target = tmp_path / "new" / "youtube-token.json"
        write_private(target, '{"refresh_token": "x"}')
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
        target.chmod(0o644)
        write_private(target, '{"refresh_token": "y"}')  # replaced, not rewritten in place
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert [p.name for p in target.parent.iterdir()] == ["youtube-token.json"]
        ledger = tmp_path / "data" / "ledger.sqlite3"
        Ledger(ledger).close()
        assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_source_stem_strips_vidkit_output_names():
    assert source_stem(Path("jan_smit_2024.clip03.mp4")) == "jan_smit_2024"
    assert source_stem(Path("session.blurred.mp4")) == "session"
    assert source_stem(Path("a.b.captioned.mp4")) == "a.b"


@pytest.mark.parametrize("key, value, identifying", [
    ("major_brand", "isom", False), ("encoder", "Lavf61.1.100", False), ("encoder", "Lavc libx264", False),
    ("handler_name", "VideoHandler", False), ("language", "und", False),
    ("creation_time", "2024-01-01T00:00:00Z", True), ("location", "+52.3+004.9/", True),
    ("com.apple.quicktime.make", "Apple", True), ("title", "Jan Smit", True), ("encoder", "iPhone 12", True),
    ("handler_name", "Jan's camera", True), ("comment", "x", True),
])
def test_only_technical_container_tags_pass(key, value, identifying):
    assert _identifying(key, value) is identifying


def test_consent_expires_at_the_end_of_its_last_day(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        ledger.add_consent("P-1", "youtube", "2026-06-30", "ab" * 32)
        assert consent_gate(ledger, ["P-1"], False, "2026-06-30").ok
        assert not consent_gate(ledger, ["P-1"], False, "2026-07-01").ok
        ledger.add_consent("P-1", "youtube", None, None)  # renewed without an end
        assert consent_gate(ledger, ["P-1"], False, "2030-01-01").ok
        assert ledger.revoke_consent("P-1") == 2
        gate = consent_gate(ledger, ["P-1"], False, "2026-06-01")
        assert not gate.ok and "revoked" in gate.detail
        assert not consent_gate(ledger, ["P-1"], True, "2026-06-01").ok  # --no-subjects contradicts


def test_ledger_commits_every_state_change_at_once(tmp_path):
    path = tmp_path / "l.sqlite3"
    first = Ledger(path)
    first.begin_upload("ab" * 32, size=10, overrides=["no-subjects"], subjects=[])
    first.update("ab" * 32, "uploading", session_uri="https://x/upload?upload_id=1", bytes_sent=4)
    first.step("ab" * 32, "captions", "started")
    with Ledger(path) as second:  # another process would see the same, before `first` closes
        record = second.upload("ab" * 32)
        assert (record.state, record.bytes_sent, record.overrides) == ("uploading", 4, ["no-subjects"])
        assert record.steps == {"captions": ("started", None)}
        with pytest.raises(ValueError):
            second.update("ab" * 32, "lost")
    first.close()
    assert date.fromisoformat(record.created_at[:10])
