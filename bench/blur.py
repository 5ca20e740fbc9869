"""Benchmark: `vidkit blur` against `deface` on the same 720p and 1080p clips, one run.

Targets (issue 3): at least 10x deface's frames/s and at least 30 frames/s at 720p on 2 cores,
with face recall no worse than deface's. Peak memory of both, and whether vidkit's peak memory
grows with the video's length (it must not).

    python bench/blur.py [--seconds 12] [--deface .venv-deface/bin/deface]

deface (pip package, default settings, --keep-audio) is run from its own virtual environment
(`make bench-blur` builds it): it needs opencv-python, which vidkit's environment avoids.
Recall is judged with the calibrated leak measure of the tests (tests/support/leak.py): a
ground-truth face instance counts as anonymised when its detail is gone from the output.

Background fidelity: PSNR of each output frame against the rendered source frame over the
picture away from the faces (every ground-truth face box grown by its own size on each side is
left out), median and 5th percentile over the frames, next to a plain x264 re-encode at
vidkit's settings. With fast motion vidkit's masks (motion margins, tracks extended past
their ends) reach beyond that zone, so the contract itself is measured too: PSNR outside the
rectangles vidkit reports it painted, against a plain encode by the same renderer (masking must
change only the masked pixels; a mask smeared into later frames drops it into the 20s).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.faces import SCENARIOS, read_frames, render, write_clip  # noqa: E402
from tests.support.fidelity import psnr_outside  # noqa: E402
from tests.support.leak import MIN_SIZE, MIN_VISIBLE, leaks  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of a command, via GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", stats.name, *cmd], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall, rss_kb = stats.read().split()[-2:]
    return float(wall), int(rss_kb) / 1024


def judged(truth) -> int:
    return sum(1 for boxes in truth for b in boxes if b.visible_fraction >= MIN_VISIBLE and min(b.w, b.h) >= MIN_SIZE)


def recall(clip, output: Path) -> float:
    total = judged(clip.truth)
    return 1 - len(leaks(clip.frames, same_size(read_frames(output), clip.size), clip.truth)) / total if total else 1.0


def same_size(frames, size):
    """deface writes 1080p as 1920x1088 (imageio's 16-pixel blocks): scale back to compare."""
    import cv2

    for frame in frames:
        if (frame.shape[1], frame.shape[0]) != size:
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        yield frame


def background_psnr(clip, output: Path) -> tuple[float, float]:
    """(median, 5th percentile) dB of `output` against the clip's own frames, away from faces."""
    import numpy as np

    scores = []
    for truth, frame, shown in zip(clip.truth, clip.frames, same_size(read_frames(output), clip.size)):
        keep = np.ones(frame.shape[:2], bool)
        for b in truth:
            keep[max(0, b.y - b.h):b.y + 2 * b.h, max(0, b.x - b.w):b.x + 2 * b.w] = False
        diff = frame[keep].astype(np.float64) - shown[keep].astype(np.float64)
        mse = float(np.mean(diff * diff)) if diff.size else 0.0
        scores.append(99.0 if mse == 0 else 10 * np.log10(255 ** 2 / mse))
    return round(float(np.median(scores)), 1), round(float(np.percentile(scores, 5)), 1)


def containment(source: Path, folder: Path) -> tuple[float, float]:
    """(median, minimum) dB outside the painted rectangles against the same renderer's plain
    encode, in-process (the rectangles come from the API, not the CLI)."""
    import numpy as np

    from vidkit.media import probe
    from vidkit.media.frames import transcode
    from vidkit.faces.anonymise import anonymise
    from vidkit.faces.options import BlurOptions

    info = probe(source)
    options = BlurOptions()
    result = anonymise(info, folder / "contained.mp4", options)
    plain = transcode(info, folder / "contained-plain.mp4", lambda index, planes: None,
                      crf=options.crf, preset=options.preset)
    scores = psnr_outside(folder / "contained.mp4", plain, lambda i: result.painted.get(i, []))
    return round(float(np.median(scores)), 1), round(min(scores), 1)


def plain_encode(source: Path, out: Path) -> Path:
    """The same source through x264 at vidkit's settings (veryfast, crf 20) and nothing else."""
    from vidkit.media.ffmpeg import find_ffmpeg

    subprocess.run([find_ffmpeg(), "-loglevel", "error", "-y", "-i", str(source), "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-an", str(out)], check=True)
    return out


def run(size: tuple[int, int], seconds: float, deface: str | None, folder: Path,
        scenario: str = "two_faces") -> dict:
    clip = render(SCENARIOS[scenario], size=size, seconds=seconds)
    name = f"{scenario}{size[1]}"
    source = write_clip(clip, folder / f"{name}.mp4")
    frames = len(clip)
    vidkit = [sys.executable, "-m", "vidkit", "blur", str(source), "-o", str(folder), "--quiet"]
    wall, rss = timed(vidkit)
    blurred = folder / f"{name}.blurred.mp4"
    row = {"size": f"{size[0]}x{size[1]}", "scenario": scenario, "frames": frames,
           "vidkit_fps": round(frames / wall, 1), "vidkit_peak_mib": round(rss),
           "vidkit_recall": round(recall(clip, blurred), 4),
           "vidkit_background_db": background_psnr(clip, blurred),
           "plain_encode_background_db": background_psnr(clip, plain_encode(source, folder / f"{name}.plain.mp4")),
           "vidkit_outside_masks_db": containment(source, folder)}
    if deface:
        out = folder / f"{name}.deface.mp4"
        wall_d, rss_d = timed([deface, str(source), "-o", str(out), "--keep-audio"])
        row.update({"deface_fps": round(frames / wall_d, 2), "deface_peak_mib": round(rss_d),
                    "deface_recall": round(recall(clip, out), 4),
                    "deface_background_db": background_psnr(clip, out),
                    "speedup": round(wall_d / wall, 1)})
    return row


def memory_growth(folder: Path, seconds: float) -> dict:
    """Peak RSS for the same 720p scene at 1x and 4x the length: bounded memory means ~equal."""
    peaks = {}
    for factor in (1, 4):
        clip = render(SCENARIOS["moving"], size=(1280, 720), seconds=seconds * factor)
        source = write_clip(clip, folder / f"long{factor}.mp4")
        _, peaks[factor] = timed([sys.executable, "-m", "vidkit", "blur", str(source), "-o", str(folder), "--quiet"])
    return {"seconds": [seconds, seconds * 4], "peak_mib": [round(peaks[1]), round(peaks[4])],
            "growth": round(peaks[4] / peaks[1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--deface", default=str(REPO / ".venv-deface" / "bin" / "deface"))
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    deface = args.deface if Path(args.deface).exists() or shutil.which(args.deface) else None
    if deface is None:
        print("deface not found: run `make bench-blur`, or pass --deface PATH (vidkit alone is timed)")
    results = {}
    with tempfile.TemporaryDirectory(prefix="vidkit-bench-") as tmp:
        folder = Path(tmp)
        for size, scenario in (((1280, 720), "two_faces"), ((1920, 1080), "two_faces"), ((1280, 720), "fast")):
            row = run(size, args.seconds, deface, folder, scenario)
            results[f"{scenario} {row['size']}"] = row
            line = (f"{scenario:>9} {row['size']:>9}: vidkit {row['vidkit_fps']:5.1f} fps, {row['vidkit_peak_mib']} MiB, "
                    f"recall {row['vidkit_recall']:.3f}, background {row['vidkit_background_db']} dB "
                    f"(plain encode {row['plain_encode_background_db']}), outside its masks "
                    f"{row['vidkit_outside_masks_db']} dB (median, min)")
            if deface:
                line += (f" | deface {row['deface_fps']:5.2f} fps, {row['deface_peak_mib']} MiB, recall "
                         f"{row['deface_recall']:.3f}, background {row['deface_background_db']} dB"
                         f" | vidkit is {row['speedup']}x faster")
            print(line, flush=True)
        if not args.skip_memory:
            results["memory"] = memory_growth(folder, args.seconds)
            m = results["memory"]
            print(f"   memory: peak {m['peak_mib'][0]} MiB for {m['seconds'][0]:.0f} s, {m['peak_mib'][1]} MiB "
                  f"for {m['seconds'][1]:.0f} s (x{m['growth']})")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
