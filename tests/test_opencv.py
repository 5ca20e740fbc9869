"""One OpenCV, headless, without an upper cap; every cv2 name vidkit uses exists in the one installed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import cv2
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(spec) for spec in project["dependencies"]]


def test_one_headless_opencv_that_admits_opencv_5():
    opencv = [r for r in _requirements() if r.name.startswith("opencv")]
    assert [r.name for r in opencv] == ["opencv-python-headless"]  # two cv2 builds would clash
    for version in ("4.14.0.94", "5.0.0.93", "5.1.0.95"):  # 5.1 measured: the suite's cv2 tests pass
        assert opencv[0].specifier.contains(version), version


def test_every_cv2_name_vidkit_uses_exists():
    used = set()
    for path in (ROOT / "vidkit").rglob("*.py"):
        used |= set(re.findall(r"\bcv2\.([A-Za-z_][A-Za-z0-9_]*)", path.read_text(encoding="utf-8")))
    assert {"FaceDetectorYN", "resize", "cvtColor", "GaussianBlur", "imencode"} <= used
    missing = sorted(name for name in used if not hasattr(cv2, name))
    assert missing == [], f"cv2 {cv2.__version__} lacks {missing}"
