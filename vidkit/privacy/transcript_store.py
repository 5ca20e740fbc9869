"""The private store: clear (unredacted) transcripts, kept away from the output folder.

With a roster, the output folder gets only redacted transcripts, because a media team hands
that folder on. The clear transcript is still needed later (the words of a name are where its
bleep goes), so it is kept here: one folder readable by its owner only (0700), one file per
recording and transcription (0600 from the first byte).

A file's key is `<sha256 of the recording>.<12 hex digits of the transcription parameters>`:
a renamed or copied recording finds its transcript, a changed one does not, and a transcript
made with another model, language or glossary is never handed out as if made with the current
ones. A redacted transcript names the key of its clear original in its provenance
(`KEY_FIELD`), so later steps fetch exactly the words it was redacted from. No file name holds
anything but hashes.

Default location: `<user data dir>/vidkit/private-transcripts`; `[privacy] private_dir` names
another folder (e.g. on an encrypted volume). Deleting the folder or a file is safe: vidkit
transcribes again when it needs a clear transcript.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import platformdirs

from vidkit.errors import BadInputError, VidkitError
from vidkit.transcript import Transcript, load_transcript

SUFFIX = ".transcript.json"
KEY_FIELD = "private_store_key"  # in a transcript's provenance: where its clear words are kept
# A bare sha256 is the key an earlier vidkit used (one file per recording); still read.
_KEY = re.compile(r"^[0-9a-f]{64}(?:\.[0-9a-f]{12})?$")


def store_dir(configured: str = "") -> Path:
    """The store's folder: `configured` (a path, `~` allowed) or the user data dir's."""
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("vidkit")) / "private-transcripts"


def store_key(sha256: str, parameters: dict[str, Any]) -> str:
    """The key of the transcript of the recording with this sha256 made with `parameters`
    (JSON-able; their order does not matter)."""
    canonical = json.dumps(parameters, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{sha256}.{hashlib.sha256(canonical.encode('utf-8')).hexdigest()[:12]}"


def key_sha256(key: str) -> str:
    """The recording's sha256 in a key."""
    return key.split(".", 1)[0]


def stored_path(key: str, configured: str = "") -> Path:
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError("a transcript is stored under <sha256>[.<12 hex digits>]")
    return store_dir(configured) / f"{key}{SUFFIX}"


def load_clear(key: str, configured: str = "") -> Transcript | None:
    """The clear transcript kept under `key`, or None (never stored, deleted, or damaged:
    then the caller transcribes again)."""
    path = stored_path(key, configured)
    if not path.is_file():
        return None
    try:
        transcript = load_transcript(path)
    except BadInputError:
        return None
    if transcript.provenance.get(KEY_FIELD, key) != key:
        return None  # a file renamed by hand: its words are not this key's
    return transcript


def save_clear(transcript: Transcript, key: str, configured: str = "") -> Transcript:
    """Keep `transcript` (clear) under `key`, replacing an older one; returns it with the key
    in its provenance, so whatever is redacted from it can find it again."""
    path = stored_path(key, configured)
    _private_folder(path.parent)
    kept = replace(transcript, provenance={**transcript.provenance, KEY_FIELD: key})
    # mkstemp creates the file 0600, so the text is never readable by others, not even briefly.
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(kept.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return kept


def _private_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name == "posix":
            os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask; an old folder may be wider
    except OSError as exc:
        raise VidkitError(f"cannot use the private transcript store {folder}: {exc.strerror}; "
                          "set privacy.private_dir in vidkit.toml to a folder you can write") from None
