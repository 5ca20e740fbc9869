"""Atomic outputs: write to a temporary name beside the target, rename only on success.

A crash, an ffmpeg failure or Ctrl-C never leaves a partial file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(final: Path, *, private: bool = False) -> Iterator[Path]:
    """Yield a temporary path in `final`'s folder (same suffix, so muxers pick the format);
    it replaces `final` when the block succeeds and is removed when it fails.

    `private`: the output holds what people said or who was seen (transcripts, captions,
    reports), so it stays owner-only (0600) from the first byte to the end, whatever the
    umask. Otherwise it gets the user's normal permissions when it is complete."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem[:40]}.", suffix=f".part{final.suffix}",
                                    dir=final.parent)  # mode 0600
    tmp = Path(tmp_name)
    try:
        os.close(fd)
        yield tmp
        os.chmod(tmp, 0o600 if private else 0o666 & ~_umask())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    # mkstemp makes 0600 files; shareable outputs should get the user's normal permissions.
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(final: Path, text: str, *, private: bool = True) -> Path:
    """Write UTF-8 text atomically; returns `final`. Private (0600) unless told otherwise:
    every text file vidkit writes (transcripts, captions, reports, candidate lists, exports)
    quotes or describes a session."""
    with atomic_path(final, private=private) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(final)


def output_path(input_path: Path, out_dir: Path | None, suffix: str) -> Path:
    """`<out_dir or input folder>/<input stem><suffix>` (names: vidkit.artifacts)."""
    from vidkit.artifacts import output_path as named

    return named(input_path, out_dir, suffix)
