"""Masks: the region painted over a face, and the irreversible fills applied to YUV planes.

Pixelated or lightly blurred faces can be re-identified by machines (McPherson et al. 2016),
so the default is a solid fill; `pixelate` uses a fixed small number of cells across the
face whatever its size; `blur` is strong (sigma a quarter of the face) and not the default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vidkit.faces.detect import Box
from vidkit.faces.tracks import FILLED, TrackBox

MODES = ("solid", "pixelate", "blur")
SOLID_YUV = (80, 128, 128)  # dark neutral grey


@dataclass(frozen=True)
class Margins:
    """Expansion beyond the detector box, as fractions of the box size."""

    side: float = 0.25  # ears, hair
    top: float = 0.45  # forehead and hair: detectors box brows to chin
    bottom: float = 0.25  # chin, beard
    motion: float = 2.0  # extra pixels per pixel/frame of motion, on every side
    filled: float = 0.10  # interpolated boxes are a guess: a little more room


def region(tb: TrackBox, frame_size: tuple[int, int], margins: Margins = Margins()) -> tuple[int, int, int, int]:
    """Pixel rectangle (x0, y0, x1, y1) to paint for one track box, clipped to the frame.

    A rectangle, not an ellipse: detector boxes are loose about where the face ends and
    the corners are where ears and hair stick out.
    """
    box = tb.box
    extra = margins.filled if tb.kind == FILLED else 0.0
    move = margins.motion * tb.speed
    x0 = box.x - box.w * (margins.side + extra) - move
    x1 = box.x + box.w * (1 + margins.side + extra) + move
    y0 = box.y - box.h * (margins.top + extra) - move
    y1 = box.y + box.h * (1 + margins.bottom + extra) + move
    width, height = frame_size
    return (max(0, int(np.floor(x0))), max(0, int(np.floor(y0))),
            min(width, int(np.ceil(x1))), min(height, int(np.ceil(y1))))


def static_region(spec: Box, frame_size: tuple[int, int]) -> tuple[int, int, int, int]:
    width, height = frame_size
    return (max(0, int(spec.x)), max(0, int(spec.y)), min(width, int(spec.x + spec.w)),
            min(height, int(spec.y + spec.h)))


def apply(planes: tuple[np.ndarray, np.ndarray, np.ndarray], rect: tuple[int, int, int, int],
          mode: str = "solid", cells: int = 6) -> None:
    """Paint `rect` (luma pixels) in place on Y, U, V planes of a 4:2:0 frame."""
    x0, y0, x1, y1 = rect
    if x1 <= x0 or y1 <= y0:
        return
    y_plane, u_plane, v_plane = planes
    # Chroma is half size: round outward so the colour of the face cannot bleed at the edges.
    cx0, cy0, cx1, cy1 = x0 // 2, y0 // 2, -(-x1 // 2), -(-y1 // 2)
    if mode == "solid":
        y_plane[y0:y1, x0:x1] = SOLID_YUV[0]
        u_plane[cy0:cy1, cx0:cx1] = SOLID_YUV[1]
        v_plane[cy0:cy1, cx0:cx1] = SOLID_YUV[2]
    elif mode == "pixelate":
        _pixelate(y_plane[y0:y1, x0:x1], cells)
        _pixelate(u_plane[cy0:cy1, cx0:cx1], cells)
        _pixelate(v_plane[cy0:cy1, cx0:cx1], cells)
    elif mode == "blur":
        _blur(y_plane[y0:y1, x0:x1])
        _blur(u_plane[cy0:cy1, cx0:cx1])
        _blur(v_plane[cy0:cy1, cx0:cx1])
    else:
        raise ValueError(f"unknown mask mode {mode!r}")


def _pixelate(area: np.ndarray, cells: int) -> None:
    h, w = area.shape
    if h == 0 or w == 0:
        return
    cell = max(1, int(np.ceil(max(h, w) / cells)))
    for y in range(0, h, cell):
        for x in range(0, w, cell):
            block = area[y:y + cell, x:x + cell]
            block[...] = int(block.mean())


def _blur(area: np.ndarray) -> None:
    import cv2

    h, w = area.shape
    if h < 2 or w < 2:
        return
    sigma = max(h, w) / 4
    area[...] = cv2.GaussianBlur(area, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)
