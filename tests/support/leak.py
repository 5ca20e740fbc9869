"""Is a face still recognisable after anonymisation? A measure and a leak finder for tests.

`face_detail(original_crop, output_crop)` says how much of the original face's detail survives
in the output, 0 (none) to 1 (all). It is SSIM on luma, changed where plain SSIM measures the
wrong thing for identity:

1. the original's contrast is normalised (the same gain applied to both crops) and both are
   resampled so the longer side is 64 px: a dim or small face counts like a bright, large one;
2. only the detail layer is compared (image minus its Gaussian blur, sigma 3 px at 64 px, about
   1/20 of the face): eyes, lids, brows, nostrils and lips live there, while the coarse shading
   that pixelation and blur keep by design does not identify anyone;
3. the SSIM map is weighted by the original's local detail variance (flat skin can neither
   prove nor disprove identity) and rescaled so that an output with no detail scores 0;
4. the score is the best of nine overlapping half-width, half-height windows, so a mask that
   misses half the face is a leak although the whole-box mean is halved.

Calibration (tools/calibrate_leak.py, full table in tests/support/LEAK_CALIBRATION.md):
astronaut and Grace Hopper faces 40, 100 and 200 px wide in a 720p scene plus the noisy `dim`
scenario, treatment applied to the face box, output re-encoded with x264 CRF 23; min - max:

    (a) untouched, re-encoded                 0.97 - 1.00   must leak
    (g) half the face solid-filled            0.83 - 0.96   must leak (left, top or bottom)
    (e) light blur, sigma = 0.02 x width      0.66 - 0.85   must leak
        pixelated, 16 cells across            0.28 - 0.82   grey zone (machines re-identify it)
        pixelated, 12 cells across            0.16 - 0.51   grey zone
    (c) pixelated, 8 cells (any grid phase)   0.06 - 0.37   must not leak
    (f) heavy blur, sigma = width / 4         0.00 - 0.06   must not leak
    (b) solid fill, black or mean colour      0.00 - 0.06   must not leak

Plain whole-box SSIM cannot do this: half-filled faces score 0.43-0.48, below 8-cell
pixelation (up to 0.60), heavy blur (0.53) and a mean-colour fill (0.52).

LEAK_THRESHOLD = 0.5 sits midway between the worst must-not-leak score (0.37) and the weakest
must-leak score (0.66), with a margin of at least 0.13 on either side.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["LEAK_THRESHOLD", "MIN_SIZE", "MIN_VISIBLE", "Leak", "face_detail", "leaks"]

LEAK_THRESHOLD = 0.5
MIN_VISIBLE = 0.25  # less than a quarter of the face (an eye and a brow) is not judged
MIN_SIZE = 12  # px; a visible region narrower or shorter than this is ignored

_CANONICAL = 64  # the face region's longer side after resampling, px
_CONTRAST = 48.0  # the original's luma std is scaled to this (8-bit levels)
_MIN_STD = 4.0  # below this the original is flat: do not amplify its noise
_SIGMA = 1.5  # SSIM's Gaussian window, canonical px
_DETAIL_SIGMA = 3.0  # detail layer = image minus its blur at this sigma (canonical px)
_C1, _C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


@dataclass(frozen=True)
class Leak:
    frame: int  # index into the clip
    box: tuple  # the ground-truth Box (face_id, x, y, w, h, visible_fraction)
    similarity: float  # face_detail of the box, >= the threshold used


def _luma(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=np.float64)
    if rgb.ndim == 2:
        return rgb
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


@functools.lru_cache(maxsize=512)
def _resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) linear-interpolation weights, widened when shrinking (anti-aliased)."""
    ratio = n_in / n_out
    support = max(1.0, ratio)
    centres = (np.arange(n_out) + 0.5) * ratio - 0.5
    weights = np.maximum(0.0, 1 - np.abs(np.arange(n_in)[None, :] - centres[:, None]) / support)
    weights[weights.sum(axis=1) == 0, 0] = 1.0
    weights /= weights.sum(axis=1, keepdims=True)
    weights.setflags(write=False)  # cached and shared
    return weights


@functools.lru_cache(maxsize=512)
def _gaussian_matrix(n: int, sigma: float) -> np.ndarray:
    """(n, n) Gaussian smoothing with mirrored edges, as a matrix (regions are tiny)."""
    radius = int(3.5 * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    matrix = np.zeros((n, n))
    for i in range(n):
        for k, tap in zip(range(i - radius, i + radius + 1), taps):
            j = k if 0 <= k < n else (-k - 1 if k < 0 else 2 * n - k - 1)
            matrix[i, min(max(j, 0), n - 1)] += tap
    matrix.setflags(write=False)  # cached and shared
    return matrix


def _smooth(img: np.ndarray, sigma: float) -> np.ndarray:
    return _gaussian_matrix(img.shape[0], sigma) @ img @ _gaussian_matrix(img.shape[1], sigma).T


def _ssim_map(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel SSIM of two same-size grey images, and the local variance of `a`."""
    mu_a, mu_b = _smooth(a, _SIGMA), _smooth(b, _SIGMA)
    var_a = np.maximum(_smooth(a * a, _SIGMA) - mu_a**2, 0)
    var_b = np.maximum(_smooth(b * b, _SIGMA) - mu_b**2, 0)
    cov = _smooth(a * b, _SIGMA) - mu_a * mu_b
    ssim = ((2 * mu_a * mu_b + _C1) * (2 * cov + _C2)
            / ((mu_a**2 + mu_b**2 + _C1) * (var_a + var_b + _C2)))
    return ssim, var_a


def face_detail(original_crop: np.ndarray, output_crop: np.ndarray) -> float:
    """How much facial detail of `original_crop` survives in `output_crop`, 0..1.

    Both are the same region (RGB or grey, any size >= 2x2 px) of the original frame and of
    the anonymised frame. >= LEAK_THRESHOLD means the face is probably still recognisable.
    """
    a, b = _luma(original_crop), _luma(output_crop)
    if a.shape != b.shape:
        raise ValueError(f"crops differ in size: {a.shape} vs {b.shape}")
    mean = a.mean()
    gain = _CONTRAST / max(a.std(), _MIN_STD)
    a, b = (a - mean) * gain + 128, (b - mean) * gain + 128
    h, w = a.shape
    scale = _CANONICAL / max(h, w)
    oh, ow = max(2, round(h * scale)), max(2, round(w * scale))
    ry, rx = _resample_matrix(h, oh), _resample_matrix(w, ow)
    a, b = ry @ a @ rx.T, ry @ b @ rx.T
    # Only the detail layer counts: coarse shading survives pixelation and blur by design.
    a, b = a - _smooth(a, _DETAIL_SIGMA) + 128, b - _smooth(b, _DETAIL_SIGMA) + 128
    ssim, var_a = _ssim_map(a, b)
    blank, _ = _ssim_map(a, np.full_like(b, 128.0))  # what an output with no detail scores
    weight = var_a + _C2  # detail-weighted: flat skin can neither prove nor disprove identity
    best = 0.0
    wh, ww = max(1, oh // 2), max(1, ow // 2)
    for y in sorted({0, (oh - wh) // 2, oh - wh}):
        for x in sorted({0, (ow - ww) // 2, ow - ww}):
            window = np.s_[y:y + wh, x:x + ww]
            total = weight[window].sum()
            score = (ssim[window] * weight[window]).sum() / total
            floor = (blank[window] * weight[window]).sum() / total
            if floor < 1 - 1e-9:  # else the original has no detail here to leak
                best = max(best, (score - floor) / (1 - floor))
    return float(np.clip(best, 0.0, 1.0))


def leaks(original_frames: Iterable[np.ndarray], output_frames: Iterable[np.ndarray],
          truth: Sequence[Sequence[tuple]], threshold: float = LEAK_THRESHOLD, *,
          min_visible: float = MIN_VISIBLE, min_size: int = MIN_SIZE) -> list[Leak]:
    """Every ground-truth face box whose detail survives into the output (similarity >= threshold).

    Frames are RGB uint8 (h, w, 3), matched by index with `truth` (per-frame lists of
    Box(face_id, x, y, w, h, visible_fraction)). Boxes less visible than `min_visible` or smaller
    than `min_size` px on a side are not judged. A missing or extra output frame is an error.
    """
    found = []
    originals, outputs = iter(original_frames), iter(output_frames)
    for index, boxes in enumerate(truth):
        original, output = next(originals, None), next(outputs, None)
        if original is None or output is None:
            raise ValueError(f"{'original' if original is None else 'output'} frames end at "
                             f"{index}, truth has {len(truth)}")
        if original.shape != output.shape:
            raise ValueError(f"frame {index}: output {output.shape} != original {original.shape}")
        for box in boxes:
            _, x, y, w, h, visible = box
            if visible < min_visible or min(w, h) < min_size:
                continue
            score = face_detail(original[y:y + h, x:x + w], output[y:y + h, x:x + w])
            if score >= threshold:
                found.append(Leak(index, box, round(score, 4)))
    if next(outputs, None) is not None:
        raise ValueError(f"output has more frames than the truth ({len(truth)})")
    return found
