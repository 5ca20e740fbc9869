"""The sha256 of files: how vidkit names recordings, outputs and models (never by file name)."""

from __future__ import annotations

import hashlib
from pathlib import Path

_digests: dict[tuple, str] = {}  # this process's hashes of big files; see file_sha256
CACHED_FROM_BYTES = 1 << 20  # smaller files hash in a blink: always read again


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes. A run names its recording by this hash in several places
    (transcript, reports, the check of what is already in the output folder) and hashing a
    2 GB recording takes seconds, so a big file is hashed once per process: the value is kept
    while the file's inode, size, mtime and ctime stay the same (a write changes them)."""
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if key in _digests:
        return _digests[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    if stat.st_size >= CACHED_FROM_BYTES:
        if len(_digests) > 1024:  # a long-lived process (tests, library use): never grows without bound
            _digests.clear()
        _digests[key] = digest.hexdigest()
    return digest.hexdigest()
