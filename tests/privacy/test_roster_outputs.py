"""With a roster, no name and no identifying number leaves through the output folder or the
terminal.

Every command that takes a roster runs as a user would (subprocesses), on the bundled sample and
on a second recording in which a therapist says an accented name, a sister's name, a phone
number and a date of birth. Then every file under `-o` (text and JSON; the metadata and bytes of
media files) and everything printed is searched for each roster name part and nickname, case-
and accent-insensitively, and for the numbers. The clear transcript lives only in the private
store: 0700 folder, 0600 file, named by the recording's sha256.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import unicodedata
from pathlib import Path

import av
import pytest

from tests.cli.helpers import run_vidkit
from tests.conftest import SAMPLE
from tests.support.named_session import NAMES, NUMBERS, make_named_session
from vidkit.transcribe.models import file_sha256

pytestmark = pytest.mark.slow

TEXT_SUFFIXES = (".json", ".txt", ".srt", ".vtt", ".ass", ".md", ".csv", ".edl", ".fcpxml", ".log")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def findings(text: str, forbidden: tuple[str, ...]) -> list[str]:
    folded = fold(text)
    return [word for word in forbidden if re.search(rf"(?<!\w){re.escape(fold(word))}(?!\w)", folded)]


def media_text(path: Path) -> str:
    """Container and stream metadata of a media file, plus its bytes read as Latin-1 (a name in
    an atom, a comment or an EXIF field shows up there)."""
    parts = [path.read_bytes().decode("latin-1")]
    try:
        with av.open(str(path)) as container:
            parts += [f"{k}={v}" for k, v in container.metadata.items()]
            for stream in container.streams:
                parts += [f"{k}={v}" for k, v in stream.metadata.items()]
    except av.error.FFmpegError:
        pass
    return "\n".join(parts)


def scan_folder(folder: Path, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    leaks = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_text("utf-8") if path.suffix in TEXT_SUFFIXES else media_text(path)
        found = findings(text, forbidden)
        if found:
            leaks[str(path.relative_to(folder))] = found
    return leaks


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    folder = tmp_path_factory.mktemp("named")
    return make_named_session(folder)


def _case(name: str, named, tmp_path: Path):
    if name == "sample":
        video = tmp_path / "caren_session.mp4"
        shutil.copyfile(SAMPLE, video)
        roster = tmp_path / "roster.txt"
        shutil.copyfile(SAMPLE.parent / "roster.txt", roster)
        return video, roster, ("Maria", "Jansen"), (), "slow the belt down"
    video, roster = named
    copy = tmp_path / video.name
    shutil.copyfile(video, copy)
    return copy, roster, NAMES, NUMBERS, "keep walking"


@pytest.mark.parametrize("case", ["sample", "named"])
def test_no_roster_name_or_number_under_the_output_folder_or_on_the_terminal(case, named, tmp_path):
    video, roster, names, numbers, phrase = _case(case, named, tmp_path)
    out, clear = tmp_path / "out", tmp_path / "clear"
    stem = video.stem
    # A clear transcript, made without a roster into another folder, for `vidkit redact`.
    assert run_vidkit("transcribe", video, "-o", clear, "--quiet").returncode == 0
    runs = [
        ("transcribe", video, "--roster", roster, "--format", "txt,srt,vtt", "-o", out),
        ("caption", video, "--burn", "--roster", roster, "-o", out),
        ("redact", clear / f"{stem}.transcript.json", "--roster", roster, "--media", video, "-o", out),
        ("blur", video, "--roster", roster, "--review", "-o", out),
        ("clip", video, "--find", phrase, "--burn", "--roster", roster, "-o", out, "--json"),
        ("clip", video, "--auto", "1", "--aspect", "9:16", "--burn", "--roster", roster, "--subject", "P-0001",
         "-o", out),
        ("describe", out / f"{stem}.clip01.mp4", "--roster", roster),
        ("describe", out / f"{stem}.clip01.mp4", "--roster", roster, "--json"),
    ]
    printed = []
    for args in runs:
        result = run_vidkit(*args)
        assert result.returncode == 0, (args[0], result.stderr)
        printed.append((" ".join(map(str, args[:1])), result.stdout + result.stderr))
    made = {p.name for p in out.iterdir()}
    for expected in (f"{stem}.transcript.json", f"{stem}.srt", f"{stem}.captioned.mp4", f"{stem}.redaction.json",
                     f"{stem}.blurred.mp4", f"{stem}.clips.json", f"{stem}.clip01.clip.json",
                     f"{stem}.clip01.upload.json", f"{stem}.clip01.transcript.json", f"{stem}.captions-qc.json",
                     f"{stem}.redacted.transcript.json", f"{stem}.clip01.jpg", f"{stem}.review.png"):
        assert expected in made, expected
    # Guards the guard: the clear transcript does say the names (and numbers) the scan looks for.
    said = (clear / f"{stem}.transcript.json").read_text("utf-8")
    assert findings(said, names), "the recording's transcript has no roster name: the test tests nothing"
    forbidden = tuple(names) + tuple(numbers)
    assert scan_folder(out, forbidden) == {}
    leaked_lines = {command: findings(text, forbidden) for command, text in printed if findings(text, forbidden)}
    assert leaked_lines == {}
    # The clear transcript is in the private store only, readable by its owner only.
    store = Path(os.environ["XDG_DATA_HOME"]) / "vidkit" / "private-transcripts"
    kept = store / f"{file_sha256(video)}.transcript.json"
    assert kept.is_file() and findings(kept.read_text("utf-8"), names)
    assert stat.S_IMODE(store.stat().st_mode) == 0o700 and stat.S_IMODE(kept.stat().st_mode) == 0o600
    report = json.loads((out / f"{stem}.transcript.json").read_text("utf-8"))
    assert report["provenance"]["redaction"]["counts"]["name"] >= 1
