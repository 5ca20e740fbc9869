"""With a roster, no name and no identifying number leaves through the output folder or the
terminal.

Every command that takes a roster runs as a user would (subprocesses), on the bundled sample and
on a second recording in which a therapist says an accented name (heard as "Jose Muller"), a
sister's name, a phone number and a date of birth. Then every file under `-o` (its name; text
and JSON; the metadata and bytes of media files) and everything printed is searched for each
roster name part and nickname, case- and accent-insensitively, and for the numbers. The clear
transcript lives only in the private store: 0700 folder, 0600 file, named by hashes.
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
from tests.support.named_session import NUMBERS, make_named_session
from vidkit.privacy.roster import parse_roster
from vidkit.hashing import file_sha256

TEXT_SUFFIXES = (".json", ".txt", ".srt", ".vtt", ".ass", ".md", ".csv", ".edl", ".fcpxml", ".log")


def fold(text: str) -> str:
    """Lower case, accents and underscores off: "José_Müller" -> "jose muller"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("_", " ")


def findings(text: str, forbidden: tuple[str, ...]) -> list[str]:
    folded = fold(text)
    return [word for word in forbidden if re.search(rf"(?<!\w){re.escape(fold(word))}(?!\w)", folded)]


def roster_words(roster: Path) -> tuple[str, ...]:
    """Every part of every name and nickname on the roster, as written ("José", "Müller", "Jose")."""
    people = parse_roster(roster.read_text("utf-8")).people
    return tuple(dict.fromkeys(part for person in people for name in person.names for part in name.split()))


# Where a container keeps the coded picture and sound: not searched, because random coded bytes
# read as text hold any short word sooner or later ("anna", once accents are folded off).
_PAYLOAD = {".mp4": {b"mdat"}, ".m4a": {b"mdat"}, ".mov": {b"mdat"}, ".png": {b"IDAT"}, ".wav": {b"data"}}


def _boxes(data: bytes, suffix: str):
    """(type, bytes) of the top-level boxes (MP4), chunks (PNG, RIFF) or segments (JPEG)."""
    if suffix in (".mp4", ".m4a", ".mov"):
        at = 0
        while at + 8 <= len(data):
            size, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
            if size == 1:
                size = int.from_bytes(data[at + 8:at + 16], "big")
            size = size or len(data) - at
            yield kind, data[at:at + size]
            at += max(size, 8)
    elif suffix == ".png":
        at = 8
        while at + 8 <= len(data):
            size, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
            yield kind, data[at:at + 12 + size]
            at += 12 + size
    elif suffix == ".wav":
        yield b"RIFF", data[:12]
        at = 12
        while at + 8 <= len(data):
            size, kind = int.from_bytes(data[at + 4:at + 8], "little"), data[at:at + 4]
            yield kind, data[at:at + 8 + size]
            at += 8 + size + size % 2
    elif suffix in (".jpg", ".jpeg"):
        at = 2
        while at + 4 <= len(data) and data[at] == 0xFF:
            marker, size = data[at + 1], int.from_bytes(data[at + 2:at + 4], "big")
            yield bytes([marker]), data[at:at + 2 + size]
            if marker == 0xDA:  # start of scan: the coded picture follows
                return
            at += 2 + size
    else:
        yield b"", data


def media_text(path: Path) -> str:
    """A media file's container and stream metadata (PyAV) and every byte outside its coded
    picture and sound, read as UTF-8 and as Latin-1: a name in an atom, a comment, a text
    track, an EXIF or PNG text field shows up there."""
    data = path.read_bytes()
    skip = _PAYLOAD.get(path.suffix, set())
    kept = b"\n".join(box for kind, box in _boxes(data, path.suffix) if kind not in skip)
    parts = [kept.decode("utf-8", "replace"), kept.decode("latin-1")]
    try:
        with av.open(str(path)) as container:
            parts += [f"{k}={v}" for k, v in container.metadata.items()]
            for stream in container.streams:
                parts += [f"{k}={v}" for k, v in stream.metadata.items()]
    except av.error.FFmpegError:
        pass
    return "\n".join(parts)


def test_the_media_scan_finds_a_name_in_metadata_and_skips_coded_pictures(tmp_path, small_video):
    from tests.conftest import ffmpeg

    tagged = tmp_path / "tagged.mp4"
    ffmpeg("-i", str(small_video), "-c", "copy", "-metadata", "comment=Visit of José Müller", str(tagged))
    assert findings(media_text(tagged), ("Jose", "Muller")) == ["Jose", "Muller"]
    untagged = media_text(small_video)
    assert "moov" in untagged and len(untagged) < small_video.stat().st_size  # mdat left out
    picture = tmp_path / "still.jpg"
    ffmpeg("-i", str(small_video), "-frames:v", "1", str(picture))
    comment = "Anna Visser".encode()
    jpeg = picture.read_bytes()
    picture.write_bytes(jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:])
    assert findings(media_text(picture), ("Anna",)) == ["Anna"]


def scan_folder(folder: Path, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """{file: what was found in its name or content} for every file under `folder`."""
    leaks = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder))
        text = path.read_text("utf-8") if path.suffix in TEXT_SUFFIXES else media_text(path)
        found = findings(name + "\n" + text, forbidden)
        if found:
            leaks[name] = found
    return leaks


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    folder = tmp_path_factory.mktemp("second")
    return make_named_session(folder)


def _case(name: str, named, tmp_path: Path):
    if name == "sample":
        video = tmp_path / "caren_session.mp4"
        shutil.copyfile(SAMPLE, video)
        roster = tmp_path / "roster.txt"
        shutil.copyfile(SAMPLE.parent / "roster.txt", roster)
        return video, roster, (), "slow the belt down"
    video, roster = named
    copy = tmp_path / "session_b.mp4"  # a recording named after the patient is refused: test_identifying
    shutil.copyfile(video, copy)
    return copy, roster, NUMBERS, "keep walking"


@pytest.mark.slow
@pytest.mark.parametrize("case", ["sample", "named"])
def test_no_roster_name_or_number_under_the_output_folder_or_on_the_terminal(case, named, tmp_path):
    video, roster, numbers, phrase = _case(case, named, tmp_path)
    out, clear, config = tmp_path / "out", tmp_path / "clear", tmp_path / "configured"
    stem = video.stem
    # A clear transcript, made without a roster into another folder, for `vidkit redact`.
    assert run_vidkit("transcribe", video, "-o", clear, "--quiet").returncode == 0
    config.mkdir()
    (config / "vidkit.toml").write_text(f"[privacy]\nroster = '{roster}'\n", encoding="utf-8")
    runs = [
        # the roster from vidkit.toml [privacy], as a clinic would set it once
        (config, ("--config", config / "vidkit.toml", "transcribe", video, "--format", "txt,srt,vtt", "-o", out)),
        (None, ("transcribe", video, "--roster", roster, "--format", "txt", "-o", out, "--json")),
        (None, ("caption", video, "--burn", "--roster", roster, "-o", out)),
        (None, ("redact", clear / f"{stem}.transcript.json", "--roster", roster, "--media", video, "-o", out)),
        (None, ("redact", out / f"{stem}.transcript.json", "--roster", roster, "-o", out / "again")),
        (None, ("blur", video, "--roster", roster, "--review", "-o", out)),
        (None, ("clip", video, "--find", phrase, "--roster", roster, "--export", "edl", "-o", out, "--json")),
        (None, ("clip", video, "--auto", "1", "--aspect", "9:16", "--burn", "--roster", roster, "--subject", "P-0001",
                "-o", out)),
        (None, ("redact", out / f"{stem}.clip01.transcript.json", "--roster", roster, "-o", out / "clip")),
        (None, ("describe", out / f"{stem}.clip01.mp4", "--roster", roster)),
        (None, ("describe", out / f"{stem}.clip01.mp4", "--roster", roster, "--json")),
    ]
    failed, printed = {}, []
    for cwd, args in runs:
        result = run_vidkit(*args, cwd=cwd)
        command = " ".join(str(a) for a in args if not str(a).startswith("/"))
        # The named session's "Anna Visser" is heard by tiny.en as "and a visitor": not redacted, so
        # not bleeped. The second listen decodes unsure stretches by sampling and sometimes hears
        # "Anna" there: then refusing the output (exit 1, recorded as unverified) is right. Any other
        # failure is one; and whatever was refused, no file below may hold a name.
        refused = result.returncode == 1 and "the second listen still hears" in result.stderr
        if result.returncode != 0 and not (case == "named" and refused):
            failed[command] = [line for line in result.stderr.splitlines() if re.search(r"[a-z]", line)][-1:]
        printed.append((command, result.stdout + result.stderr))
    # Guards the guard: the recording's clear transcript says the names (and numbers) looked for.
    names = roster_words(roster)
    said = (clear / f"{stem}.transcript.json").read_text("utf-8")
    assert findings(said, names), "the recording's transcript has no roster name: the test tests nothing"
    assert not numbers or findings(said, numbers)
    forbidden = names + tuple(numbers)
    leaks = {"exit codes": failed, "files": scan_folder(out, forbidden),
             "printed": {command: findings(text, forbidden) for command, text in printed if findings(text, forbidden)}}
    assert leaks == {"exit codes": {}, "files": {}, "printed": {}}
    if case == "sample":  # the records keep their layout (issue 11: schema-compatible outputs)
        from tests.support.golden import check_golden
        from vidkit.records import load_record

        for name, suffix in (("clip", ".clip01.clip.json"), ("privacy", ".privacy.json"),
                             ("redaction", ".redaction.json"), ("candidates", ".clips.json"),
                             ("upload", ".clip01.upload.json")):
            check_golden(name, load_record(out / f"{stem}{suffix}").data)  # load_record validates it too
        check_golden("captions-qc", json.loads((out / f"{stem}.captions-qc.json").read_text("utf-8")))
    made = {str(p.relative_to(out)) for p in out.rglob("*")}
    for expected in (f"{stem}.transcript.json", f"{stem}.txt", f"{stem}.srt", f"{stem}.captioned.mp4",
                     f"{stem}.redaction.json", f"{stem}.redacted.mp4", f"{stem}.blurred.mp4", f"{stem}.clips.json",
                     f"{stem}.clips.edl", f"{stem}.clip01.clip.json", f"{stem}.clip01.upload.json",
                     f"{stem}.clip01.transcript.json", f"{stem}.captions-qc.json", f"{stem}.redacted.transcript.json",
                     f"{stem}.clip01.jpg", f"{stem}.review.png", f"again/{stem}.redacted.transcript.json",
                     f"clip/{stem}.clip01.redacted.transcript.json"):
        assert expected in made, expected
    # The clear transcript is in the private store only, readable by its owner only, named by hashes.
    store = Path(os.environ["XDG_DATA_HOME"]) / "vidkit" / "private-transcripts"
    kept = sorted(store.glob(f"{file_sha256(video)}.*.transcript.json"))
    assert len(kept) == 1 and findings(kept[0].read_text("utf-8"), names)
    assert stat.S_IMODE(store.stat().st_mode) == 0o700 and stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    beside = json.loads((out / f"{stem}.transcript.json").read_text("utf-8"))
    assert beside["provenance"]["redaction"]["counts"]["name"] >= 1
    # The publishable outputs say their words were redacted and the second listen heard nothing.
    for record, key in ((out / f"{stem}.clip01.clip.json", "words"), (out / f"{stem}.privacy.json", "words")):
        words = json.loads(record.read_text("utf-8"))[key]
        # (the named session: refused when the second listen hears the missed "Anna", see above)
        refused = case == "named" and words["verified"] is False and {h["kind"] for h in words["heard"]} == {"name"}
        assert words["redacted"] and (refused or (words["verified"] is True and words["heard"] == [])), \
            (record.name, words)
    # `redact` found the names in the clear words behind the redacted transcript it was given.
    assert json.loads((out / "again" / f"{stem}.redaction.json").read_text("utf-8"))["counts"]["name"] >= 1
