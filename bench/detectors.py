"""Benchmark: which face detector should be vidkit's primary? Recall and speed of YuNet and
CenterFace on every ground-truth scenario, at the sizes vidkit would run them, one run.

    python bench/detectors.py [--sizes 640 960] [--every 2]

Recall: share of ground-truth faces (>= 50% visible, >= 12 px) whose centre falls inside a
detection of that frame. Time: milliseconds per detector call on this machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.faces import SCENARIOS, render, write_clip  # noqa: E402
from vidkit.media import probe  # noqa: E402
from vidkit.media.frames import read_bgr  # noqa: E402
from vidkit.faces.detect import make_detector  # noqa: E402


def measure(detector, info, truth, size: int, every: int) -> tuple[int, int, float]:
    hits = total = calls = 0
    spent = 0.0
    for index, _, _, images in read_bgr(info, lambda i: [size] if i % every == 0 else []):
        if not images:
            continue
        image, scale = images[size]
        start = time.perf_counter()
        boxes = [b.scaled(scale) for b in detector.detect(image)]
        spent += time.perf_counter() - start
        calls += 1
        for face in truth[index]:
            if face.visible_fraction < 0.5 or min(face.w, face.h) < 12:
                continue
            total += 1
            cx, cy = face.x + face.w / 2, face.y + face.h / 2
            hits += any(b.x <= cx <= b.x + b.w and b.y <= cy <= b.y + b.h for b in boxes)
    return hits, total, 1000 * spent / max(calls, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[640, 960])
    parser.add_argument("--every", type=int, default=2, help="judge every n-th frame")
    args = parser.parse_args()
    detectors = {name: make_detector(name, threads=2) for name in ("yunet", "centerface")}
    totals: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, scenario in SCENARIOS.items():
            clip = render(scenario)
            info = probe(write_clip(clip, Path(tmp) / f"{name}.mp4", audio=False))
            cells = []
            for dname, detector in detectors.items():
                for size in args.sizes:
                    hits, total, ms = measure(detector, info, clip.truth, size, args.every)
                    key = f"{dname}@{size}"
                    agg = totals.setdefault(key, [0, 0, 0.0, 0])
                    agg[0] += hits
                    agg[1] += total
                    agg[2] += ms
                    agg[3] += 1
                    cells.append(f"{key} {hits}/{total} {ms:.0f} ms")
            print(f"{name:<11} " + " | ".join(cells), flush=True)
    summary = {key: {"recall": round(h / t, 3) if t else None, "ms_per_call": round(ms / n, 1)}
               for key, (h, t, ms, n) in totals.items()}
    for key, row in summary.items():
        print(f"{key:<15} recall {row['recall']:.3f}  {row['ms_per_call']:6.1f} ms a call")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
