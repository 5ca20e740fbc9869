"""Audio extraction: any input's first audio stream as 16 kHz mono float32 samples."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from vidkit.errors import BadInputError
from vidkit.media.probe import unreadable_reason

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000


def load_audio(
    path: Path,
    sample_rate: int = SAMPLE_RATE,
    on_progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Decode and resample the first audio stream to mono float32 in [-1, 1].

    `on_progress` receives seconds decoded so far. A stream that breaks off part-way
    (a truncated file) keeps what was decoded and logs a warning, rather than failing.
    """
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError:
        raise BadInputError(unreadable_reason(Path(path))) from None
    with container:
        if not container.streams.audio:
            raise BadInputError(f"{Path(path).name} has no audio stream, so there is nothing to transcribe")
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        chunks: list[np.ndarray] = []
        decoded = 0
        try:
            for frame in container.decode(stream):
                frame.pts = None  # resample by sample count; broken timestamps must not drop audio
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    decoded += out.samples
                if on_progress is not None:
                    on_progress(decoded / sample_rate)
        except av.error.FFmpegError as exc:
            log.warning("audio stops early at %.1f s (%s): the file looks truncated", decoded / sample_rate, exc)
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.clip(np.concatenate(chunks).astype(np.float32, copy=False), -1.0, 1.0)
