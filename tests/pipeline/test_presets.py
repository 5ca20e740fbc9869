"""Presets (issue 11 point 5): the built-ins load, a user's file by path, bad files are one
clear line, a preset that publishes refuses to start without a roster, flags beat the preset."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from vidkit.cli import app
from vidkit.config import load_settings
from vidkit.errors import BadInputError
from vidkit.pipeline.presets import available, load_preset
from vidkit.pipeline.run import RunOptions, check_preset, steps_for


def test_the_builtin_presets_load_with_their_steps():
    assert available() == ["captions-only", "review", "session"]
    session = load_preset("session")
    assert session.steps == ("transcribe", "render", "clip", "describe", "publish") and session.publishes
    assert load_preset("review").steps == ("transcribe", "render", "clip", "describe")
    assert load_preset("captions-only").steps == ("transcribe", "caption")


@pytest.mark.parametrize("text, why", [
    ('steps = ["transcribe", "polish"]', "unknown step 'polish'"),
    ('steps = ["describe"]', "'describe' needs 'clip' before it"),
    ('steps = ["transcribe"]\n[clip]\nauto = "3"', "clip.auto must be int"),
    ('steps = ["transcribe"]\n[clip]\nloud = true', "unknown option clip.loud"),
    ('steps = "transcribe"', "must be a list"),
])
def test_a_bad_preset_file_is_one_clear_line(tmp_path, text, why):
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(BadInputError, match=why):
        load_preset(str(path))


def test_a_preset_that_publishes_refuses_to_start_without_a_roster(tmp_path):
    with pytest.raises(BadInputError, match="needs a roster"):
        check_preset(load_preset("session"), load_settings())
    result = CliRunner().invoke(app, ["run", str(tmp_path / "missing.mp4"), "--preset", "session"])
    assert result.exit_code == 2 and "needs a roster" in result.output


def test_a_preset_that_describes_refuses_to_start_without_a_roster(tmp_path):
    """describe refuses without a roster: found at the start, not after the render and clips."""
    with pytest.raises(BadInputError, match="descriptions, which need a roster"):
        check_preset(load_preset("review"), load_settings())
    check_preset(load_preset("captions-only"), load_settings())  # no describe: no roster needed
    roster = tmp_path / "roster.txt"
    roster.write_text("Maria Jansen\n")
    check_preset(load_preset("review"), load_settings({"privacy": {"roster": str(roster)}}))


def test_preset_settings_sit_between_config_files_and_flags(tmp_path):
    preset = load_preset("session")
    settings = load_settings({"clip": {"aspect": None}}, preset=(preset.settings, "preset session"))
    assert settings.get("clip", "aspect") == "9:16" and settings.source("clip", "aspect") == "preset session"
    flagged = load_settings({"clip": {"aspect": "1:1"}}, preset=(preset.settings, "preset session"))
    assert flagged.get("clip", "aspect") == "1:1"


def test_flags_override_the_preset_step_options(tmp_path):
    video = tmp_path / "s.mp4"
    steps = steps_for(load_preset("session"), video, RunOptions(auto=1, subjects=("P-1",), upload=True))
    clip = next(s for s in steps if s.name == "clip")
    publish = next(s for s in steps if s.name == "publish")
    assert clip.request.auto == 1 and clip.request.subjects == ("P-1",)
    assert publish.dry_run is False
    default = steps_for(load_preset("session"), video, RunOptions())
    assert next(s for s in default if s.name == "clip").request.auto == 3
    assert next(s for s in default if s.name == "publish").dry_run is True


def test_list_presets_prints_every_preset():
    result = CliRunner().invoke(app, ["run", "--list-presets", "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["presets"]) == {"captions-only", "review", "session"}


def test_the_run_title_goes_on_the_render_intro_card_and_is_checked(tmp_path):
    from tests.conftest import make_video

    steps = steps_for(load_preset("session"), tmp_path / "s.mp4", RunOptions(title="Gait training"))
    assert next(s for s in steps if s.name == "render").title == "Gait training"
    video = make_video(tmp_path / "jan_smit_2024.mp4", seconds=1.0, size="64x48")
    result = CliRunner().invoke(app, ["render", str(video), "--title", "Jan Smit walks", "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "part of the recording's file name" in result.output, result.output
