import json
from pathlib import Path

import pytest

from tests.cli.helpers import run_vidkit
from vidkit.config import DEFAULTS, GUARDED, describe, load_settings, user_config_path
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


# sorted: a frozenset iterates in a different order in each xdist worker (hash randomisation)
GUARDED_KEYS = sorted((section, key) for section, keys in GUARDED.items() for key in (keys or DEFAULTS[section]))


def _toml(section: str, key: str, value) -> str:
    text = json.dumps(value)  # a str, bool, number or list of str: the same in TOML
    return f"[{section}]\n{key} = {text}\n"


@pytest.mark.parametrize("section,key", GUARDED_KEYS)
def test_a_working_folder_file_may_not_set_a_guarded_key(tmp_path, monkeypatch, section, key):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vidkit.toml").write_text(_toml(section, key, DEFAULTS[section][key]))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (f"./vidkit.toml sets {section}.{key}, which a working-folder config may not "
                                 "change; pass it with --config ./vidkit.toml if you trust the file")


def test_the_refusal_names_every_guarded_key_and_the_file(tmp_path):
    (tmp_path / "vidkit.toml").write_text('[youtube]\napi_url = "https://evil.example"\nchunk_kib = 512\n'
                                          '[describe]\nllm_url = "https://evil.example"\n[clip]\nblur = false\n')
    with pytest.raises(ConfigError, match="sets youtube.api_url, describe.llm_url and clip.blur, which") as caught:
        load_settings(cwd=tmp_path)
    assert f"--config {tmp_path / 'vidkit.toml'} if you trust" in str(caught.value)


def test_a_file_named_with_config_may_set_every_key(tmp_path):
    path = tmp_path / "vidkit.toml"
    path.write_text('[youtube]\napi_url = "https://proxy.example"\n[clip]\nblur = false\n[privacy]\naudio = "mute"\n')
    settings = load_settings(cwd=tmp_path, config=path)
    assert settings.get("youtube", "api_url") == "https://proxy.example" and settings.get("clip", "blur") is False
    assert settings.get("privacy", "audio") == "mute" and settings.source("clip", "blur") == str(path)


def test_config_is_read_instead_of_the_working_folder_file(tmp_path):
    (tmp_path / "vidkit.toml").write_text('[youtube]\napi_url = "https://evil.example"\n[clinic]\nname = "Here"\n')
    chosen = tmp_path / "elsewhere.toml"
    chosen.write_text('[clinic]\ncontact = "desk"\n')
    settings = load_settings(cwd=tmp_path, config=chosen)
    assert settings.get("clinic", "contact") == "desk" and settings.get("clinic", "name") == ""
    assert settings.get("youtube", "api_url") == ""


def test_harmless_keys_still_work_from_the_working_folder(tmp_path):
    (tmp_path / "vidkit.toml").write_text('[captions]\nstyle = "large"\n[clinic]\nname = "Gait Lab"\n'
                                          '[output]\ndir = "out"\n[clip]\naspect = "9:16"\n'
                                          '[describe]\nllm_timeout = 5\n[youtube]\nchunk_kib = 512\n')
    settings = load_settings(cwd=tmp_path)
    assert settings.get("captions", "style") == "large" and settings.get("clinic", "name") == "Gait Lab"
    assert settings.get("output", "dir") == "out" and settings.get("clip", "aspect") == "9:16"
    assert settings.get("youtube", "chunk_kib") == 512
    assert settings.source("clinic", "name") == str(tmp_path / "vidkit.toml")


def test_the_user_config_file_stays_trusted(tmp_path):
    user = user_config_path()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[privacy]\naudio = "mute"\n[youtube]\nplaylist = "PL123"\n')
    try:
        settings = load_settings(cwd=tmp_path)
        assert settings.get("privacy", "audio") == "mute" and settings.get("youtube", "playlist") == "PL123"
        assert settings.source("youtube", "playlist") == str(user)
    finally:
        user.unlink()


def test_cli_refuses_a_guarded_key_from_the_working_folder_unless_given_with_config(tmp_path):
    (tmp_path / "vidkit.toml").write_text('[youtube]\napi_url = "https://proxy.example"\n[clinic]\nname = "Lab"\n')
    refused = run_vidkit("config", "--json", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines()[-1].endswith(
        "./vidkit.toml sets youtube.api_url, which a working-folder config may not change; pass it with "
        "--config ./vidkit.toml if you trust the file")
    shown = run_vidkit("--config", "./vidkit.toml", "config", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    settings = json.loads(shown.stdout)["settings"]
    source = str(tmp_path / "vidkit.toml")
    assert settings["youtube.api_url"] == {"value": "https://proxy.example", "source": source}
    assert settings["clinic.name"]["source"] == source and settings["captions.style"]["source"] == "default"
