"""What people said or who was seen stays owner-only on disk: transcripts, captions, reports and
records are created 0600 whatever the umask; videos and images (the product to share) follow it."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli.helpers import make_transcript, run_vidkit
from tests.conftest import make_video
from vidkit.media.output import atomic_path, write_text
from vidkit.publish.ledger import Ledger

MEDIA = {".mp4", ".m4a", ".wav", ".jpg", ".png"}


@contextlib.contextmanager
def umask(mask: int):
    old = os.umask(mask)  # inherited by the vidkit subprocesses
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_modes(folder: Path, mask: int) -> dict[str, list[str]]:
    """Every file vidkit wrote in `folder`: media follow the umask, everything else is 0600."""
    seen: dict[str, list[str]] = {"media": [], "private": []}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix in MEDIA:
            assert mode(path) == 0o666 & ~mask, (path.name, oct(mode(path)))
            seen["media"].append(path.name)
        else:
            assert mode(path) == 0o600, (path.name, oct(mode(path)))
            seen["private"].append(path.name)
    return seen


def vidkit(*args) -> dict:
    result = run_vidkit(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["outputs"]


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("modes")
    video = make_video(folder / "session.mp4", seconds=3.0)
    make_transcript(folder / "session.transcript.json")
    return video


@pytest.mark.parametrize("mask", [0o022, 0o000])
def test_transcribe_caption_clip_text_outputs_are_owner_only(session, tmp_path, mask):
    with umask(mask):
        made = vidkit("transcribe", session, "--format", "txt,srt,vtt", "-o", tmp_path / "transcribe")
        made |= vidkit("caption", session, "--burn", "--format", "srt,vtt,ass", "-o", tmp_path / "caption")
        made |= vidkit("clip", session, "--range", "0.5-2.5", "--export", "edl", "-o", tmp_path / "clip")
    seen = check_modes(tmp_path, mask)
    assert {"session.captioned.mp4", "session.clip01.mp4", "session.clip01.jpg"} <= set(seen["media"])
    assert {"session.transcript.json", "session.txt", "session.srt", "session.vtt", "session.ass",
            "session.captions-qc.json", "session.clip01.clip.json", "session.clip01.transcript.json",
            "session.clip01.srt", "session.clips.edl"} <= set(seen["private"])
    assert {Path(p).name for p in made.values()} <= set(seen["media"]) | set(seen["private"])


def test_reports_and_records_are_owner_only_even_with_umask_0(session, tmp_path):
    roster = tmp_path / "roster.txt"
    roster.write_text("Anna Smit\n", encoding="utf-8")
    with umask(0):
        clip = vidkit("clip", session, "--range", "0.5-2.5", "--no-blur", "-o", tmp_path / "out")["clip01.video"]
        vidkit("describe", clip, "--roster", roster, "-o", tmp_path / "out")
        vidkit("blur", session, "--review", "-o", tmp_path / "out")
        vidkit("redact", session.parent / "session.transcript.json", "--roster", roster, "--media", session,
               "-o", tmp_path / "out")
    seen = check_modes(tmp_path / "out", 0)
    assert {"session.blurred.mp4", "session.review.png", "session.redacted.mp4"} <= set(seen["media"])
    assert {"session.clip01.upload.json", "session.privacy.json", "session.redaction.json",
            "session.redacted.transcript.json"} <= set(seen["private"])


def test_private_outputs_are_owner_only_from_the_first_byte(tmp_path):
    final = tmp_path / "session.transcript.json"
    final.write_text("old")
    final.chmod(0o644)
    with umask(0):
        with atomic_path(final, private=True) as tmp:
            tmp.write_text("words said")
            assert mode(tmp) == 0o600
        assert mode(final) == 0o600 and final.read_text() == "words said"
        write_text(tmp_path / "report.json", "{}")
        assert mode(tmp_path / "report.json") == 0o600
        write_text(tmp_path / "public.txt", "shareable", private=False)
        assert mode(tmp_path / "public.txt") == 0o666
        with atomic_path(tmp_path / "video.mp4") as tmp:
            tmp.write_bytes(b"\0")
        assert mode(tmp_path / "video.mp4") == 0o666


def test_publish_ledger_and_its_journal_are_owner_only(tmp_path):
    path = tmp_path / "data" / "ledger.sqlite3"
    with umask(0):
        ledger = Ledger(path)
        try:
            ledger.charge("2026-01-01", "upload", 1600)
            files = sorted(path.parent.iterdir())
            assert {p.name for p in files} >= {"ledger.sqlite3", "ledger.sqlite3-wal"}
            assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        finally:
            ledger.close()
