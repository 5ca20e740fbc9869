"""Benchmark: `vidkit transcribe` against the bare faster-whisper call on the same audio, one run.

Targets (issue 2): vidkit adds at most 10% to the bare call; real-time factor at most 0.2 with
the embedded tiny.en (int8) on 2 cores. openai-whisper on the same model joins when installed
and its tiny.en weights are cached.

    python bench/transcribe.py [AUDIO ...] [--repeat 3] [--threads 2]

Default inputs: the bundled sample and ../shared/fixtures/*.{flac,wav} when present, joined into
one recording so the timing is not dominated by start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vidkit.config import load_settings  # noqa: E402
from vidkit.console import Reporter  # noqa: E402
from vidkit.media.audio import SAMPLE_RATE, load_audio  # noqa: E402
from vidkit.pipeline.steps import transcribe_job  # noqa: E402
from vidkit.transcribe import engines  # noqa: E402
from vidkit.transcribe.models import embedded_model  # noqa: E402
from vidkit.transcribe.glossary import load_glossary  # noqa: E402


def default_inputs() -> list[Path]:
    inputs = [REPO / "assets" / "sample" / "caren_session.mp4"]
    shared = REPO.parent / "shared" / "fixtures"
    inputs += sorted(shared.glob("*.flac")) + sorted(shared.glob("*.wav"))
    return [p for p in inputs if p.exists()]


def joined_wav(paths: list[Path], folder: Path) -> tuple[Path, float]:
    """All inputs back to back (1 s of silence between) as one 16 kHz WAV."""
    import wave

    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([part for p in paths for part in (load_audio(p), gap)])
    target = folder / "bench.wav"
    with wave.open(str(target), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((audio * 32767).astype("<i2").tobytes())
    return target, len(audio) / SAMPLE_RATE


def bare_faster_whisper(path: Path, threads: int, hotwords: str) -> float:
    """What a developer would write by hand: load, transcribe with the same options, consume."""
    from faster_whisper import WhisperModel

    start = time.perf_counter()
    model = WhisperModel(embedded_model().path, device="cpu", compute_type="int8", cpu_threads=threads)
    segments, _ = model.transcribe(str(path), language="en", beam_size=5, vad_filter=True,
                                   word_timestamps=True, condition_on_previous_text=False,
                                   hallucination_silence_threshold=2.0, hotwords=hotwords)
    for _ in segments:
        pass
    return time.perf_counter() - start


def vidkit_transcribe(path: Path, threads: int, out: Path) -> float:
    engines._load_faster_whisper.cache_clear()  # load the model each run, as a CLI call does
    settings = load_settings({"transcribe": {"threads": threads, "device": "cpu"}})
    start = time.perf_counter()
    transcribe_job(path, settings, Reporter(quiet=True), out)
    return time.perf_counter() - start


def openai_whisper(path: Path, threads: int) -> float | None:
    try:
        import torch
        import whisper
    except ImportError:
        return None
    cached = Path(os.path.expanduser("~/.cache/whisper/tiny.en.pt"))
    if not cached.exists():
        return None
    torch.set_num_threads(threads)
    start = time.perf_counter()
    model = whisper.load_model("tiny.en", device="cpu")
    model.transcribe(str(path), language="en", beam_size=5, word_timestamps=True,
                     condition_on_previous_text=False, fp16=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    inputs = args.inputs or default_inputs()
    hotwords = ", ".join(load_glossary("rehab"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        audio, seconds = joined_wav(inputs, folder)
        bare_faster_whisper(audio, args.threads, hotwords)  # warm the page cache and CPU clocks
        bare, ours = [], []
        for _ in range(args.repeat):  # interleaved so drift in machine load hits both alike
            bare.append(bare_faster_whisper(audio, args.threads, hotwords))
            ours.append(vidkit_transcribe(audio, args.threads, folder))
        oa = openai_whisper(audio, args.threads)
    b, v = statistics.median(bare), statistics.median(ours)
    result = {
        "audio_seconds": round(seconds, 1),
        "inputs": [p.name for p in inputs],
        "threads": args.threads,
        "repeat": args.repeat,
        "bare_faster_whisper_s": round(b, 2),
        "vidkit_s": round(v, 2),
        "vidkit_overhead": round(v / b - 1, 3),
        "vidkit_rtf": round(v / seconds, 3),
        "bare_rtf": round(b / seconds, 3),
        "openai_whisper_s": round(oa, 2) if oa else None,
        "openai_whisper_vs_vidkit": round(oa / v, 2) if oa else "not installed or tiny.en not cached",
    }
    print(f"audio {seconds:.1f} s, {args.threads} threads, median of {args.repeat}")
    print(f"  bare faster-whisper  {b:6.2f} s   RTF {b / seconds:.3f}")
    print(f"  vidkit transcribe    {v:6.2f} s   RTF {v / seconds:.3f}   overhead {100 * (v / b - 1):+.1f}%"
          f"   (target <= +10%, RTF <= 0.2)")
    if oa:
        print(f"  openai-whisper       {oa:6.2f} s   RTF {oa / seconds:.3f}   {oa / v:.1f}x vidkit's time")
    else:
        print("  openai-whisper       skipped (install vidkit[openai-whisper] and cache tiny.en)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
