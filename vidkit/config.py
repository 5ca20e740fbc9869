"""Settings: built-in defaults < user config file < ./vidkit.toml < command-line flags.

`vidkit --config FILE` reads FILE instead of ./vidkit.toml. `vidkit config` shows every
effective value and where it came from, so a clinician can tell why vidkit did what it did.

A vidkit.toml in the working folder is trusted less than the others: anyone who can write
to a shared recordings folder can drop one there, and vidkit would read it without the
user noticing. So it may not set the keys in GUARDED (privacy, face masking, where data is
sent and with which credentials); one that does is refused, naming the keys, until the user
names the file with --config. The user config file and a --config file may set every key.
"""

from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from vidkit.errors import ConfigError

FILE_NAME = "vidkit.toml"

DEFAULTS: dict[str, dict[str, Any]] = {
    "transcribe": {
        "engine": "faster-whisper",  # or "openai-whisper" (extra: vidkit[openai-whisper])
        "model": "",  # empty = embedded tiny.en; a name (base, small.en, ...) or a folder/.pt path
        "language": "",  # empty = English for *.en models, detected otherwise
        "device": "auto",  # auto | cpu | cuda
        "compute_type": "auto",  # auto = int8 on CPU, float16 on CUDA
        "threads": 0,  # CPU threads; 0 = all cores
        "beam_size": 5,
        "vad": True,
        "glossary": "rehab",  # a built-in glossary name, a file path, or "" for none
        "condition_on_previous_text": False,
        "hallucination_silence_threshold": 2.0,  # seconds
        "compression_ratio_threshold": 2.4,
        "log_prob_threshold": -1.0,
        "no_speech_threshold": 0.6,
        "formats": [],  # extra outputs: txt, srt, vtt
    },
    "captions": {
        "style": "standard",  # templates/captions/<style>.toml, or a path to one
        "formats": ["srt", "vtt", "ass"],
        "max_line_chars": 42,
        "max_lines": 2,
        "max_cps": 20.0,  # 17 for children's programmes
        "min_duration": 5 / 6,  # seconds
        "max_duration": 7.0,
        "min_gap_frames": 2,
        "low_probability": 0.5,
    },
    "burn": {
        "crf": 20,  # x264 quality: lower is better and larger
        "preset": "veryfast",
    },
    "blur": {
        "mode": "solid",  # solid | pixelate | blur (blur is reversible by machine: not default)
        "cells": 6,  # pixelate: cells across each face, whatever its size
        "detector": "yunet",  # primary: yunet (fast, small faces) or centerface
        "verifier": "centerface",  # second detector that scans the output
        "detect_size": 640,  # longer side of the frames the primary detector sees on every frame
        "fine_every": 12,  # ... plus the full frame (up to 1920 px) every n frames, for small faces
        "verify_every": 4,  # the verifier scans every n-th output frame (tracks extend 0.5 s around a find)
        "extend_seconds": 0.5,  # tracks masked this long before/after their detections
        "verify": True,
    },
    "privacy": {
        "roster": "",  # a roster file: names redacted from captions (caption) and by `vidkit redact`
        "audio": "bleep",  # bleep | mute: what replaces redacted speech
        "padding": 0.15,  # seconds of audio silenced before and after each redacted item
        # the second listen: a publishable output's audio is transcribed again and fails when a
        # roster name or identifying number is still heard (the publish gate needs it)
        "verify_words": True,
        # with a roster, clear transcripts are kept only here (0700 folder, 0600 files named
        # <recording sha256>.<settings hash>), never beside the outputs;
        # empty = <user data dir>/vidkit/private-transcripts
        "private_dir": "",
    },
    "clip": {
        "aspect": "",  # empty keeps the source's shape; 9:16 (Shorts, 1080x1920), 1:1, 4:5, 16:9
        # reframed clips' size: 1080 (1080x1920 Shorts), 720 (720x1280: under half the encoding),
        # or auto: 720 for sources under 1080p, whose crop holds no detail for more pixels
        "size": "1080",
        "blur": True,  # mask faces in every clip (and verify them); --no-blur to opt out
        "burn": False,  # burn captions into the picture
        "shorts_style": "shorts",  # caption style for 9:16 clips when captions.style is not set
        "max_pan": 0.35,  # reframing: fastest pan, in source widths per second
        "min_pause": 1.0,  # --trim-silence: pauses longer than this (seconds) are cut ...
        "pause_margin": 0.25,  # ... keeping this much of each side (seconds)
        "auto_min": 15.0,  # --auto: shortest candidate, seconds
        "auto_max": 60.0,  # --auto: longest candidate, seconds
        "padding": 0.5,  # --find: seconds kept around the sentences found
        "branding": "",  # templates/branding/<name>.toml or a path; empty = none
        "thumbnail": True,  # a JPEG thumbnail per clip, taken from the masked clip
    },
    "clinic": {
        "name": "",  # shown on branding cards and in descriptions
        "contact": "",
        "disclaimer": "This video is for education only and is not medical advice.",
        "consent_statement": "Shown with the written consent of the people in it.",
    },
    "describe": {
        "template": "",  # templates/descriptions/<name>.j2 or a path; empty = short for Shorts, else default
        "category": "27",  # YouTube category id (27 Education)
        "language": "",  # the video's defaultLanguage; empty = the transcript's language
        "tags": ["rehabilitation"],  # tags put before the key terms found in the transcript
        "summary_sentences": 3,  # 2-3: sentences in the extractive summary (2 for short talks)
        "chapter_min_seconds": 10.0,  # shortest chapter (YouTube's minimum is 10 s)
        "made_for_kids": False,  # status.selfDeclaredMadeForKids, always sent
        "synthetic_media": False,  # status.containsSyntheticMedia, always sent
        "llm_url": "",  # an OpenAI-compatible server for --llm; empty = offline only
        "llm_model": "default",  # the model name sent to it
        "llm_timeout": 60.0,  # seconds
    },
    "output": {
        "dir": "",  # empty = next to the input
    },
    "watch": {
        "preset": "review",  # what `vidkit watch` runs on each recording
        "settle_seconds": 10.0,  # a file is taken once its size and mtime held still this long
        "poll_seconds": 2.0,  # --poll: how often the folder is scanned (SMB/NFS shares)
        "recursive": False,  # look into sub-folders too
        "jobs": 0,  # recordings at once; 0 = what the cores allow for the preset
        "retries": 3,  # attempts for transient failures (disk full, network) before failed/
        "backoff_seconds": 30.0,  # wait before the first retry, doubled each time
        "on_done": "keep",  # keep | move: finished originals stay or go to done/
        "stop_timeout": 60.0,  # seconds a running step may take to finish after SIGTERM
        "executor": "",  # empty = local processes; dask://HOST:PORT = an existing Dask cluster
    },
    "youtube": {
        # The network seam (env VIDKIT_YOUTUBE_API_URL / VIDKIT_CA_BUNDLE / VIDKIT_YOUTUBE_TOKEN win):
        "api_url": "",  # root URL for API and upload calls; empty = https://youtube.googleapis.com/
        "ca_bundle": "",  # PEM file of certificates to trust (a proxy, a private endpoint); empty = built-in
        "token": "",  # authorized-user JSON; empty = <user config dir>/youtube-token.json
        "keyring": False,  # keep the token in the system keyring (needs the keyring package)
        "client_secrets": "",  # OAuth client JSON for `vidkit auth` (a "Desktop app" client)
        "chunk_kib": 8192,  # upload chunk size, a multiple of 256 KiB (env VIDKIT_UPLOAD_CHUNK_KIB)
        "playlist": "",  # add every published video to this playlist id
        "daily_uploads": 100,  # videos.insert calls per Pacific day (their own bucket)
        "daily_units": 10000,  # quota units per Pacific day for everything else
        "timeout": 60.0,  # seconds a request may wait for the server
    },
}


# Keys a working-folder vidkit.toml may not set (None: every key of the section), because a
# value there could weaken privacy or send data or credentials elsewhere:
GUARDED: dict[str, frozenset[str] | None] = {
    # the roster, bleep or mute, padding, where clear transcripts are kept, and any key added later
    "privacy": None,
    # masking mode and strength, the detectors, how much of each frame and track they cover,
    # the verification pass
    "blur": None,
    "clip": frozenset({"blur"}),  # masking faces in clips at all
    "describe": frozenset({"llm_url", "llm_model", "template"}),  # where the text is sent; a template file
    # a model path is code to run (openai-whisper loads .pt files with pickle); the glossary
    # biases which words (names) are heard
    "transcribe": frozenset({"engine", "model", "glossary"}),
    # where videos and tokens go, which certificates are trusted, where the token is kept,
    # the OAuth client, the playlist every video joins
    "youtube": frozenset({"api_url", "ca_bundle", "token", "keyring", "client_secrets", "playlist"}),
    # a cluster that would be sent every recording
    "watch": frozenset({"executor"}),
}


def is_guarded(section: str, key: str) -> bool:
    """Whether a working-folder vidkit.toml may not set `section.key` (see GUARDED)."""
    if section not in GUARDED:
        return False
    keys = GUARDED[section]
    return keys is None or key in keys


@dataclass
class Settings:
    values: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, str]] = field(default_factory=dict)

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.values[name])

    def source(self, section: str, key: str) -> str:
        return self.sources.get(section, {}).get(key, "default")


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir("vidkit")) / FILE_NAME


def config_files(cwd: Path | None = None, config: Path | None = None) -> list[Path]:
    """Config files in increasing precedence: the user config dir's (when it exists), then
    `config` (given with --config; read even when missing, to say so), else the working
    folder's vidkit.toml (when it exists)."""
    return [path for path, _ in _config_sources(cwd, config)]


def _config_sources(cwd: Path | None, config: Path | None) -> list[tuple[Path, bool]]:
    """(path, trusted) for each config file to read, in increasing precedence."""
    user = user_config_path()
    sources = [(user, True)] if user.is_file() else []
    if config is not None:
        path, trusted = Path(os.path.abspath(config)), True  # shown by `vidkit config` as a source
    else:
        path, trusted = Path(cwd or os.getcwd()) / FILE_NAME, False
        if not path.is_file():
            return sources
    if not (user.is_file() and path.is_file() and path.resolve() == user.resolve()):
        sources.append((path, trusted))
    return sources


def load_settings(flags: dict[str, dict[str, Any]] | None = None, cwd: Path | None = None,
                  config: Path | None = None, preset: tuple[dict[str, Any], str] | None = None) -> Settings:
    """Merge defaults, config files, a preset's settings and flags (None values in `flags`
    mean "not given"). `config` is a file named with --config: read instead of the working
    folder's vidkit.toml, and trusted with every key. `preset` is (settings tables, "preset
    NAME"): a preset is named by the user, so it is trusted too. ConfigError when the working
    folder's file sets a GUARDED key."""
    settings = Settings(copy.deepcopy(DEFAULTS))
    for path, trusted in _config_sources(cwd, config):
        data = _read_toml(path)
        if not trusted:
            _refuse_guarded(data, path)
        _apply(settings, data, str(path))
    if preset is not None:
        _apply(settings, preset[0], preset[1])
    for section, items in (flags or {}).items():
        given = {k: v for k, v in items.items() if v is not None}
        _apply(settings, {section: given}, "flag")
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _refuse_guarded(data: dict[str, Any], path: Path) -> None:
    keys = [f"{section}.{key}" for section, items in data.items() if isinstance(items, dict)
            for key in items if is_guarded(section, key)]
    if not keys:
        return
    shown = f"./{FILE_NAME}" if path.parent.resolve() == Path.cwd().resolve() else str(path)
    named = keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]
    raise ConfigError(f"{shown} sets {named}, which a working-folder config may not change; "
                      f"pass it with --config {shown} if you trust the file")


def _apply(settings: Settings, data: dict[str, Any], origin: str) -> None:
    for section, items in data.items():
        if section not in DEFAULTS:
            known = ", ".join(DEFAULTS)
            raise ConfigError(f"{origin}: unknown section [{section}] (known: {known})")
        if not isinstance(items, dict):
            raise ConfigError(f"{origin}: [{section}] must be a table of settings")
        for key, value in items.items():
            if key not in DEFAULTS[section]:
                known = ", ".join(DEFAULTS[section])
                raise ConfigError(f"{origin}: unknown setting {section}.{key} (known: {known})")
            settings.values[section][key] = _coerce(section, key, value, origin)
            settings.sources.setdefault(section, {})[key] = origin


def _coerce(section: str, key: str, value: Any, origin: str) -> Any:
    default = DEFAULTS[section][key]
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is list and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(
            f"{origin}: {section}.{key} must be {expected.__name__}, got {value!r}"
        )
    return value


def describe(settings: Settings) -> list[tuple[str, Any, str]]:
    """(section.key, value, source) rows for `vidkit config`."""
    return [
        (f"{section}.{key}", value, settings.source(section, key))
        for section, items in settings.values.items()
        for key, value in items.items()
    ]
