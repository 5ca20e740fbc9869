"""Golden record shapes: the keys and value types of each record vidkit writes, kept in
tests/golden/ so that a change of any record's layout is a visible, reviewed change.

`VIDKIT_UPDATE_GOLDEN=1 pytest ...` rewrites the files from the outputs of the run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def shape(value: Any) -> Any:
    """Keys and JSON types, not values: {"a": 1, "b": [{"c": "x"}]} -> {"a": "number", "b": [{"c": "string"}]}.
    A list's items are merged into one shape (an empty list is "list": it fits any list)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        if not value:
            return "list"
        merged: Any = None
        for item in value:
            merged = _merge(merged, shape(item))
        return [merged]
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


def _merge(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a.get(k), b.get(k)) if k in a and k in b else a.get(k, b.get(k))
                for k in sorted(set(a) | set(b))}
    return a if a == b or b == "null" else (b if a == "null" else a)


def fits(golden: Any, found: Any) -> bool:
    """Same keys and types; "null" fits any type (an optional value) and "list" any list."""
    if golden == "null" or found == "null":
        return True
    if golden == "list" and (found == "list" or isinstance(found, list)):
        return True
    if found == "list" and isinstance(golden, list):
        return True
    if isinstance(golden, dict) and isinstance(found, dict):
        return set(golden) == set(found) and all(fits(golden[k], found[k]) for k in golden)
    if isinstance(golden, list) and isinstance(found, list):
        return fits(golden[0], found[0])
    return golden == found


def check_golden(name: str, data: dict[str, Any]) -> None:
    """The shape of `data` equals tests/golden/<name>.json (written when VIDKIT_UPDATE_GOLDEN=1)."""
    path = GOLDEN / f"{name}.json"
    found = shape(data)
    if os.environ.get("VIDKIT_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    assert path.is_file(), f"no golden shape {path.name}: run with VIDKIT_UPDATE_GOLDEN=1 and review it"
    assert fits(json.loads(path.read_text(encoding="utf-8")), found), (
        f"the layout of {name} changed: if on purpose, update tests/golden with VIDKIT_UPDATE_GOLDEN=1 "
        f"(and bump the record's schema version when readers must know)")
