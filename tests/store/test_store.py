"""The vidkit store: created 0600, migrated in one ordered list (from nothing, from the
publish ledgers of earlier releases), checked (newer refused, damage named), and opened
read-only without writing a byte."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.store.old_ledgers import CLIP, make_ledger
from vidkit.errors import BadInputError
from vidkit.publish.ledger import Ledger
from vidkit.store import MIGRATIONS, STORE_VERSION, JobStore, default_store_path, open_store, params_sha256

TABLES = {"uploads", "upload_steps", "consents", "history", "quota", "jobs", "watch_items"}


def _tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()


def _user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_migrations_are_one_ordered_list():
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert STORE_VERSION == MIGRATIONS[-1].version


@pytest.mark.parametrize("existing", [False, True], ids=["no file", "empty file"])
def test_an_empty_store_gets_every_migration(tmp_path, existing):
    path = tmp_path / "s.sqlite3"
    if existing:
        path.touch()
    with open_store(path) as store:
        assert store.version == STORE_VERSION
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert _tables(path) == TABLES
    assert _user_version(path) == STORE_VERSION
    with open_store(path) as store:  # opening again changes nothing
        assert store.version == STORE_VERSION


@pytest.mark.parametrize("version", [1, 2])
def test_a_ledger_of_an_earlier_vidkit_is_migrated_in_place(tmp_path, version):
    path = make_ledger(tmp_path / "ledger.sqlite3", version)
    with Ledger(path) as ledger:
        record = ledger.upload(CLIP)
        assert (record.state, record.video_id, record.title) == ("published", "vid123", "Gait training")
        assert record.steps == {"captions": ("done", "cap1")}
        assert [c.subject for c in ledger.consents()] == ["P-0042"]
        assert ledger.quota_used("2025-05-01") == {"units": 450}
        assert [h["action"] for h in ledger.history(CLIP)] == ([] if version == 1 else ["session"])
        ledger.sent(CLIP, {"snippet": {"title": "New"}, "status": {"privacyStatus": "private"}}, "update")
        assert ledger.upload(CLIP).title == "New"
        jobs = JobStore(ledger.store)  # the same file holds the jobs
        jobs.start(CLIP, "transcribe", params_sha256({}))
        assert [r.step for r in jobs.list(CLIP)] == ["transcribe"]
    assert _tables(path) == TABLES
    assert _user_version(path) == STORE_VERSION
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.sqlite3"]  # migrated in place, not copied


def test_the_ledger_of_an_earlier_vidkit_in_the_data_dir_is_the_default_store(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    folder = tmp_path / "data" / "vidkit"
    assert default_store_path() == folder / "vidkit.sqlite3"
    folder.mkdir(parents=True)
    earlier = make_ledger(folder / "ledger.sqlite3", 1)
    assert default_store_path() == earlier
    with Ledger() as ledger:  # the publish default and the store default are one file
        assert ledger.path == earlier and ledger.upload(CLIP).video_id == "vid123"
    with open_store() as store:
        assert store.path == earlier and store.version == STORE_VERSION
    assert sorted(p.name for p in folder.iterdir()) == ["ledger.sqlite3"]
    (folder / "vidkit.sqlite3").touch()  # once there is a vidkit.sqlite3, it is the store
    assert default_store_path() == folder / "vidkit.sqlite3"


def test_a_store_of_a_newer_vidkit_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "s.sqlite3"
    open_store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={STORE_VERSION + 1}")
    db.commit()
    db.close()
    before = _snapshot(tmp_path)
    for read_only in (False, True):
        with pytest.raises(BadInputError, match=f"newer vidkit \\(store version {STORE_VERSION + 1}, this one "
                                                f"knows {STORE_VERSION}\\): upgrade vidkit"):
            open_store(path, read_only=read_only)
    assert _snapshot(tmp_path) == before


def test_a_damaged_store_names_what_is_missing(tmp_path):
    path = tmp_path / "s.sqlite3"
    open_store(path).close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE consents")
    db.execute("ALTER TABLE jobs DROP COLUMN seconds")
    db.execute("DROP INDEX history_sha256")
    db.commit()
    db.close()
    for read_only in (False, True):
        with pytest.raises(BadInputError) as caught:
            open_store(path, read_only=read_only)
        message = str(caught.value)
        assert "damaged vidkit store" in message and "\n" not in message
        for part in ("table consents is missing", "column jobs.seconds is missing", "index history_sha256 is missing"):
            assert part in message


def test_a_store_missing_a_column_of_an_older_version_is_damaged_too(tmp_path):
    path = make_ledger(tmp_path / "ledger.sqlite3", 2)
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE uploads DROP COLUMN title")
    db.commit()
    db.close()
    with pytest.raises(BadInputError, match="column uploads.title is missing"):
        open_store(path, read_only=True)
    with pytest.raises(BadInputError, match="column uploads.title is missing"):
        Ledger(path)


def test_other_files_are_not_taken_for_a_store(tmp_path):
    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database at all, just some text that is long enough " * 20)
    with pytest.raises(BadInputError, match="is not a vidkit store"):
        open_store(text)
    other = tmp_path / "other.sqlite3"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (body TEXT)")
    db.commit()
    db.close()
    other.chmod(0o644)
    before = other.read_bytes()
    with pytest.raises(BadInputError, match="tables vidkit does not make: notes"):
        open_store(other)
    assert other.read_bytes() == before and _mode(other) == 0o644  # not ours: left as it was
    with pytest.raises(BadInputError, match="no vidkit store at"):
        open_store(tmp_path / "missing.sqlite3", read_only=True)


def _filled_store(path: Path) -> None:
    with open_store(path) as store:
        jobs = JobStore(store)
        jobs.start(CLIP, "transcribe", params_sha256({"model": "tiny.en"}))
        Ledger(path).close()


@pytest.mark.parametrize("version", [1, STORE_VERSION])
def test_read_only_opening_writes_nothing(tmp_path, version):
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "s.sqlite3"
    if version == STORE_VERSION:
        _filled_store(path)
        make = None
    else:
        make = make_ledger(path, version)
    assert make is None or make == path
    before = _snapshot(folder)
    assert sorted(before) == ["s.sqlite3"]  # no -wal/-shm once the writers are gone
    with open_store(path, read_only=True) as store:
        assert store.version == version  # an older store is read as it is, not migrated
        records = JobStore(store).list()
        assert [r.step for r in records] == (["transcribe"] if version == STORE_VERSION else [])
        with pytest.raises(ValueError, match="read-only"):
            JobStore(store).start(CLIP, "blur", params_sha256({}))
    with Ledger(path, read_only=True) as ledger:
        ledger.uploads()
        ledger.consents()
    assert _snapshot(folder) == before


def test_read_only_beside_a_writer_reads_what_it_committed(tmp_path):
    path = tmp_path / "s.sqlite3"
    with open_store(path) as writer:
        JobStore(writer).start(CLIP, "blur", params_sha256({"mode": "pixelate"}))
        assert Path(f"{path}-wal").exists()
        with open_store(path, read_only=True) as reader:
            assert [r.step for r in JobStore(reader).list()] == ["blur"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_is_owner_only_under_umask_0(tmp_path, monkeypatch):
    import vidkit.store.db as store_db

    path = tmp_path / "data" / "vidkit.sqlite3"
    seen = []  # the file's mode when SQLite opens it: 0600 from the first byte, no window
    connect = sqlite3.connect

    def spy(target, *args, **kwargs):
        if target == str(path):
            seen.append(_mode(path))
        return connect(target, *args, **kwargs)

    monkeypatch.setattr(store_db.sqlite3, "connect", spy)
    old = os.umask(0)
    try:
        with open_store(path) as store:
            assert seen == [0o600]
            JobStore(store).start(CLIP, "blur", params_sha256({}))
            files = sorted(path.parent.iterdir())
            assert {p.name for p in files} == {"vidkit.sqlite3", "vidkit.sqlite3-wal", "vidkit.sqlite3-shm"}
            assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
        path.chmod(0o644)  # copied with cp, say: narrowed when opened to write
        open_store(path).close()
        assert _mode(path) == 0o600
    finally:
        os.umask(old)


def test_publish_status_and_consent_work_on_a_ledger_of_an_earlier_vidkit(tmp_path):
    import json

    from typer.testing import CliRunner

    from vidkit.cli import app

    folder = tmp_path / "old"
    folder.mkdir()
    path = make_ledger(folder / "ledger.sqlite3", 1)
    before = _snapshot(folder)
    runner = CliRunner()
    status = runner.invoke(app, ["publish", "--status", "--ledger", str(path), "--json"], catch_exceptions=False)
    assert status.exit_code == 0, status.output
    assert [u["video_id"] for u in json.loads(status.stdout)["uploads"]] == ["vid123"]
    assert _snapshot(folder) == before  # --status reads the old file as it is
    listed = runner.invoke(app, ["consent", "list", "--ledger", str(path), "--json"], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    assert _user_version(path) == STORE_VERSION  # a command that may write migrates it in place


def test_every_publish_state_and_step_fits_the_migrated_schema(tmp_path):
    from vidkit.publish.ledger import STATES, STEPS

    with Ledger(tmp_path / "s.sqlite3") as ledger:  # a new state needs a new migration
        ledger.begin_upload(CLIP, size=1, overrides=[], subjects=[])
        for state in STATES:
            ledger.update(CLIP, state)
        for step in STEPS:
            ledger.step(CLIP, step, "done")
        assert ledger.upload(CLIP).state == STATES[-1] and set(ledger.upload(CLIP).steps) == set(STEPS)
