"""The package's import graph: one way into the CLI, and no cycles.

Read from the source (ast), so a cycle is found even where the order of imports happens to
make it work today. Module-level imports run when a module is imported; imports inside a
function run later, which is how a cycle hides.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vidkit"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The vidkit module `name` refers to (a module, or the package holding a name)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(*, lazy: bool) -> dict[str, set[str]]:
    """module → vidkit modules it imports; with `lazy`, imports inside functions count too."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = ast.walk(tree) if lazy else _top_level(tree)
        for node in nodes:
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        package = package.rpartition(".")[0]
                    base = f"{package}.{base}".strip(".")
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                found = _resolve(target, modules) if target.startswith("vidkit") else None
                if found and found != module:
                    graph[module].add(found)
    return graph


def _top_level(tree: ast.Module):
    """Imports that run at import time: not inside a def (a class body or an if/try counts)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            # A package's __init__ importing its own submodules is how packages are built.
            if len(component) > 1 and not _package_and_children(component):
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _package_and_children(component: list[str]) -> bool:
    shortest = min(component, key=len)
    return all(m == shortest or m.startswith(shortest + ".") for m in component)


def _in_cli(module: str) -> bool:
    return module in ("vidkit.cli", "vidkit.__main__") or module.startswith("vidkit.cli.")


def test_no_import_cycle_at_import_time():
    assert cycles(import_graph(lazy=False)) == []


def test_the_cli_is_not_in_a_cycle_even_through_lazy_imports():
    graph = import_graph(lazy=True)
    involved = [c for c in cycles(graph) if any(_in_cli(m) for m in c)]
    assert involved == []


def test_domain_packages_never_import_the_cli():
    graph = import_graph(lazy=True)
    offenders = sorted((m, t) for m, targets in graph.items() if not _in_cli(m)
                       for t in targets if _in_cli(t))
    assert offenders == []


def test_cycle_finder_finds_a_cycle():
    """Guards the guard."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"p": {"p.x"}, "p.x": {"p"}}) == []


def test_every_way_of_starting_the_cli_has_every_command(tmp_path):
    """`vidkit`, `python -m vidkit` and `python -m vidkit.cli` are the same app."""
    for argv in (["-m", "vidkit", "--help"], ["-m", "vidkit.cli", "--help"]):
        shown = subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=tmp_path,
                               env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}, timeout=120)
        assert shown.returncode == 0, shown.stderr
        for command in ("transcribe", "caption", "blur", "clip", "describe", "publish", "auth", "consent",
                        "models", "config"):
            assert f" {command} " in shown.stdout, (argv, command)


# The domain packages: stages over small values. The job layer (vidkit.pipeline) and the CLI
# are built on them, never the other way round (issue 11 point 3).
DOMAIN = ("vidkit.media", "vidkit.transcribe", "vidkit.captions", "vidkit.faces", "vidkit.privacy", "vidkit.clips",
          "vidkit.describe", "vidkit.publish", "vidkit.text")
JOB_LAYER = ("vidkit.pipeline", "vidkit.watch")


def test_no_domain_package_imports_the_job_layer_or_the_cli():
    graph = import_graph(lazy=True)
    wrong = sorted((module, target) for module, targets in graph.items() if _within(module, DOMAIN)
                   for target in targets if _within(target, JOB_LAYER) or _in_cli(target))
    assert wrong == []


def test_shared_text_helpers_belong_to_no_feature():
    """Words and sentences serve clip selection and descriptions alike: vidkit.text imports
    neither (issue 11 point 3: shared helpers out of feature packages)."""
    graph = import_graph(lazy=True)
    assert sorted(t for m, ts in graph.items() if _within(m, ("vidkit.text",)) for t in ts
                  if _within(t, DOMAIN) and not _within(t, ("vidkit.text",))) == []


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_no_import_cycle_at_all_even_through_lazy_imports():
    """A cycle hidden in a function-level import is a layering mistake, even when it happens
    to work at run time (pipeline.steps <-> pipeline.redact_job was one)."""
    assert cycles(import_graph(lazy=True)) == []
