"""Benchmark: the publishable full-length video, `vidkit render` (one encode) against `vidkit blur`
then `vidkit caption --burn` on the blurred output (two encodes), on a generated 720p recording
with two moving faces and speech; plus `vidkit blur` alone, for speed.

Measured: wall time of each CLI run (start-up included), and quality away from what the
commands meant to change, against the source: PSNR over the pixels outside every face (its
ground-truth box grown by its own size on every side) and outside the caption area (the bottom
30% of the frame), and VMAF (when the ffmpeg has libvmaf) of the output with those pixels put
back from the source. A plain x264 re-encode of the source at the same crf/preset is the
reference point: the least loss one encode can have.

The transcript is made once before the timed runs and given to both paths (without the
recording's sha256, so the chain's caption step may use it for the blurred file): the figures
compare the video work, not Whisper. No roster: the bleeps ride in the same encode, and the
second listen costs the same in both paths.

    python bench/render.py [--seconds 40] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import av  # noqa: E402
import numpy as np  # noqa: E402

from tests.support.session_media import FPS, SIZE, make_session  # noqa: E402
from vidkit.media.ffmpeg import find_ffmpeg  # noqa: E402

CAPTION_SHARE = 0.30  # the bottom of the frame where the standard captions are drawn
SENTENCES = ("Good morning. Today we work on your step length on the treadmill.",
             "Keep your eyes on the screen and lift your knee a little higher.",
             "Well done, now shift your weight to the left foot.",
             "Take one more step with the right foot, and breathe.")


def make_source(folder: Path, seconds: float):
    """(recording, rendered scenario): two moving faces, a therapist speaking every few seconds."""
    return make_session(folder, seconds, SENTENCES)


def vidkit(*args) -> list[str]:
    return [sys.executable, "-m", "vidkit", *map(str, args), "--quiet"]


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds user + system): CPU time is what a busy shared machine disturbs least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:])} failed: {done.stderr.strip()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def prepare_transcript(video: Path, folder: Path, cwd: Path) -> Path:
    """The recording's transcript, made once, without its sha256 (see the module docstring)."""
    subprocess.run(vidkit("transcribe", video, "-o", folder), cwd=cwd, check=True)
    data = json.loads((folder / "session.transcript.json").read_text(encoding="utf-8"))
    data["provenance"].pop("input_sha256", None)
    path = folder / "shared.transcript.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def warm_up(video: Path, folder: Path, cwd: Path) -> None:
    """Both commands once on 2 s, untimed: the first run of a process pays for cold caches."""
    short = folder / "warm" / "warm.mp4"
    short.parent.mkdir(exist_ok=True)
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-t", "2",
                    "-c", "copy", str(short)], check=True)
    timed(vidkit("blur", short, "-o", short.parent), cwd)
    timed(vidkit("render", short, "--no-captions", "-o", short.parent), cwd)


def one_run(video: Path, transcript: Path, folder: Path, cwd: Path,
            render_first: bool) -> dict[str, tuple[float, float]]:
    one, chain = folder / "one", folder / "chain"
    for out in (one, chain):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
    shutil.copyfile(transcript, one / "session.transcript.json")
    shutil.copyfile(transcript, chain / "session.blurred.transcript.json")
    times = {}
    if render_first:  # the order alternates from run to run
        times["render"] = timed(vidkit("render", video, "-o", one), cwd)
    times["blur"] = timed(vidkit("blur", video, "-o", chain), cwd)
    times["caption_burn"] = timed(vidkit("caption", chain / "session.blurred.mp4", "--burn", "-o", chain), cwd)
    if not render_first:
        times["render"] = timed(vidkit("render", video, "-o", one), cwd)
    return times


def plain_encode(video: Path, target: Path) -> Path:
    """The source re-encoded once, as vidkit encodes (x264 veryfast crf 20): the reference point."""
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-an", str(target)], check=True)
    return target


def _frames(path: Path):
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="yuv420p")  # (h * 3/2, w): Y then U, V


def _excluded(boxes, width: int, height: int) -> np.ndarray:
    """Luma pixels left out: each face box grown by its own size on every side, and the captions."""
    mask = np.zeros((height, width), bool)
    for box in boxes:
        _, x, y, w, h, _ = box
        mask[max(0, y - h):y + 2 * h, max(0, x - w):x + 2 * w] = True
    mask[int(height * (1 - CAPTION_SHARE)):, :] = True
    return mask


def _planar(mask: np.ndarray) -> np.ndarray:
    """A luma mask as one for the packed yuv420p array (chroma at half size)."""
    chroma = mask[::2, ::2].reshape(-1, mask.shape[1])  # U then V: each (h/2, w/2) = (h/4, w) packed
    return np.concatenate([mask, chroma, chroma])


def quality(output: Path, source: Path, clip, work: Path) -> dict[str, float | None]:
    """PSNR outside faces and captions (median and 5th percentile over frames, dB) and VMAF of
    the output with those pixels taken from the source."""
    width, height = SIZE
    patched = work / f"{output.stem}.patched.mkv"
    cmd = [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p",
           "-s", f"{width}x{height}", "-framerate", str(FPS), "-i", "-", "-c:v", "ffv1", str(patched)]
    writer = subprocess.Popen(cmd, stdin=subprocess.PIPE) if _has_vmaf() else None
    scores = []
    for out, src, boxes in zip(_frames(output), _frames(source), clip.truth):
        left_out = _planar(_excluded(boxes, width, height))
        diff = out.astype(np.float64)[~left_out] - src.astype(np.float64)[~left_out]
        mse = float(np.mean(diff * diff))
        scores.append(99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse))
        if writer is not None:
            writer.stdin.write(np.where(left_out, src, out).tobytes())
    vmaf = None
    if writer is not None:
        writer.stdin.close()
        writer.wait()
        vmaf = _vmaf(patched, source, work)
    return {"psnr_median": round(statistics.median(scores), 2),
            "psnr_p5": round(float(np.percentile(scores, 5)), 2), "vmaf": vmaf}


def _has_vmaf() -> bool:
    shown = subprocess.run([find_ffmpeg(), "-hide_banner", "-filters"], capture_output=True, text=True).stdout
    return " libvmaf " in shown


def _vmaf(distorted: Path, reference: Path, work: Path) -> float:
    graph = (f"[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
             f"[d][r]libvmaf=log_fmt=json:log_path=vmaf.json:n_threads={os.cpu_count() or 2}")
    subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(distorted), "-i", str(reference),
                    "-filter_complex", graph, "-f", "null", "-"], check=True, cwd=work)
    return round(json.loads((work / "vmaf.json").read_text())["pooled_metrics"]["vmaf"]["mean"], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--runs", type=int, default=2, help="timed runs, in alternating order; the median is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidkit-bench-render-") as work:
        folder = Path(work)
        cwd = folder / "run"
        cwd.mkdir()
        print(f"making a {args.seconds:g} s {SIZE[0]}x{SIZE[1]} {FPS} fps recording with two moving faces and "
              "speech ...", flush=True)
        video, clip = make_source(folder, args.seconds)
        transcript = prepare_transcript(video, folder / "prep", cwd)
        warm_up(video, folder, cwd)
        runs = [one_run(video, transcript, folder, cwd, render_first=bool(n % 2)) for n in range(args.runs)]
        times = {key: statistics.median(run[key][0] for run in runs) for key in runs[0]}
        cpu = {key: statistics.median(run[key][1] for run in runs) for key in runs[0]}
        chain_s, chain_cpu = times["blur"] + times["caption_burn"], cpu["blur"] + cpu["caption_burn"]
        record = json.loads((folder / "one" / "session.publish.json").read_text(encoding="utf-8"))
        rows = {
            "plain x264 re-encode (1 encode, nothing masked)": (None, None, quality(
                plain_encode(video, folder / "plain.mp4"), video, clip, folder)),
            "vidkit blur alone (1 encode, no captions)": (times["blur"], cpu["blur"], quality(
                folder / "chain" / "session.blurred.mp4", video, clip, folder)),
            "vidkit blur, then caption --burn (2 encodes)": (chain_s, chain_cpu, quality(
                folder / "chain" / "session.blurred.captioned.mp4", video, clip, folder)),
            "vidkit render (1 encode)": (times["render"], cpu["render"], quality(
                folder / "one" / "session.publish.mp4", video, clip, folder)),
        }
        print(f"\n{args.seconds:g} s {SIZE[0]}x{SIZE[1]} {FPS} fps, {os.cpu_count()} cores, {args.runs} run(s), "
              f"render verified: {record['privacy']['verified']}, {record['captions']} cues burned\n")
        print("| | wall s | CPU s | PSNR outside faces and captions, median / p5 (dB) | VMAF (same pixels) |")
        print("|---|---|---|---|---|")
        for name, (seconds, used, q) in rows.items():
            shown = f"{seconds:.2f} | {used:.2f}" if seconds is not None else " | "
            vmaf = f"{q['vmaf']:.2f}" if q["vmaf"] is not None else "no libvmaf"
            print(f"| {name} | {shown} | {q['psnr_median']:.2f} / {q['psnr_p5']:.2f} | {vmaf} |")
        print(f"\ncaption --burn alone: {times['caption_burn']:.2f} s wall, {cpu['caption_burn']:.2f} s CPU")
        print(f"render / (blur + caption --burn): wall {times['render'] / chain_s:.2f}, "
              f"CPU {cpu['render'] / chain_cpu:.2f}")
        print(f"render / blur alone: wall {times['render'] / times['blur']:.2f}, CPU {cpu['render'] / cpu['blur']:.2f}")
        print(json.dumps({"wall": times, "cpu": cpu, "runs": runs,
                          "quality": {k: q for k, (_, _, q) in rows.items()}}, indent=2))


if __name__ == "__main__":
    main()
