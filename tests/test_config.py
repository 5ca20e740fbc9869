from pathlib import Path

import pytest

from vidkit.config import describe, load_settings, user_config_path
from vidkit.errors import ConfigError


def test_defaults_when_no_file(tmp_path):
    settings = load_settings(cwd=tmp_path)
    assert settings.get("captions", "max_line_chars") == 42
    assert settings.source("captions", "max_line_chars") == "default"


def test_precedence_user_then_cwd_then_flags(tmp_path):
    user = user_config_path()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[captions]\nmax_cps = 17\nmax_lines = 1\n[transcribe]\nbeam_size = 2\n')
    (tmp_path / "vidkit.toml").write_text('[captions]\nmax_cps = 15\n')
    try:
        settings = load_settings({"transcribe": {"beam_size": 1, "model": None}}, cwd=tmp_path)
        assert settings.get("captions", "max_cps") == 15.0  # int in TOML becomes float
        assert settings.source("captions", "max_cps") == str(tmp_path / "vidkit.toml")
        assert settings.get("captions", "max_lines") == 1
        assert settings.source("captions", "max_lines") == str(user)
        assert settings.get("transcribe", "beam_size") == 1
        assert settings.source("transcribe", "beam_size") == "flag"
        assert settings.source("transcribe", "model") == "default"  # None = flag not given
        rows = {key: (value, source) for key, value, source in describe(settings)}
        assert rows["captions.max_cps"] == (15.0, str(tmp_path / "vidkit.toml"))
    finally:
        user.unlink()


@pytest.mark.parametrize("text, message", [
    ("[captionz]\nx = 1\n", "unknown section [captionz]"),
    ("[captions]\nmax_cpz = 1\n", "unknown setting captions.max_cpz"),
    ("[captions]\nmax_cps = 'fast'\n", "captions.max_cps must be float"),
    ("[transcribe]\nvad = 1\n", "transcribe.vad must be bool"),
    ("[captions\n", "not valid TOML"),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, text, message):
    (tmp_path / "vidkit.toml").write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(cwd=tmp_path)


def test_comma_string_becomes_list(tmp_path):
    (tmp_path / "vidkit.toml").write_text('[captions]\nformats = "srt, vtt"\n')
    assert load_settings(cwd=tmp_path).get("captions", "formats") == ["srt", "vtt"]
