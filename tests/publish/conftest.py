"""Fixtures for the publish tests: a described clip on disk, a fake YouTube, a private ledger.

Every test drives the real google-api-python-client (through `vidkit publish`) against
`tests.support.fake_youtube` over HTTPS; nothing leaves the machine."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import make_video
from tests.support.fake_youtube import FakeYouTube
from vidkit.cli import app

CHUNK = 256 * 1024
TITLE = "Gait training on the treadmill"
SRT = "1\n00:00:00,000 --> 00:00:01,500\nLift your knee a little higher.\n\n"


# What a clip made with a roster says about its words: redacted, bleeped, heard again clean.
WORDS_OK = {"redacted": True, "roster_sha256": "ab" * 32, "counts": {"name": 1}, "audio_bleeped": True,
            "transcript_sha256": "cd" * 32, "clear_transcript": None, "verified": True, "note": "", "heard": []}


def clip_record(video_sha256: str, subjects=("P-0042",), files=None) -> dict:
    """A whole vidkit.clip/3 record of a 2 s clip (records are validated when read)."""
    return {"schema": "vidkit.clip/3", "index": 1, "mode": "exact", "source": {"sha256": "ef" * 32},
            "requested": {"start": 0.0, "end": 2.0}, "actual": {"start": 0.0, "end": 2.0, "duration": 2.0},
            "spans": [[0.0, 2.0]], "frames": 50, "captions": 1, "subjects": list(subjects),
            "privacy": {"masked": True, "verified": True, "tracks": 1}, "video_sha256": video_sha256,
            "words": dict(WORDS_OK), "files": dict(files or {})}


def privacy_report(output_sha256: str, **changes) -> dict:
    """A whole vidkit.privacy/1 report of `vidkit blur`'s output."""
    return {"schema": "vidkit.privacy/1", "input_sha256": "ef" * 32, "output_sha256": output_sha256,
            "verified": True, "frames": 50, "settings": {"kept_tracks": []}, "tracks": [],
            "verification": {"enabled": True, "verified": True, "rounds": []}, "words": dict(WORDS_OK), **changes}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Clip:
    folder: Path
    video: Path
    upload_json: Path
    record: Path
    sha256: str

    @property
    def size(self) -> int:
        return self.video.stat().st_size

    def bytes(self) -> bytes:
        return self.video.read_bytes()

    def edit_upload(self, **changes) -> None:
        data = json.loads(self.upload_json.read_text())
        data.update(changes)
        self.upload_json.write_text(json.dumps(data))

    def edit_record(self, **privacy) -> None:
        data = json.loads(self.record.read_text())
        data["privacy"].update(privacy)
        self.record.write_text(json.dumps(data))

    def edit_words(self, **words) -> None:
        data = json.loads(self.record.read_text())
        data["words"].update(words)
        self.record.write_text(json.dumps(data))


@pytest.fixture(scope="session")
def clip_source(media_dir) -> Path:
    """About 1.1 MB: five 256 KiB chunks, enough to interrupt an upload in the middle."""
    return make_video(media_dir / "publish-source.mp4", seconds=2.0, size="640x360",
                      extra=("-b:v", "5M", "-maxrate", "5M", "-bufsize", "2M"))


def write_clip(folder: Path, source: Path, *, stem: str = "p0042_walk.clip01", subjects=("P-0042",)) -> Clip:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    video = folder / f"{stem}.mp4"
    shutil.copyfile(source, video)
    sha = hashlib.sha256(video.read_bytes()).hexdigest()
    (folder / f"{stem}.srt").write_text(SRT, encoding="utf-8")
    Image.new("RGB", (1280, 720), (40, 90, 140)).save(folder / f"{stem}.jpg", "JPEG", quality=80)
    record = folder / f"{stem}.clip.json"
    record.write_text(json.dumps(clip_record(sha, subjects, {"srt": _sha(folder / f"{stem}.srt"),
                                                             "thumbnail": _sha(folder / f"{stem}.jpg")})))
    upload = folder / f"{stem}.upload.json"
    upload.write_text(json.dumps({
        "schema": "vidkit.upload/1", "video": video.name, "captions": f"{stem}.srt", "thumbnail": f"{stem}.jpg",
        "clip_record": record.name, "video_sha256": sha,
        "snippet": {"title": TITLE, "description": "How we train step length.\n\nEducation only, not medical advice.",
                    "tags": ["rehabilitation", "gait"], "categoryId": "27", "defaultLanguage": "en",
                    "defaultAudioLanguage": "en"},
        "status": {"privacyStatus": "private", "selfDeclaredMadeForKids": False, "containsSyntheticMedia": False,
                   "publishAt": None},
        "chapters": [], "subjects": list(subjects), "privacy": {"masked": True, "verified": True},
    }, indent=2))
    return Clip(folder, video, upload, record, sha)


@pytest.fixture
def clip(tmp_path, clip_source) -> Clip:
    return write_clip(tmp_path / "clips", clip_source)


@pytest.fixture
def yt(tmp_path):
    with FakeYouTube(tmp_path / "fake-youtube") as fake:
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
def ledger(tmp_path) -> Path:
    return tmp_path / "ledger.sqlite3"


@pytest.fixture
def token(tmp_path, yt) -> Path:
    return yt.write_token(tmp_path / "token" / "youtube-token.json")


@pytest.fixture
def env(yt, token) -> dict[str, str]:
    return {**yt.env(token), "VIDKIT_UPLOAD_CHUNK_KIB": "256", "VIDKIT_RETRY_BASE_SECONDS": "0", "COLUMNS": "200"}


runner = CliRunner()


def vidkit(*args, env: dict[str, str] | None = None):
    """Run the CLI in-process, as `vidkit ARGS` with `env` set."""
    return runner.invoke(app, [str(a) for a in args], env=env or {}, catch_exceptions=False)


def publish_clip(clip, ledger, env, *extra):
    """`vidkit publish CLIP --ledger LEDGER ...` in-process."""
    return vidkit("publish", clip.video, "--ledger", ledger, *extra, env=env)


def refused(result, *words):
    """Exit code 2 with one `error:` line holding each of `words`."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    for word in words:
        assert word in lines[0], lines[0]


def consent(ledger: Path, subject: str = "P-0042", *extra: str):
    result = vidkit("consent", "add", "--subject", subject, "--scope", "youtube", "--ledger", ledger, *extra)
    assert result.exit_code == 0, result.output
    return result


def uploads_posts(yt) -> list:
    """The videos.insert session POSTs the server saw."""
    return [r for r in yt.requests if r[0] == "POST" and r[1].startswith("/upload/youtube/v3/videos")]


def assert_one_video(yt, clip: Clip, privacy: str = "private"):
    videos = list(yt.videos.values())
    assert len(videos) == 1, [v.id for v in videos]
    video = videos[0]
    assert video.body == clip.bytes()
    assert video.status["privacyStatus"] == privacy
    assert yt.protocol_errors == []
    return video
