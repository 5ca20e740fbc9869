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
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path in `final`'s folder (same suffix, so muxers pick the format);
    it replaces `final` when the block succeeds and is removed when it fails."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem[:40]}.", suffix=f".part{final.suffix}",
                                    dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    # mkstemp makes 0600 files; outputs should get the user's normal permissions.
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(final: Path, text: str) -> Path:
    """Write UTF-8 text atomically; returns `final`."""
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(final)


def output_path(input_path: Path, out_dir: Path | None, suffix: str) -> Path:
    """`<out_dir or input folder>/<input stem><suffix>`, e.g. suffix ".transcript.json"."""
    folder = Path(out_dir) if out_dir else Path(input_path).parent
    return folder / f"{Path(input_path).stem}{suffix}"
