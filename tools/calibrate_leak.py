"""Calibrate tests/support/leak.py: face_detail for known-good and known-bad anonymisations.

Usage (needs numpy, scikit-image, matplotlib, Pillow, imageio-ffmpeg, av):
    python tools/calibrate_leak.py [--markdown]

Renders each face (astronaut, Grace Hopper) at 40, 100 and 200 px wide in a 720p scene for
10 frames of slow drift, applies each treatment to the ground-truth face box, encodes the
result with x264 CRF 23 (as an anonymiser's output would be), decodes it and scores every frame
against the untouched render. Also scores the `dim` scenario (30% brightness, noise). Prints
min / median / max per treatment and size; the table in tests/support/LEAK_CALIBRATION.md is
this script's --markdown output.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.faces import (  # noqa: E402
    SCENARIOS,
    Clip,
    FaceTrack,
    Pose,
    Scenario,
    read_frames,
    render,
    write_clip,
)
from tests.support.leak import (  # noqa: E402
    LEAK_THRESHOLD,
    _gaussian_matrix,
    _luma,
    _resample_matrix,
    _ssim_map,
    face_detail,
)

Region = np.ndarray  # a writable (h, w, 3) float view of the face box


def solid_black(face: Region, frame: np.ndarray, box) -> None:
    face[:] = 0


def solid_mean(face: Region, frame: np.ndarray, box) -> None:
    face[:] = face.mean(axis=(0, 1))  # the hardest fill for SSIM: same brightness, no detail


def pixelate(cells: int, phase: float = 0.0) -> Callable:
    """Block means, `cells` blocks across the box; `phase` shifts the grid by part of a cell."""
    def treat(face: Region, frame: np.ndarray, box) -> None:
        size = max(1, round(face.shape[1] / cells))
        shift = round(phase * size)
        starts = lambda n: [0, *range(shift or size, n, size)]  # noqa: E731
        for y in starts(face.shape[0]):
            for x in starts(face.shape[1]):
                block = face[y:y + size if y or not shift else shift,
                             x:x + size if x or not shift else shift]
                block[:] = block.mean(axis=(0, 1))
    return treat


def blur(fraction: float) -> Callable:
    """Gaussian blur with sigma = fraction x face width, using the pixels around the box too."""
    def treat(face: Region, frame: np.ndarray, box) -> None:
        _, x, y, w, h, _ = box
        sigma = max(0.5, fraction * w)
        pad = int(3 * sigma) + 1
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(frame.shape[1], x + w + pad), min(frame.shape[0], y + h + pad)
        area = frame[y0:y1, x0:x1].astype(np.float64)
        gy, gx = _gaussian_matrix(y1 - y0, sigma), _gaussian_matrix(x1 - x0, sigma)
        smooth = np.stack([gy @ area[..., c] @ gx.T for c in range(3)], axis=-1)
        face[:] = smooth[y - y0:y - y0 + h, x - x0:x - x0 + w]
    return treat


def cover(part: str) -> Callable:
    """Solid black over part of the box: a mask that is too small or misplaced."""
    def treat(face: Region, frame: np.ndarray, box) -> None:
        h, w = face.shape[:2]
        if part == "left half":
            face[:, : w // 2] = 0
        elif part == "top half":
            face[: h // 2] = 0
        elif part == "bottom half":
            face[h // 2:] = 0
        elif part == "eye band":
            face[int(0.1 * h):int(0.45 * h)] = 0
        elif part == "all but a 5% rim":
            face[int(0.05 * h):h - int(0.05 * h), int(0.05 * w):w - int(0.05 * w)] = 0
    return treat


TREATMENTS: list[tuple[str, str, Callable | None, bool]] = [
    # key, description, treatment (None: untouched), must it count as a leak?
    ("a", "untouched, re-encoded CRF 23", None, True),
    ("b", "solid fill, black", solid_black, False),
    ("b'", "solid fill, the face's mean colour", solid_mean, False),
    ("c", "pixelated, 8 cells across", pixelate(8), False),
    ("c*", "pixelated, 8 cells, grid shifted half a cell", pixelate(8, 0.5), False),
    ("c'", "pixelated, 12 cells across", pixelate(12), None),
    ("d", "pixelated, 16 cells across", pixelate(16), None),
    ("d*", "pixelated, 16 cells, grid shifted half a cell", pixelate(16, 0.5), None),
    ("e", "light blur, sigma = 0.02 x width", blur(0.02), True),
    ("e'", "medium blur, sigma = 0.06 x width", blur(0.06), None),
    ("f", "heavy blur, sigma = width / 4", blur(0.25), False),
    ("g", "left half solid-filled", cover("left half"), True),
    ("g'", "top half solid-filled", cover("top half"), True),
    ("g''", "bottom half solid-filled", cover("bottom half"), True),
    ("h", "eye band solid-filled", cover("eye band"), None),
    ("i", "all but a 5% rim solid-filled", cover("all but a 5% rim"), None),
]


def plain_ssim(original: np.ndarray, output: np.ndarray) -> float:
    """The textbook measure, for comparison: mean SSIM over the whole box, at 64 px."""
    a, b = _luma(original), _luma(output)
    h, w = a.shape
    scale = 64 / max(h, w)
    ry = _resample_matrix(h, max(2, round(h * scale)))
    rx = _resample_matrix(w, max(2, round(w * scale)))
    ssim, _ = _ssim_map(ry @ a @ rx.T, ry @ b @ rx.T)
    return float(ssim.mean())


def _scene(image: str, width: float) -> Scenario:
    def pose(t: float) -> Pose:
        return Pose(0.5 + 0.01 * t, 0.45, width)
    return Scenario("calibration", "", 0.4, (1280, 720), (FaceTrack(image, pose),))


def _scores(clip: Clip, treat: Callable | None, workdir: Path) -> tuple[list[float], list[float]]:
    """face_detail and plain_ssim of every face box after treatment and re-encoding."""
    def treated():
        for frame, boxes in zip(clip.frames, clip.truth):
            out = frame.astype(np.float64)
            for box in boxes:
                _, x, y, w, h, _ = box
                if treat is not None:
                    treat(out[y:y + h, x:x + w], frame, box)
            yield np.clip(out + 0.5, 0, 255).astype(np.uint8)

    video = workdir / "out.mp4"
    write_clip(Clip(clip.scenario, clip.size, clip.fps, clip.truth, clip.images, treated),
               video, audio=False, crf=23)
    detail, plain = [], []
    for original, output, boxes in zip(clip.frames, read_frames(video), clip.truth):
        for _, x, y, w, h, _ in boxes:
            crops = original[y:y + h, x:x + w], output[y:y + h, x:x + w]
            detail.append(face_detail(*crops))
            plain.append(plain_ssim(*crops))
    return detail, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    columns = [(f"{face} {width}px", render(_scene(face, width)))
               for face in ("astronaut", "grace_hopper") for width in (40, 100, 200)]
    columns.append(("dim 120px", render(SCENARIOS["dim"], seconds=0.4)))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, text, treat, leak in TREATMENTS:
            cells, plain = zip(*(_scores(clip, treat, Path(tmp)) for _, clip in columns))
            everything = [s for cell in cells for s in cell]
            plain_all = [s for cell in plain for s in cell]
            rows.append((key, text, leak, cells, min(everything), max(everything),
                         min(plain_all), max(plain_all)))
            print(f"{key:4} {text:46} {min(everything):.2f}-{max(everything):.2f}"
                  f"  (whole-box SSIM {min(plain_all):.2f}-{max(plain_all):.2f})", file=sys.stderr)
    if args.markdown:
        header = ["", "treatment", "must leak", *(name for name, _ in columns), "min", "max",
                  "whole-box SSIM"]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for key, text, leak, cells, low, high, plain_low, plain_high in rows:
            must = {True: "yes", False: "no", None: "-"}[leak]
            print(f"| {key} | {text} | {must} | "
                  + " | ".join(f"{min(c):.2f}/{statistics.median(c):.2f}" for c in cells)
                  + f" | {low:.2f} | {high:.2f} | {plain_low:.2f}-{plain_high:.2f} |")
    wrong = [row[0] for row in rows if (row[2] is True and row[4] < LEAK_THRESHOLD)
             or (row[2] is False and row[5] >= LEAK_THRESHOLD)]
    verdict = f"MISCLASSIFIED {wrong}" if wrong else "separates all"
    print(f"threshold {LEAK_THRESHOLD}: {verdict}", file=sys.stderr)
    raise SystemExit(1 if wrong else 0)


if __name__ == "__main__":
    main()
