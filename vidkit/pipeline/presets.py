"""Pipeline presets: named lists of steps with their options and settings, as TOML in
`templates/presets/` (or a user's own file by path).

A preset file holds `description`, `steps` (in order, from STEP_NAMES), one table per step
for its options (`[clip] auto = 3`, `[publish] upload = false`) and `[settings.<section>]`
tables like vidkit.toml's, applied over the config files and under the command-line flags.
`disk_mib_per_minute` (optional) is what a run writes per input minute, measured; `vidkit
doctor` compares it with the free space in the output folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit.errors import BadInputError
from vidkit.resources import templates_dir

STEP_NAMES = ("transcribe", "caption", "render", "clip", "describe", "publish")
# What each step table may hold, and its type.
STEP_OPTIONS: dict[str, dict[str, type]] = {
    "transcribe": {},
    "caption": {"burn": bool},
    "render": {"captions": bool},
    "clip": {"auto": int, "trim_silence": bool, "title": str},
    "describe": {"template": str},
    "publish": {"upload": bool},
}


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    steps: tuple[str, ...]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> its options
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # like vidkit.toml
    disk_mib_per_minute: float | None = None  # MiB written per input minute; None = not measured
    cores: int = 2  # cores one recording keeps busy: `vidkit watch` runs cores / this at once

    @property
    def publishes(self) -> bool:
        return "publish" in self.steps

    def option(self, step: str, key: str, default: Any = None) -> Any:
        return self.options.get(step, {}).get(key, default)


def presets_dir() -> Path:
    return templates_dir() / "presets"


def available() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.toml"))


def load_preset(spec: str) -> Preset:
    """A built-in preset by name ("session") or a .toml file by path."""
    path = Path(spec).expanduser()
    if path.suffix == ".toml" or path.parent != Path("."):
        if not path.is_file():
            raise BadInputError(f"preset file not found: {spec}")
        name = path.name
    else:
        path = presets_dir() / f"{spec}.toml"
        if not path.is_file():
            raise BadInputError(f"no preset named {spec!r}; use one of {', '.join(available())} or a .toml file")
        name = spec
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInputError(f"preset {name} is not readable TOML: {exc}") from None
    return parse_preset(name, data)


def parse_preset(name: str, data: dict[str, Any]) -> Preset:
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
        raise BadInputError(f"preset {name}: 'steps' must be a list of step names ({', '.join(STEP_NAMES)})")
    unknown = [s for s in steps if s not in STEP_NAMES]
    if unknown:
        raise BadInputError(f"preset {name}: unknown step {unknown[0]!r}; steps are {', '.join(STEP_NAMES)}")
    if len(set(steps)) != len(steps):
        raise BadInputError(f"preset {name}: a step is listed twice")
    for needs, before in (("describe", "clip"), ("publish", "describe")):
        if needs in steps and (before not in steps or steps.index(before) > steps.index(needs)):
            raise BadInputError(f"preset {name}: '{needs}' needs '{before}' before it")
    options: dict[str, dict[str, Any]] = {}
    for step, allowed in STEP_OPTIONS.items():
        table = data.get(step, {})
        if not isinstance(table, dict):
            raise BadInputError(f"preset {name}: [{step}] must be a table")
        for key, value in table.items():
            if key not in allowed:
                raise BadInputError(f"preset {name}: unknown option {step}.{key} (known: "
                                    f"{', '.join(allowed) or 'none'})")
            if not isinstance(value, allowed[key]) or (allowed[key] is int and isinstance(value, bool)):
                raise BadInputError(f"preset {name}: {step}.{key} must be {allowed[key].__name__}")
        options[step] = dict(table)
    settings = data.get("settings", {})
    if not isinstance(settings, dict) or not all(isinstance(v, dict) for v in settings.values()):
        raise BadInputError(f"preset {name}: [settings.<section>] tables hold vidkit.toml settings")
    disk = data.get("disk_mib_per_minute")
    if disk is not None and (isinstance(disk, bool) or not isinstance(disk, (int, float)) or not disk > 0):
        raise BadInputError(f"preset {name}: disk_mib_per_minute must be a number above 0 (MiB per input minute)")
    cores = data.get("cores", 2)
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise BadInputError(f"preset {name}: cores must be a whole number of 1 or more")
    known = {"description", "steps", "settings", "disk_mib_per_minute", "cores", *STEP_OPTIONS}
    extra = sorted(set(data) - known)
    if extra:
        raise BadInputError(f"preset {name}: unknown key {extra[0]!r}")
    return Preset(name, str(data.get("description", "")), tuple(steps), options, settings,
                  float(disk) if disk is not None else None, cores)
