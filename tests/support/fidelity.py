"""How much a render changed outside the pixels it meant to change: PSNR against a plain
render of the same source, over the pixels outside given rectangles."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in luma pixels


def _planes(path: Path) -> Iterator[list[np.ndarray]]:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield [np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, :p.width].astype(np.float64)
                   for p in frame.planes]


def _outside(shape: tuple[int, int], rects: list[Rect], margin: int, chroma: bool) -> np.ndarray:
    keep = np.ones(shape, bool)
    for x0, y0, x1, y1 in rects:
        x0, y0, x1, y1 = x0 - margin, y0 - margin, x1 + margin, y1 + margin
        if chroma:  # half size, rounded outward like the mask itself
            x0, y0, x1, y1 = x0 // 2, y0 // 2, -(-x1 // 2), -(-y1 // 2)
        keep[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = False
    return keep


def psnr_outside(out: Path, plain: Path, painted: Callable[[int], list[Rect]], margin: int = 0,
                 skip: int = 0) -> list[float]:
    """PSNR (dB) of each frame of `out` against `plain` over the pixels (Y, U, V) outside the
    rectangles `painted(index)` grown by `margin`; the first `skip` frames of `out` are cards."""
    scores = []
    frames_out = _planes(out)
    for _ in range(skip):
        next(frames_out)
    for index, (a, b) in enumerate(zip(frames_out, _planes(plain))):
        rects = painted(index)
        error, count = 0.0, 0
        for plane, (pa, pb) in enumerate(zip(a, b)):
            keep = _outside(pa.shape, rects, margin, chroma=plane > 0)
            diff = (pa - pb)[keep]
            error += float(np.sum(diff * diff))
            count += diff.size
        mse = error / max(count, 1)
        scores.append(99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse))
    return scores
