"""Benchmark: `vidkit clip` making a 30 s 9:16 Short with face masking and burned captions from
a 5 min 720p recording, against a plain ffmpeg cut + crop + scale of the same range, one run.

Target (issue 4): at most 3x the plain ffmpeg time. Also measured: the quality of the one-pass
render against chaining the separate commands (cut and reframe → blur the clip → burn
captions: three encodes), PSNR (Y) and VMAF against the one-pass render made losslessly (x264
crf 0). This comparison uses a 40 s scene without faces: the chain's blur step re-detects faces
on an already encoded, cropped clip and so masks slightly different pixels, which would swamp
the encode loss being measured; without faces both paths draw the same pixels before encoding.

    python bench/clip.py [--minutes 5] [--skip-quality]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.faces import FaceTrack, Pose, Scenario, render, write_clip  # noqa: E402
from vidkit.media.ffmpeg import find_ffmpeg  # noqa: E402

CLIP = (120.0, 150.0)  # the 30 s taken from the recording
QUALITY_CLIP = (5.0, 35.0)  # the quality comparison uses a 40 s recording: loss does not depend on length


def walker(t: float) -> Pose:
    """A patient walking on a treadmill, swaying across the middle third of the frame."""
    return Pose(0.5 + 0.18 * math.sin(2 * math.pi * t / 14), 0.42 + 0.012 * math.sin(2 * math.pi * 1.6 * t), 110)


def therapist(t: float) -> Pose:
    return Pose(0.82 + 0.03 * math.sin(2 * math.pi * t / 9), 0.38, 90)


def make_source(folder: Path, minutes: float, faces: bool = True) -> Path:
    tracks = (FaceTrack("grace_hopper", walker), FaceTrack("astronaut", therapist)) if faces else ()
    scenario = Scenario("session", "a long CAREN-like session", minutes * 60, (1280, 720), tracks,
                        distractor=True)
    return write_clip(render(scenario, fps=30), folder / "session.mp4", crf=20)


def make_transcript(path: Path, seconds: float) -> None:
    """Therapist speech: a sentence every few seconds, words 0.35 s apart."""
    from vidkit.transcript import Segment, Transcript, Word

    sentence = "Keep your eyes on the screen and take one more step with the left foot".split()
    segments, t = [], 0.5
    while t < seconds - 6:
        words = tuple(Word(round(t + i * 0.35, 2), round(t + i * 0.35 + 0.3, 2), w, 0.9) for i, w in enumerate(sentence))
        segments.append(Segment(len(segments), words[0].start, words[-1].end, " ".join(sentence) + ".", words))
        t = words[-1].end + 1.5
    path.write_text(Transcript("en", seconds, tuple(segments)).to_json(), encoding="utf-8")


def timed(cmd: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def vidkit(*args: str) -> list[str]:
    return [sys.executable, "-m", "vidkit", *map(str, args), "--quiet"]


def one_pass(source: Path, out: Path, cwd: Path, clip: tuple[float, float] = CLIP) -> tuple[float, Path]:
    wall = timed(vidkit("clip", source, "--range", f"{clip[0]}-{clip[1]}", "--aspect", "9:16", "--burn",
                        "--no-thumbnail", "-o", out), cwd)
    return wall, out / "session.clip01.mp4"


def chained(source: Path, out: Path, cwd: Path, clip: tuple[float, float] = QUALITY_CLIP) -> Path:
    """cut and reframe (no masking) → blur the clip → caption --burn: three encodes. The first
    step sees the same source as the one-pass run, so both twins get the same crop path."""
    out.mkdir(parents=True, exist_ok=True)
    timed(vidkit("clip", source, "--range", f"{clip[0]}-{clip[1]}", "--aspect", "9:16", "--no-blur",
                 "--no-thumbnail", "-o", out), cwd)
    cut = out / "cut.mp4"
    (out / "session.clip01.mp4").rename(cut)
    timed(vidkit("blur", cut, "-o", out), cwd)
    blurred = out / "blurred.mp4"
    (out / "cut.blurred.mp4").rename(blurred)
    (out / "session.clip01.transcript.json").rename(out / "blurred.transcript.json")
    timed(vidkit("caption", blurred, "--burn", "--style", "shorts", "-o", out), cwd)  # as the Short gets
    return out / "blurred.captioned.mp4"


def ffmpeg_baseline(source: Path, out: Path) -> float:
    return timed([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-ss", str(CLIP[0]), "-i", str(source),
                  "-t", str(CLIP[1] - CLIP[0]), "-vf", "crop=ih*9/16:ih,scale=1080:1920",
                  "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-c:a", "aac", str(out)])


def quality(distorted: Path, reference: Path) -> dict[str, float]:
    """PSNR (luma, dB) and VMAF of `distorted` against `reference`, frame by frame."""
    with tempfile.TemporaryDirectory() as work:
        log = Path(work) / "vmaf.json"
        graph = ("[0:v]setpts=PTS-STARTPTS,split[d1][d2];[1:v]setpts=PTS-STARTPTS,split[r1][r2];"
                 "[d1][r1]psnr=stats_file=psnr.log[o1];[d2][r2]libvmaf=log_fmt=json:log_path=vmaf.json:n_threads=2[o2]")
        subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(distorted), "-i", str(reference),
                        "-filter_complex", graph, "-map", "[o1]", "-f", "null", "-", "-map", "[o2]", "-f", "null", "-"],
                       check=True, cwd=work)
        vmaf = json.loads(log.read_text())["pooled_metrics"]["vmaf"]["mean"]
        values = [float(part.split(":")[1]) for line in (Path(work) / "psnr.log").read_text().splitlines()
                  for part in line.split() if part.startswith("psnr_y:") and part[7:] != "inf"]
    return {"psnr_y": round(sum(values) / len(values), 2), "vmaf": round(vmaf, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidkit-bench-clip-") as work:
        folder = Path(work)
        cwd = folder / "run"
        cwd.mkdir()
        if not args.skip_speed:
            speed(folder, cwd, args.minutes)
        if not args.skip_quality:
            print(json.dumps(compare_quality(folder, cwd), indent=2))


def speed(folder: Path, cwd: Path, minutes: float) -> None:
    print(f"making a {minutes:g} min 1280x720 30 fps recording with two moving faces ...", flush=True)
    source = make_source(folder, minutes)
    make_transcript(folder / "session.transcript.json", minutes * 60)
    baseline = ffmpeg_baseline(source, folder / "baseline.mp4")
    wall, _ = one_pass(source, folder / "one", cwd)
    record = json.loads((folder / "one" / "session.clip01.clip.json").read_text())
    rows = {"source": f"{minutes:g} min 1280x720 30 fps", "clip": "30 s, 9:16 1080x1920",
            "cores": os.cpu_count(), "ffmpeg_cut_scale_s": round(baseline, 2), "vidkit_clip_s": round(wall, 2),
            "ratio": round(wall / baseline, 2), "target_ratio": 3.0,
            "verified": record["privacy"]["verified"], "crop_keeps_face": record["crop_keeps_face"]}
    print(json.dumps(rows, indent=2), flush=True)


def compare_quality(folder: Path, cwd: Path) -> dict:
    short = folder / "short"
    short.mkdir()
    source = make_source(short, 40 / 60, faces=False)
    make_transcript(short / "session.transcript.json", 40)
    lossless = folder / "lossless"
    lossless.mkdir()
    (lossless / "vidkit.toml").write_text("[burn]\ncrf = 0\n")
    _, reference = one_pass(source, short / "reference", lossless, QUALITY_CLIP)
    _, one = one_pass(source, short / "one", cwd, QUALITY_CLIP)
    chain = chained(source, short / "chain", cwd)
    return {"quality_source": "40 s 1280x720 30 fps scene without faces, clip 5-35 s, 9:16 1080x1920, "
                              "x264 veryfast crf 20; reference: the one-pass render at crf 0",
            "one_pass_1_encode": quality(one, reference), "chained_3_encodes": quality(chain, reference)}


if __name__ == "__main__":
    main()
