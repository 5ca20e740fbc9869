"""Locate the bundled `templates/` and `assets/` folders.

In a wheel they are installed inside the package (vidkit/templates, vidkit/assets); in a
source checkout (editable install) they sit at the repository root.
"""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def _folder(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"vidkit's {name}/ folder is missing; reinstall vidkit")


def templates_dir() -> Path:
    return _folder("templates")


def assets_dir() -> Path:
    return _folder("assets")


def fonts_dir() -> Path:
    return assets_dir() / "fonts"
