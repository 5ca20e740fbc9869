"""The CLI as a user meets it: help with examples, --json, --quiet, exit codes, config sources."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.cli.helpers import make_transcript, run_vidkit
from vidkit.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["transcribe", "caption", "config"])
def test_every_command_has_help_with_an_example(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Example" in result.output and f"vidkit {command}" in result.output


def test_version_and_no_args():
    assert runner.invoke(app, ["--version"]).output.startswith("vidkit ")
    assert "transcribe" in runner.invoke(app, []).output


def test_usage_error_exits_2():
    result = run_vidkit("caption", "--max-cps", "1000", "x.mp4")
    assert result.returncode == 2


def test_transcribe_and_caption_sample_end_to_end(sample_copy, tmp_path):
    """The README's main job as subprocesses: transcript + sidecars, then captions + QC + burn-in."""
    out = tmp_path / "out"
    first = run_vidkit("transcribe", sample_copy, "--format", "txt,srt,vtt", "-o", out, "--json")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert set(data["outputs"]) == {"transcript", "txt", "srt", "vtt"}
    assert data["summary"]["real_time_factor"] < 1.0
    assert "gait" in (out / "caren_session.txt").read_text().lower()

    second = run_vidkit("caption", sample_copy, "--burn", "-o", out, "--json")
    assert second.returncode == 0, second.stderr
    made = json.loads(second.stdout)["outputs"]
    assert set(made) == {"srt", "vtt", "ass", "qc", "video"}  # reused the transcript, did not redo it
    for path in made.values():
        assert (out / path.split("/")[-1]).stat().st_size > 0
    qc = json.loads((out / "caren_session.captions-qc.json").read_text())
    assert qc["summary"]["unforced_violations"] == 0, qc["violations"]
    assert qc["summary"]["cues"] >= 8


def test_quiet_prints_nothing_and_json_is_pure(tmp_path, small_video):
    transcript = make_transcript(tmp_path / "t.json")
    quiet = run_vidkit("caption", small_video, "--transcript", transcript, "-o", tmp_path, "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    js = run_vidkit("caption", small_video, "--transcript", transcript, "-o", tmp_path, "--json")
    payload = json.loads(js.stdout)  # stdout holds exactly one JSON object
    assert payload["command"] == "caption" and set(payload["outputs"]) == {"srt", "vtt", "ass", "qc"}


def test_config_shows_sources_and_flags_override(tmp_path, small_video):
    (tmp_path / "vidkit.toml").write_text("[captions]\nmax_line_chars = 30\nformats = ['srt']\n")
    shown = run_vidkit("config", "--json", cwd=tmp_path)
    settings = json.loads(shown.stdout)["settings"]
    assert settings["captions.max_line_chars"] == {"value": 30, "source": str(tmp_path / "vidkit.toml")}
    assert settings["captions.max_cps"]["source"] == "default"
    transcript = make_transcript(tmp_path / "t.json")
    made = run_vidkit("caption", small_video, "--transcript", transcript, "-o", tmp_path / "o",
                      "--max-line-chars", "12", "--json", cwd=tmp_path)
    assert set(json.loads(made.stdout)["outputs"]) == {"srt", "qc"}  # formats from the file
    srt_lines = [ln for ln in (tmp_path / "o" / "small.srt").read_text().splitlines()
                 if ln and not ln[0].isdigit()]
    assert max(len(ln) for ln in srt_lines) <= 12  # the flag beat the file's 30


def test_bad_config_file_is_exit_2(tmp_path, small_video):
    (tmp_path / "vidkit.toml").write_text("[captions]\nmax_cps = 'fast'\n")
    result = run_vidkit("caption", small_video, cwd=tmp_path)
    assert result.returncode == 2 and "captions.max_cps must be float" in result.stderr


def test_summary_prints_whole_paths_when_stderr_is_a_log(tmp_path):
    """Piped to a log (no terminal, 80 columns by default), every output path is whole."""
    out = tmp_path / ("a folder with a long name, as a shared drive has, " * 2).strip() / "session outputs"
    transcript = make_transcript(tmp_path / "t.json")
    from tests.conftest import make_video

    video = make_video(tmp_path / "caren session 2026-11-30 patient walk.mp4", seconds=3.0)
    result = run_vidkit("caption", video, "--transcript", transcript, "-o", out, env={"COLUMNS": ""})
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stderr
    for name in ("caren session 2026-11-30 patient walk.srt", "caren session 2026-11-30 patient walk.captions-qc.json"):
        assert any(line.endswith(str(out / name)) for line in result.stderr.splitlines()), result.stderr


def test_caption_burn_help_says_faces_are_not_masked_and_where_the_masked_render_is():
    shown = runner.invoke(app, ["caption", "--help"], env={"COLUMNS": "200"}).output
    assert "renders faces as they are" in shown and "vidkit render INPUT" in shown


def test_transcribe_help_shows_the_placeholders():
    shown = runner.invoke(app, ["transcribe", "--help"], env={"COLUMNS": "200"}).output
    assert "([name], [redacted])" in shown
