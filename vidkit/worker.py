"""The Dask worker preload: `dask worker tcp://HOST:8786 --preload vidkit.worker`.

A worker that could not do vidkit's work (vidkit or a model missing) must not join the cluster:
every recording sent to it would fail there, one by one, after the watcher had waited for it.
So the checks run before the worker registers, and a failure ends its start with one line.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("distributed.worker.vidkit")  # distributed's handlers print it


def dask_setup(worker) -> None:
    # Recordings never leave the site: no model download from a worker, unless asked for.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    problem = check()
    if problem:
        log.error("vidkit worker: %s", problem)
        # SystemExit, not an exception: distributed logs an exception from a preload and starts
        # the worker anyway.
        raise SystemExit(f"vidkit worker not started: {problem}")
    import vidkit

    log.info("vidkit %s ready on %s", vidkit.__version__, worker.address)


def check() -> str | None:
    """What stops this machine from running vidkit's steps, or None."""
    try:
        import vidkit.watch.work  # noqa: F401 - what every task imports first
        from vidkit.config import load_settings
        from vidkit.faces import weights
        from vidkit.media.ffmpeg import find_ffmpeg
        from vidkit.transcribe import models
    except ImportError as exc:
        return f"vidkit does not import ({exc}); install it in the worker's environment: pip install 'vidkit[dask]'"
    from vidkit.errors import VidkitError

    try:
        find_ffmpeg()
        for name in weights.WEIGHTS:
            weights.find_weights(name)
        settings = load_settings()
        if settings.get("transcribe", "engine") == "openai-whisper":
            models.resolve_openai_whisper(str(settings.get("transcribe", "model")))
        else:
            models.resolve_faster_whisper(str(settings.get("transcribe", "model")))
    except (VidkitError, ImportError) as exc:
        return str(exc)
    return None
