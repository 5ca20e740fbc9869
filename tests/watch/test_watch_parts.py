"""The watch mode's parts, without a watcher: which files are recordings, when one is stable
and readable, the store's exactly-once claims, and which failures are retried."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tests.conftest import make_video
from vidkit.errors import BadInputError, ProcessingError
from vidkit.store import open_store
from vidkit.watch import files
from vidkit.watch.items import DONE, FAILED, QUEUED, RUNNING, Items
from vidkit.watch.work import classify, one_line


@pytest.mark.parametrize("name,taken", [
    ("session.mp4", True), ("Session.MOV", True), ("a.mkv", True), ("x.MTS", True),
    ("session.mp4.part", False), ("session.tmp", False), ("~$session.mp4", False), (".session.mp4", False),
    ("session.mp4.crdownload", False), ("notes.txt", False), ("roster.csv", False), ("session.mp4~", False),
    ("session.publish.mp4", False), ("session.clip01.mp4", False), ("session.blurred.mp4", False),
    ("session.captioned.mp4", False), ("session.redacted.mp4", False), ("clip.mp4", True), ("published.mp4", True)])
def test_only_media_names_that_are_not_temporary_are_candidates(name, taken):
    assert files.is_candidate(Path(name)) is taken


def test_candidates_skip_the_watchers_own_folders_and_hidden_ones(tmp_path):
    for rel in ("a.mp4", "done/b.mp4", "failed/c.mp4", ".vidkit/d.mp4", "out/e.mp4", "sub/f.mp4", ".hidden/g.mp4",
                "sub/deeper/h.mp4"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    flat = files.candidates(tmp_path, recursive=False, skip=(tmp_path / "out",))
    assert [p.relative_to(tmp_path).as_posix() for p in flat] == ["a.mp4"]
    deep = files.candidates(tmp_path, recursive=True, skip=(tmp_path / "out",))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in deep) == ["a.mp4", "sub/deeper/h.mp4", "sub/f.mp4"]


def test_a_file_is_stable_only_after_it_held_still_for_the_settle_time(tmp_path):
    now = [100.0]
    settler = files.Settler(10.0, clock=lambda: now[0])
    path = tmp_path / "a.mp4"
    path.write_bytes(b"x" * 10)
    assert not settler.stable(path)  # first seen now
    now[0] += 9.9
    assert not settler.stable(path)
    with path.open("ab") as handle:  # grows: the clock starts again
        handle.write(b"y")
    now[0] += 5
    assert not settler.stable(path) and settler.unsettled() == 1
    now[0] += 10
    assert settler.stable(path) and settler.unsettled() == 0
    path.unlink()
    assert not settler.stable(path) and settler.seen == {}


def test_an_empty_file_is_never_stable(tmp_path):
    now = [0.0]
    settler = files.Settler(1.0, clock=lambda: now[0])
    (tmp_path / "a.mp4").touch()
    settler.observe(tmp_path / "a.mp4")
    now[0] += 60
    assert not settler.stable(tmp_path / "a.mp4")


def test_readable_wants_a_container_a_duration_and_an_end_that_decodes(tmp_path):
    good = make_video(tmp_path / "good.mp4", seconds=4.0)
    duration, size = files.readable(good)
    assert duration == pytest.approx(4.0, abs=0.1) and size == good.stat().st_size
    text = tmp_path / "text.mp4"
    text.write_text("not a video")
    with pytest.raises(BadInputError):
        files.readable(text)
    # moov first (faststart), then cut: the header promises 4 s, the data stops half-way
    whole = make_video(tmp_path / "fast.mp4", seconds=4.0, extra=("-movflags", "+faststart"))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(BadInputError, match="truncated"):
        files.readable(cut)
    plain_cut = tmp_path / "plain_cut.mp4"  # moov last: the cut file has no index at all
    plain_cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(BadInputError):
        files.readable(plain_cut)


@pytest.fixture
def items(tmp_path):
    with open_store(tmp_path / "s.sqlite3") as store:
        yield Items(store)


SHA_A, SHA_B = "a" * 64, "b" * 64


def test_the_same_bytes_are_claimed_once_whatever_the_name(items, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a.mp4", "copy.mp4"):
        (folder / name).write_bytes(b"x")
    first, new = items.claim(SHA_A, folder / "a.mp4", folder, out, "review", size=10, duration=1.0)
    assert new and first.state == QUEUED
    again, new = items.claim(SHA_A, folder / "copy.mp4", folder, out, "review", size=10, duration=1.0)
    assert not new and again.id == first.id and again.path == folder / "a.mp4"  # a copy: the first stays
    other, new = items.claim(SHA_B, folder / "a.mp4", folder, out, "review", size=11, duration=1.0)
    assert new and other.id != first.id  # changed bytes under the same name: a new recording
    assert len(items.list()) == 2


def test_a_renamed_file_is_found_where_it_is_now(items, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "new-name.mp4").write_bytes(b"x")
    items.claim(SHA_A, folder / "old-name.mp4", folder, tmp_path, "review", size=1, duration=1.0)
    found, new = items.claim(SHA_A, folder / "new-name.mp4", folder, tmp_path, "review", size=1, duration=1.0)
    assert not new and found.path == folder / "new-name.mp4"


def test_states_retries_recovery_and_lookups(items, tmp_path):
    folder = tmp_path / "in"
    item, _ = items.claim(SHA_A, folder / "a.mp4", folder, tmp_path, "review", size=1, duration=1.0)
    items.start(item.id, "local")
    items.progress(item.id, "Transcribing", 0.5)
    running = items.get(item.id)
    assert running.state == RUNNING and running.attempts == 1 and running.progress == 0.5
    assert items.ready(folder, 5) == []
    assert items.recover(folder) == 1  # the watcher died: queued again at once
    assert [i.id for i in items.ready(folder, 5)] == [item.id]
    items.start(item.id, "local")
    items.retry_later(item.id, "No space left on device", "caption", 60.0)
    assert items.ready(folder, 5) == [] and items.get(item.id).state == QUEUED  # not before the backoff
    items.requeue(item.id, reset_attempts=True)
    assert items.get(item.id).attempts == 0 and items.ready(folder, 5)
    items.start(item.id, "local")
    items.finish(item.id, DONE, seconds=1.5)
    done = items.get(item.id)
    assert done.state == DONE and done.step is None and done.seconds == 1.5
    assert items.find(str(item.id)).id == item.id and items.find(SHA_A[:10]).id == item.id
    with pytest.raises(BadInputError, match="no recording"):
        items.find("999")
    other, _ = items.claim(SHA_B, folder / "b.mp4", folder, tmp_path, "review", size=1, duration=None)
    items.fail(other.id, "cannot read b.mp4", None)
    assert [i.id for i in items.list(state=FAILED)] == [other.id]
    items.forget(other.id)
    assert items.get(other.id) is None


@pytest.mark.parametrize("error,kind", [
    (BadInputError("not a media file"), "bad-input"),
    (OSError(errno.ENOSPC, "No space left on device"), "transient"),
    (OSError(errno.ESTALE, "Stale file handle"), "transient"),
    (ProcessingError("ffmpeg failed: No space left on device"), "transient"),
    (ConnectionResetError("reset"), "transient"),
    (MemoryError(), "transient"),
    (KeyboardInterrupt(), "stopped"),
    (ProcessingError("the model crashed"), "failed"),
    (OSError(errno.EACCES, "Permission denied"), "failed")])
def test_failures_are_sorted_into_retried_and_not(error, kind):
    assert classify(error) == kind


def test_error_lines_hide_roster_names_and_secrets():
    line = one_line(ValueError("Jan  Smit's file\njan_smit.mp4 token ya29.a0AfH6SMBx1234567890abcdefghijkl"),
                    ("Jan", "Smit", "Jan Smit"))
    assert "Jan" not in line and "jan" not in line and "Smit" not in line and "\n" not in line
    assert "ya29.a0AfH6SMBx1234567890" not in line


def test_a_store_from_before_the_watch_table_is_refused_until_migrated(tmp_path):
    class Old:
        version = 3
        path = tmp_path / "old.sqlite3"

    with pytest.raises(BadInputError, match="older vidkit"):
        Items(Old())  # type: ignore[arg-type]


def test_default_jobs_divide_the_cores_by_the_presets_need_and_respect_memory(monkeypatch):
    from vidkit.pipeline.presets import load_preset, parse_preset
    from vidkit.watch import watcher

    monkeypatch.setattr(watcher.os, "cpu_count", lambda: 8)
    pages = {"SC_PAGE_SIZE": 4096, "SC_AVPHYS_PAGES": (16 << 30) // 4096}  # 16 GiB free
    monkeypatch.setattr(watcher.os, "sysconf", lambda name: pages[name])
    assert watcher.default_jobs(load_preset("review")) == 4
    assert watcher.default_jobs(load_preset("captions-only")) == 8
    pages["SC_AVPHYS_PAGES"] = (3 << 30) // 4096  # 3 GiB free: 3 at about 1 GiB each
    assert watcher.default_jobs(load_preset("captions-only")) == 3
    monkeypatch.setattr(watcher.os, "cpu_count", lambda: 1)
    assert watcher.default_jobs(load_preset("session")) == 1
    with pytest.raises(BadInputError, match="cores"):
        parse_preset("mine", {"steps": ["transcribe"], "cores": 0})


def test_a_store_on_a_network_share_is_warned_about(tmp_path, monkeypatch, caplog):
    import logging

    from vidkit import doctor
    from vidkit.watch import run

    monkeypatch.setattr(doctor, "_filesystem", lambda folder: ("nfs4", "/mnt/share"))
    with caplog.at_level(logging.WARNING, logger="vidkit.watch"):
        run._warn_if_shared(tmp_path / "store.sqlite3")
    assert "network filesystem" in caplog.text and "--ledger" in caplog.text
    caplog.clear()
    monkeypatch.setattr(doctor, "_filesystem", lambda folder: ("ext4", "/"))
    run._warn_if_shared(tmp_path / "store.sqlite3")
    assert caplog.text == ""


def test_the_people_in_a_recording_come_from_its_subjects_file(tmp_path):
    recording = tmp_path / "session_0412.mp4"
    assert files.subjects_beside(recording) == ()
    files.subjects_file(recording).write_text("# CAREN export\nP-0042\n\n  P-0043  # therapist\n")
    assert files.subjects_beside(recording) == ("P-0042", "P-0043")
    assert not files.is_candidate(files.subjects_file(recording))  # never taken as a recording


def test_the_output_folder_may_not_be_the_watched_one(tmp_path):
    from vidkit.config import load_settings
    from vidkit.watch.run import watch_folder
    from vidkit.watch.watcher import WatchOptions

    options = WatchOptions(folder=tmp_path, out_dir=tmp_path / ".", preset="captions-only",
                           store=tmp_path / "store.sqlite3", once=True)
    with pytest.raises(BadInputError, match="must not be the watched folder"):
        watch_folder(options, load_settings())
