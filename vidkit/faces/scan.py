"""The primary detector over a stream of decoded frames, on every core.

One detector sees one frame at a time, and neither YuNet nor CenterFace keeps a small frame's
work busy on two cores (OpenCV's own threads on a 640 px frame: 7.1 ms of wall and 13.6 ms of
CPU per frame on 2 cores; two detectors of one thread each: 5.7 ms and 11.1 ms). So frames are
handed to a few threads with one single-threaded detector each, and the results come back in
frame order, whatever order the threads finish in.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from vidkit.faces.detect import Box, Detectors
from vidkit.faces.options import faces_in
from vidkit.media.frames import BGRFrame

# Frames in flight per thread. Every 12th frame is also searched at full size (about 4x the
# work): with 2 per thread the other thread ran dry behind it (1.8 of 2 cores busy, 16.4 s on a
# 60 s 720p recording); with 6, 1.98 and 14.5 s. The images waiting stay a few tens of MB.
WINDOW = 6
# Decoded frames read ahead of the detectors (vidkit.media.frames.read_bgr).
AHEAD = 8


def cores() -> int:
    """CPU cores this process may run on (its affinity mask, as `taskset` or a container sets it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def detect_frames(frames: Iterable[BGRFrame], detectors: Detectors, name: str,
                  threads: int = 0) -> Iterator[tuple[BGRFrame, list[Box]]]:
    """(frame, faces in it) for every frame, in order. `threads`: detectors run at once
    (0: one per core); with one, a single detector uses the runtime's own threads."""
    workers = threads if threads > 0 else cores()
    if workers == 1:
        detector = detectors.make(name, threads)
        for frame in frames:
            yield frame, faces_in(frame.images, detector)
        return
    local = threading.local()

    def detect(frame: BGRFrame) -> list[Box]:
        if not hasattr(local, "detector"):
            local.detector = detectors.make(name, 1)
        return faces_in(frame.images, local.detector)

    pending: deque[tuple[BGRFrame, Future]] = deque()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vidkit-detect")
    try:
        for frame in frames:
            pending.append((frame, pool.submit(detect, frame)))
            if len(pending) >= WINDOW * workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
