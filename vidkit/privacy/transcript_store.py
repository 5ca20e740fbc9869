"""The private store: clear (unredacted) transcripts, kept away from the output folder.

With a roster, the output folder gets only redacted transcripts, because a media team hands
that folder on. The clear transcript is still needed later (the words of a name are where its
bleep goes), so it is kept here: one folder readable by its owner only (0700), one file per
recording (0600 from the first byte), named by the recording's sha256 so a renamed or copied
recording finds it and a changed one does not. The file name holds no name of anything.

Default location: `<user data dir>/vidkit/private-transcripts`; `[privacy] private_dir` names
another folder (e.g. on an encrypted volume). Deleting the folder is safe: vidkit transcribes
again when it needs a clear transcript.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

from vidkit.errors import VidkitError
from vidkit.transcript import Transcript, load_transcript

SUFFIX = ".transcript.json"


def store_dir(configured: str = "") -> Path:
    """The store's folder: `configured` (a path, `~` allowed) or the user data dir's."""
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("vidkit")) / "private-transcripts"


def stored_path(sha256: str, configured: str = "") -> Path:
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError("a recording is stored under its sha256 (64 hex digits)")
    return store_dir(configured) / f"{sha256}{SUFFIX}"


def load_clear(sha256: str, configured: str = "") -> Transcript | None:
    """The clear transcript of the recording with this sha256, or None."""
    path = stored_path(sha256, configured)
    if not path.is_file():
        return None
    return load_transcript(path)


def save_clear(transcript: Transcript, sha256: str, configured: str = "") -> Path:
    """Keep `transcript` (clear) for the recording with this sha256; replaces an older one."""
    path = stored_path(sha256, configured)
    _private_folder(path.parent)
    # mkstemp creates the file 0600, so the text is never readable by others, not even briefly.
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(transcript.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _private_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name == "posix":
            os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask; an old folder may be wider
    except OSError as exc:
        raise VidkitError(f"cannot use the private transcript store {folder}: {exc.strerror}; "
                          "set privacy.private_dir in vidkit.toml to a folder you can write") from None
