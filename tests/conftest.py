"""Shared fixtures: small media files generated with the bundled ffmpeg (nothing downloaded)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vidkit.media.ffmpeg import find_ffmpeg

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "assets" / "sample" / "caren_session.mp4"
SAMPLE_SCRIPT = REPO / "assets" / "sample" / "caren_session.txt"
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    # No test may read or write the developer's real config or caches.
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def ffmpeg(*args: str) -> None:
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_video(path: Path, *, seconds: float = 3.0, size: str = "320x240", fps: int = 25,
               audio: bool = True, extra: tuple[str, ...] = ()) -> Path:
    """A test pattern with a 440 Hz tone; H.264 + AAC in MP4."""
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    ffmpeg(*inputs, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           *(["-c:a", "aac", "-b:a", "96k"] if audio else []), *extra, str(path))
    return path


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def small_video(media_dir) -> Path:
    return make_video(media_dir / "small.mp4")


@pytest.fixture(scope="session")
def sample_copy(media_dir) -> Path:
    """The bundled sample under a temporary name, so outputs never land in the repository."""
    target = media_dir / "sample" / "caren_session.mp4"
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(SAMPLE, target)
    return target


def sample_reference() -> str:
    """The sample's script as one string (the file has `start<TAB>sentence` lines)."""
    lines = SAMPLE_SCRIPT.read_text(encoding="utf-8").splitlines()
    return " ".join(line.split("\t", 1)[-1] for line in lines if line.strip())
