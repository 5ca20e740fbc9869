"""Typed records (issue 11 point 2): every kind loads, validates and saves; a record that is
not what its schema says is refused in one line; an older version is read, a newer refused."""

from __future__ import annotations

import json
import stat

import pytest

from tests.publish.conftest import clip_record, privacy_report
from vidkit.records import (KINDS, ClipRecord, PrivacyReport, RecordError, UploadDescription, load_record)


def test_every_kind_round_trips_and_saves_owner_only(tmp_path):
    record = ClipRecord(clip_record("ab" * 32))
    path = record.save(tmp_path / "s.clip01.clip.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_record(path)
    assert isinstance(again, ClipRecord) and again.data == record.data
    assert again.video_sha256 == "ab" * 32 and again.words.redacted and again.subjects == ["P-0042"]
    report = load_record(PrivacyReport(privacy_report("cd" * 32, settings={"kept_tracks": [2]})).save(tmp_path / "p.json"))
    assert report.video_sha256 == "cd" * 32 and report.kept_tracks == [2]
    assert set(KINDS) == {"vidkit.clip", "vidkit.publish", "vidkit.privacy", "vidkit.redaction", "vidkit.clips",
                          "vidkit.upload"}


@pytest.mark.parametrize("change, why", [
    ({"schema": "vidkit.clip/9"}, "newer vidkit"),
    ({"schema": "vidkit.upload/1"}, "not a vidkit.clip record"),
    ({"frames": "50"}, "'frames' is not int"),
    ({"frames": True}, "'frames' is not int"),
    ({"privacy": None}, "'privacy' is not dict"),
])
def test_a_record_that_is_not_what_it_says_is_refused(tmp_path, change, why):
    path = tmp_path / "x.clip.json"
    path.write_text(json.dumps({**clip_record("ab" * 32), **change}))
    with pytest.raises(RecordError, match=why):
        ClipRecord.load(path)


def test_a_current_record_missing_a_field_is_refused_an_older_one_is_read(tmp_path):
    data = clip_record("ab" * 32)
    del data["words"]
    path = tmp_path / "x.clip.json"
    path.write_text(json.dumps(data))
    with pytest.raises(RecordError, match="has no 'words'"):
        ClipRecord.load(path)
    path.write_text(json.dumps({**data, "schema": "vidkit.clip/2"}))
    assert ClipRecord.load(path).words is None


def test_unreadable_and_foreign_files_are_one_clear_line(tmp_path):
    (tmp_path / "a.json").write_text("{not json")
    (tmp_path / "b.json").write_text('{"schema": "someone.else/1"}')
    with pytest.raises(RecordError, match="not a readable record"):
        load_record(tmp_path / "a.json")
    with pytest.raises(RecordError, match="not a vidkit record"):
        load_record(tmp_path / "b.json")
    with pytest.raises(RecordError, match="has no 'snippet'"):
        UploadDescription.new(video="v.mp4", video_sha256="ab" * 32, status={}, subjects=[])
