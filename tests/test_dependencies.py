"""Every third-party module imported under vidkit/ is declared in pyproject.toml.

Installed is not enough: `make test` installs the test extra, which can bring in a module the
product imports (rapidfuzz came with jiwer), and then only a user's `make demo` finds it missing.
A module imported anywhere under `try: ... except ImportError` (with a message telling the user
what to install) is optional: it must be declared in an extra.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _requirement_name(spec: str) -> str:
    return re.split(r"[\s<>=!~\[;(]", spec.strip(), maxsplit=1)[0]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = {_normal(_requirement_name(s)) for s in project["dependencies"]}
    optional = {_normal(_requirement_name(s)) for specs in project.get("optional-dependencies", {}).values()
                for s in specs}
    return required, optional


def _guarded(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside a `try:` whose handlers catch ImportError."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        names = set()
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            names |= {k.id for k in kinds if isinstance(k, ast.Name)}
        if names & {"ImportError", "ModuleNotFoundError"}:
            lines |= {n.lineno for stmt in node.body for n in ast.walk(stmt)
                      if isinstance(n, (ast.Import, ast.ImportFrom))}
    return lines


def _imports() -> dict[str, list[tuple[str, bool]]]:
    """Top-level module → [(where, optional)] for every absolute import under vidkit/."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for path in sorted((ROOT / "vidkit").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        guarded = _guarded(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(top, []).append((where, node.lineno in guarded))
    return found


def _third_party(found: dict[str, list[tuple[str, bool]]]) -> dict[str, list[tuple[str, bool]]]:
    return {m: uses for m, uses in found.items()
            if m not in sys.stdlib_module_names and m not in ("vidkit", "__future__")}


def _distributions(module: str) -> set[str]:
    return {_normal(d) for d in _packages().get(module, [])}


@functools.cache
def _packages() -> dict[str, list[str]]:
    """Module → distributions; reading every installed distribution's files takes a while."""
    return importlib.metadata.packages_distributions()


# Imported modules whose distribution is not installed in the test environment (optional
# engines): name → the distribution the extra declares.
_NOT_INSTALLED = {"whisper": "openai-whisper", "torch": "torch", "keyring": "keyring"}


def test_every_runtime_import_is_a_declared_dependency():
    required, optional = _declared()
    missing = []
    for module, uses in sorted(_third_party(_imports()).items()):
        dists = _distributions(module) or {_normal(_NOT_INSTALLED.get(module, module))}
        gated = any(guarded for _, guarded in uses)
        if not gated and not dists & required:
            missing.append(f"{module} ({', '.join(sorted(dists))}) imported at {uses[0][0]}")
        elif gated and not dists & (required | optional):
            missing.append(f"{module} (optional, {', '.join(sorted(dists))}) imported at {uses[0][0]}")
    # torch comes with the openai-whisper extra rather than by name.
    missing = [m for m in missing if not (m.startswith("torch ") and "openai-whisper" in optional)]
    assert not missing, "imported but not declared in pyproject.toml:\n" + "\n".join(missing)


def test_the_check_sees_a_module_only_the_test_extra_brings():
    """Guards the guard: jiwer (test extra only) would be reported if vidkit imported it."""
    required, _ = _declared()
    assert "jiwer" not in required
    assert _distributions("jiwer") == {"jiwer"}
    assert "rapidfuzz" in _third_party(_imports())  # the import that broke `make demo`
