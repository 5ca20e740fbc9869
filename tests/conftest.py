"""Shared fixtures: small media files generated with the bundled ffmpeg (nothing downloaded)."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import types
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


# `make test-fast` (pytest -m "not slow") skips what takes seconds. Tests are marked `slow` by
# what they use, so a new test is sorted without anyone remembering a mark (README, Development).
# Fixtures as "file::name": a few names (named, session) are reused cheaply elsewhere.
SLOW_FIXTURES = {
    "tests/conftest.py::sample_copy": "the 40 s sample: its users transcribe, clip or blur all of it",
    "tests/transcribe/test_transcribe.py::sample_transcript": "Whisper over the 40 s sample",
    "tests/transcribe/test_glossary.py::engine": "loads Whisper, then decodes synthesized speech",
    "tests/cli/test_redact_cli.py::session": "synthesizes speech, then `vidkit transcribe` in a subprocess",
    "tests/privacy/test_blur_cli.py::blurred": "`vidkit blur` over 8 s of the sample in a subprocess",
    "tests/privacy/test_roster_outputs.py::named": "renders faces, synthesizes speech (make_named_session)",
    "tests/privacy/test_second_listen.py::named": "renders faces, synthesizes speech (make_named_session)",
    "tests/clips/test_clip_features.py::walker": "renders 4 s of a walking face at 640x360",
    "tests/clips/test_clip_features.py::lesson": "renders a 24 s video for every test",
    "tests/cli/test_same_recording.py::two_clips": "`vidkit clip` twice for every test",
}
# Names that make a test slow when its body, or a test helper it calls (a function of a tests/
# module, followed through), refers to them.
SLOW_CALLS = {
    "executable": "sys.executable: a Python subprocess (`vidkit ...`, run_vidkit) spends ~1 s importing",
    "anonymise": "face detection and blur on every frame",
    "transcribe_file": "Whisper",
    "make_named_session": "renders faces and synthesizes speech",
}


def fixture_key(fixturedef, root: Path) -> str:
    """"tests/conftest.py::sample_copy": where a fixture is defined, as SLOW_FIXTURES names it."""
    source = inspect.getsourcefile(fixturedef.func) or "?"
    return f"{Path(os.path.relpath(source, root)).as_posix()}::{fixturedef.argname}"


def _names(code: types.CodeType):
    yield from code.co_names
    for const in code.co_consts:  # inner functions, lambdas, comprehensions
        if isinstance(const, types.CodeType):
            yield from _names(const)


def slow_call(function, seen: set | None = None) -> str | None:
    """The first SLOW_CALLS name that `function`, or a test helper it refers to, uses."""
    function = inspect.unwrap(getattr(function, "__func__", function))
    code = getattr(function, "__code__", None)
    seen = set() if seen is None else seen
    if code is None or code in seen:
        return None
    seen.add(code)
    scope = getattr(function, "__globals__", {})
    modules = [m for m in scope.values() if inspect.ismodule(m) and m.__name__.split(".")[0] == "tests"]
    for name in _names(code):
        if name in SLOW_CALLS:
            return name
        for helper in (scope.get(name), *(getattr(m, name, None) for m in modules)):  # f() or helpers.f()
            if inspect.isfunction(helper) and helper.__module__.split(".")[0] == "tests":
                if found := slow_call(helper, seen):
                    return found
    return None


def why_slow(item) -> str | None:
    """Why `item` is slow by what it uses, or None: a SLOW_FIXTURES fixture, or a SLOW_CALLS name
    in its code or in the code of a fixture of tests/ it uses."""
    info = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", ()):  # every fixture it needs, directly or not
        defs = info.name2fixturedefs.get(name) if info else None
        if not defs:
            continue
        key = fixture_key(defs[-1], REPO)
        if key in SLOW_FIXTURES:
            return f"fixture {key}"
        if key.startswith("tests/") and (found := slow_call(defs[-1].func)):
            return f"fixture {key} calls {found}"
    found = slow_call(item.obj) if hasattr(item, "obj") else None
    return f"calls {found}" if found else None


@pytest.hookimpl(tryfirst=True)  # before -m "not slow" deselects
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("slow") is None and (reason := why_slow(item)):
            item.add_marker(pytest.mark.slow(reason=reason))
