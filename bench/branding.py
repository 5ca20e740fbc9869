"""Benchmark: clip branding (2 s intro card, 3 s outro card, logo watermark) in one encode, as
vidkit's ffmpeg filter graph against moviepy 2.x, on 30 s test clips (1080x1920 and 1280x720).

    python bench/branding.py [--seconds 30] [--repeat 1] [--moviepy-python .venv-moviepy/bin/python]

Both methods get the same source file, card PNGs and logo, and write libx264 veryfast crf 20
with AAC 48 kHz audio. moviepy lives in its own environment (`make bench-branding` builds it):
this script runs its half with that environment's python (`--moviepy-worker`, which imports
nothing of vidkit). Timed: the render only. For ffmpeg that includes drawing the cards; for
moviepy, Python start-up and imports are left out. Both outputs must last clip + 5 s (±1 frame).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FPS = 30
SIZES = ((1080, 1920), (1280, 720))
VALUES = {"clinic": "CAREN Lab", "title": "Gait training, week 3", "contact": "media@clinic.example"}
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "192k", "-ar", "48000"]


def make_source(folder: Path, width: int, height: int, seconds: float) -> Path:
    """A moving test pattern with a 440 Hz tone (44.1 kHz, so the 48 kHz resample is exercised)."""
    from vidkit.media.ffmpeg import run_ffmpeg

    out = folder / f"source{width}x{height}.mp4"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={FPS}:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "128k", str(out)])
    return out


def ffmpeg_branded(source: Path, width: int, height: int, folder: Path):
    """vidkit's path: the branding graph after the main chains, one ffmpeg encode. Returns
    (wall seconds, output, graph)."""
    from vidkit.clips.branding import branding_graph, load_branding
    from vidkit.media.ffmpeg import run_ffmpeg

    out = folder / f"ffmpeg{width}x{height}.mp4"
    start = time.perf_counter()
    graph = branding_graph(load_branding("default"), width=width, height=height, rate=f"{FPS}/1",
                           first_input_index=1, workdir=folder, values=VALUES)
    main = ["[0:v]format=yuv420p[vmain]", "[0:a]aresample=48000,aformat=channel_layouts=stereo[amain]"]
    run_ffmpeg(["-y", "-i", str(source), *graph.inputs, "-filter_complex", ";".join([*main, *graph.filters]),
                "-map", "[vout]", "-map", "[aout]", *X264, *AAC, str(out)])
    return time.perf_counter() - start, out, graph


def moviepy_spec(source: Path, width: int, height: int, folder: Path, graph) -> dict:
    """What the moviepy worker needs: the cards the ffmpeg path drew and the default logo."""
    from PIL import Image

    from vidkit.clips.branding import load_branding
    from vidkit.resources import assets_dir

    branding = load_branding("default")
    logo = folder / "logo_rgba.png"  # moviepy reads RGBA reliably; the asset is a palette PNG
    Image.open(assets_dir() / "branding" / branding.logo.file).convert("RGBA").save(logo)
    margin = round(branding.logo.margin * min(width, height))
    logo_w = 2 * round(branding.logo.width * width / 2)
    return {"source": str(source), "out": str(folder / f"moviepy{width}x{height}.mp4"), "fps": FPS,
            "intro": str(folder / "intro.png"), "outro": str(folder / "outro.png"),
            "intro_seconds": graph.intro_seconds, "outro_seconds": graph.outro_seconds,
            "fade": branding.intro.fade, "logo": str(logo), "logo_width": logo_w,
            "opacity": branding.logo.opacity, "logo_x": width - margin - logo_w, "logo_y": margin}


def moviepy_worker(spec: dict) -> None:
    """Runs inside .venv-moviepy: ImageClip cards, CompositeVideoClip for the logo, concatenate."""
    from moviepy import CompositeVideoClip, ImageClip, VideoFileClip, concatenate_videoclips, vfx

    start = time.perf_counter()
    main = VideoFileClip(spec["source"])
    logo = (ImageClip(spec["logo"]).resized(width=spec["logo_width"]).with_opacity(spec["opacity"])
            .with_duration(main.duration).with_position((spec["logo_x"], spec["logo_y"])))
    branded = CompositeVideoClip([main, logo])
    cards = [ImageClip(spec[name], duration=spec[f"{name}_seconds"])
             .with_effects([vfx.FadeIn(spec["fade"]), vfx.FadeOut(spec["fade"])]) for name in ("intro", "outro")]
    final = concatenate_videoclips([cards[0], branded, cards[1]])
    final.write_videofile(spec["out"], fps=spec["fps"], codec="libx264", preset="veryfast",
                          ffmpeg_params=["-crf", "20", "-pix_fmt", "yuv420p"], audio_codec="aac",
                          audio_fps=48000, audio_bitrate="192k", logger=None)
    main.close()
    print(json.dumps({"seconds": time.perf_counter() - start}))


def moviepy_branded(python: str, spec: dict) -> tuple[float, float]:
    """(render seconds as the worker measured them, wall seconds of the whole subprocess)."""
    start = time.perf_counter()
    done = subprocess.run([python, __file__, "--moviepy-worker", json.dumps(spec)], check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"], wall


def durations(path: Path) -> tuple[int, float, float]:
    """Frame count, video seconds and audio seconds of an output."""
    import av

    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        frames = sum(1 for _ in container.demux(video) if _.size)
        return (frames, float(video.duration * video.time_base),
                float(audio.duration * audio.time_base) if audio.duration else float("nan"))


def check(path: Path, expected: float) -> str:
    frames, video_s, audio_s = durations(path)
    ok = abs(video_s - expected) <= 1 / FPS and abs(frames / FPS - expected) <= 1 / FPS
    ok = ok and abs(audio_s - expected) <= 1 / FPS
    return f"{'ok' if ok else 'WRONG'} ({frames} frames, video {video_s:.3f} s, audio {audio_s:.3f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--moviepy-python", default=str(REPO / ".venv-moviepy" / "bin" / "python"))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each method; the fastest counts")
    parser.add_argument("--moviepy-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.moviepy_worker:
        moviepy_worker(json.loads(args.moviepy_worker))
        return
    moviepy = args.moviepy_python if Path(args.moviepy_python).exists() else None
    if moviepy is None:
        print("moviepy not found: run `make bench-branding`, or pass --moviepy-python (ffmpeg alone is timed)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="vidkit-bench-branding-") as tmp:
        for width, height in SIZES:
            folder = Path(tmp) / f"{width}x{height}"
            folder.mkdir()
            source = make_source(folder, width, height, args.seconds)
            size = f"{width}x{height}"
            best: dict[str, float] = {}
            for _ in range(args.repeat):  # interleaved, best of n: the machine may be busy
                seconds, out, graph = ffmpeg_branded(source, width, height, folder)
                best["ffmpeg"] = min(best.get("ffmpeg", seconds), seconds)
                if moviepy:
                    spec = moviepy_spec(source, width, height, folder, graph)
                    render, wall = moviepy_branded(moviepy, spec)
                    best["moviepy"] = min(best.get("moviepy", render), render)
            expected = args.seconds + graph.extra_seconds
            rows.append({"input": size, "method": "ffmpeg graph", "seconds": best["ffmpeg"],
                         "check": check(out, expected)})
            if moviepy:
                rows.append({"input": size, "method": "moviepy", "seconds": best["moviepy"],
                             "wall_with_startup": wall, "ratio": best["moviepy"] / best["ffmpeg"],
                             "check": check(Path(spec["out"]), expected)})
            for row in rows[-2 if moviepy else -1:]:
                row["realtime"] = expected / row["seconds"]
    print(f"\n{'input':>10}  {'method':<13} {'seconds':>8} {'x realtime':>10} {'moviepy/ffmpeg':>14}  duration")
    for row in rows:
        ratio = f"{row['ratio']:.1f}x" if "ratio" in row else ""
        print(f"{row['input']:>10}  {row['method']:<13} {row['seconds']:8.1f} {row['realtime']:10.2f} {ratio:>14}  {row['check']}")
    print(f"load average after the runs: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(json.dumps({"seconds": args.seconds, "fps": FPS, "repeat": args.repeat, "rows": rows}))


if __name__ == "__main__":
    main()
