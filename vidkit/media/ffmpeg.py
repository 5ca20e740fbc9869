"""Find a suitable ffmpeg and run it with progress, mapping failures to one-line errors.

The imageio-ffmpeg wheel ships a static ffmpeg (libass, libx264, drawtext), so no system
package is needed; a system ffmpeg is used only when it has the same abilities.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from vidkit.errors import ProcessingError

_REQUIRED_FILTERS = ("ass", "drawtext")
_REQUIRED_ENCODERS = ("libx264", "aac")


@functools.lru_cache(maxsize=1)
def find_ffmpeg() -> str:
    """Path of the ffmpeg to use: $VIDKIT_FFMPEG, else a capable system one, else the wheel's."""
    forced = os.environ.get("VIDKIT_FFMPEG")
    if forced:
        if not Path(forced).is_file():
            raise ProcessingError(f"VIDKIT_FFMPEG points to {forced}, which does not exist")
        return forced
    system = shutil.which("ffmpeg")
    if system and _is_capable(system):
        return system
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # noqa: BLE001 - any failure means "no bundled ffmpeg"
        raise ProcessingError(f"no usable ffmpeg found (reinstall vidkit: {exc})") from None


def _is_capable(exe: str) -> bool:
    return missing_features(exe) == ()


@functools.lru_cache(maxsize=4)
def missing_features(exe: str) -> tuple[str, ...] | None:
    """The required filters and encoders `exe` lacks (() = capable), None when it does not run.
    Asked once per binary (`vidkit doctor` reports what find_ffmpeg already asked)."""
    try:
        filters = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True,
                                 text=True, timeout=20).stdout
        encoders = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True,
                                  text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return tuple([name for name in _REQUIRED_FILTERS if f" {name} " not in filters] +
                 [name for name in _REQUIRED_ENCODERS if f" {name} " not in encoders])


def run_ffmpeg(
    args: Sequence[str],
    *,
    duration: float = 0.0,
    on_progress: Callable[[float], None] | None = None,
    cwd: Path | None = None,
) -> None:
    """Run `ffmpeg <args>`; `on_progress` gets seconds of output written so far.

    Raises ProcessingError with ffmpeg's last error line when it fails.
    """
    cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats",
           "-progress", "pipe:1", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd, errors="replace")
    assert proc.stdout is not None and proc.stderr is not None
    try:
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and on_progress is not None and value.isdigit():
                seconds = int(value) / 1e6
                on_progress(min(seconds, duration) if duration else seconds)
        stderr = proc.stderr.read()
        code = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if code != 0:
        lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
        raise ProcessingError(f"ffmpeg failed: {lines[-1] if lines else f'exit code {code}'}")
