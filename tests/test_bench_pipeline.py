"""bench/pipeline.py's measuring parts: the logging ffmpeg wrapper sees vidkit's encodes, and a
measured command reports its time, CPU, peak memory and encodes in its own private environment."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from tests.cli.helpers import make_transcript
from tests.conftest import make_video

ROOT = Path(__file__).resolve().parents[1]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_pipeline", ROOT / "bench" / "pipeline.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = load_bench()


def test_the_wrapper_logs_each_call_then_runs_the_real_ffmpeg(tmp_path):
    wrapper, calls = bench.ffmpeg_logger(tmp_path)
    shown = subprocess.run([str(wrapper), "-hide_banner", "-version"], capture_output=True, text=True, check=True)
    assert shown.stdout.startswith("ffmpeg version")
    [call] = calls.iterdir()
    assert call.read_text().splitlines() == ["-hide_banner", "-version"]


def test_calls_are_told_apart_by_what_they_encode():
    assert bench.kind_of_call(["-i", "in.mp4", "-c:v", "libx264", "-c:a", "aac", "out.mp4"]) == "x264"
    assert bench.kind_of_call(["-i", "in.mp4", "-vn", "-c:a", "aac", "out.m4a"]) == "audio aac"
    assert bench.kind_of_call(["-i", "in.mp4", "-f", "s16le", "-"]) == "other"


def test_a_measured_command_counts_its_encodes_in_a_private_environment(tmp_path):
    video = make_video(tmp_path / "tiny.mp4")  # 3 s, 320x240
    transcript = make_transcript(tmp_path / "tiny.words.json")
    wrapper, calls = bench.ffmpeg_logger(tmp_path)
    runner = bench.Runner(tmp_path / "b", wrapper, calls)
    measured, payload = runner("caption", video, "--transcript", transcript, "--burn", "-o", tmp_path / "b")
    assert payload["command"] == "caption" and (tmp_path / "b" / "tiny.captioned.mp4").is_file()
    assert measured.x264 == 1 and measured.pyav == 0  # the burn is one ffmpeg encode
    assert measured.wall > 0 and measured.cpu > 0 and measured.rss_mib > 50
    assert runner.env["HF_HUB_OFFLINE"] == "1"
    assert Path(runner.env["XDG_DATA_HOME"]).parent == tmp_path / "b"
    assert Path(runner.env["XDG_CONFIG_HOME"]).parent == tmp_path / "b"


def test_of_two_runs_the_faster_is_shown_and_totals_add_up():
    slow, fast = bench.Measured(wall=10, cpu=12, rss_mib=300, x264=2), bench.Measured(wall=8, cpu=11, rss_mib=310, x264=2)
    assert bench.median_of([slow, fast]) is fast
    assert bench.median_of([slow, fast, bench.Measured(wall=9)]).wall == 9
    whole = bench.total({"one": slow, "two": bench.Measured(wall=1, cpu=1, rss_mib=400, pyav=1)})
    assert (whole.wall, whole.cpu, whole.rss_mib, whole.encodes) == (11, 13, 400, 3)


def test_make_has_a_target_for_it():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "bench-pipeline:" in makefile and "bench/pipeline.py" in makefile
