"""A tiny 40-second video (the sample transcript's length) made once, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import make_video


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("describe-media")
    return make_video(folder / "tiny.mp4", seconds=40.0, size="64x48", fps=5)


@pytest.fixture(scope="session")
def tiny_vertical(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("describe-vertical")
    return make_video(folder / "tiny.mp4", seconds=20.0, size="48x64", fps=5)


@pytest.fixture
def place_video(tmp_path):
    """place_video(name, source) copies a generated video into tmp_path under `name`."""
    def place(name: str, source: Path) -> Path:
        target = tmp_path / name
        shutil.copyfile(source, target)
        return target
    return place


@pytest.fixture(autouse=True)
def user_roster(tmp_path_factory, monkeypatch) -> Path:
    """describe needs a roster: every test here gets one from the user config file (trusted,
    unlike a working-folder vidkit.toml), naming people no test text mentions."""
    home = tmp_path_factory.mktemp("describe-config")
    roster = home / "roster.txt"
    roster.write_text("Quentin Zebedee\n", encoding="utf-8")
    (home / "vidkit").mkdir()
    (home / "vidkit" / "vidkit.toml").write_text(f"[privacy]\nroster = {str(roster)!r}\n", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return roster
