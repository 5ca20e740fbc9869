"""`make test-fast` skips the tests marked slow; tests/conftest.py marks them by what they use."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests import conftest
from tests.cli import helpers
from tests.conftest import REPO, SLOW_CALLS, SLOW_FIXTURES, pytest_collection_modifyitems, why_slow


class FakeItem:
    """What the hook reads of a collected test: its function, its fixtures and its marks."""

    def __init__(self, function, fixtures: dict | None = None, marks=()):
        self.obj = function
        self.fixturenames = list(fixtures or {})
        defs = {name: [SimpleNamespace(func=func, argname=name)] for name, func in (fixtures or {}).items()}
        self._fixtureinfo = SimpleNamespace(name2fixturedefs=defs)
        self.own_markers = [mark.mark for mark in marks]

    def get_closest_marker(self, name):
        return next((m for m in self.own_markers if m.name == name), None)

    def add_marker(self, mark):
        self.own_markers.append(mark.mark)


def _transcribe_with_the_cli(path):
    return helpers.run_vidkit("transcribe", path)


class Samples:
    """Test and fixture bodies the rule reads, never runs. In a class, because the rule follows
    the module's functions a test names: the tests below would be slow for naming these."""

    @staticmethod
    def cheap(tmp_path):
        assert tmp_path

    @staticmethod
    def calls_vidkit_through_a_helper(tmp_path):
        assert _transcribe_with_the_cli(tmp_path).returncode == 0

    @staticmethod
    def made_by_vidkit(tmp_path):  # a fixture that starts `vidkit` through run_vidkit
        return helpers.run_vidkit("blur", tmp_path)


def marked(item) -> list:
    pytest_collection_modifyitems(None, [item])
    return [m for m in item.own_markers if m.name == "slow"]


def test_every_listed_fixture_exists():
    for key in SLOW_FIXTURES:
        path, name = key.split("::")
        tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
        fixtures = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                    and any("fixture" in ast.unparse(d) for d in node.decorator_list)}
        assert name in fixtures, f"{key}: no such fixture"


def test_a_test_using_a_listed_fixture_is_marked_slow():
    item = FakeItem(Samples.cheap, {"tmp_path": Samples.cheap, "sample_copy": inspect.unwrap(conftest.sample_copy)})
    [mark] = marked(item)
    assert mark.kwargs["reason"] == "fixture tests/conftest.py::sample_copy"


def test_a_listed_name_reused_elsewhere_is_not_slow_there():
    """`named` is slow in test_second_listen (it renders and speaks); another `named` is not."""
    item = FakeItem(Samples.cheap, {"named": Samples.cheap})
    assert why_slow(item) is None and marked(item) == []


def test_a_test_starting_vidkit_through_a_helper_is_marked_slow():
    [mark] = marked(FakeItem(Samples.calls_vidkit_through_a_helper))
    assert mark.kwargs["reason"] == "calls executable"  # run_vidkit's sys.executable


def test_a_fixture_of_tests_that_starts_vidkit_marks_its_users():
    item = FakeItem(Samples.cheap, {"made_by_vidkit": Samples.made_by_vidkit})
    assert why_slow(item) == "fixture tests/test_markers.py::made_by_vidkit calls executable"


def test_a_cheap_test_is_not_marked():
    assert marked(FakeItem(Samples.cheap, {"tmp_path": Samples.cheap})) == []


def test_a_hand_written_mark_is_kept_as_it_is():
    item = FakeItem(Samples.calls_vidkit_through_a_helper, marks=[pytest.mark.slow])
    assert marked(item) == [pytest.mark.slow.mark]


def test_the_entry_points_are_still_named_so():
    """A renamed entry point would silently stop marking its callers. (Named by strings here:
    naming them in code would make this test slow as well.)"""
    where = {"anonymise": "vidkit.faces.anonymise", "transcribe_file": "vidkit.transcribe",
             "make_named_session": "tests.support.named_session"}
    assert set(where) | {"executable"} == set(SLOW_CALLS), "say here where a new SLOW_CALLS name lives"
    for name, module in where.items():
        assert callable(getattr(importlib.import_module(module), name, None)), f"{module}.{name}"
    assert "executable" in vars(helpers)["run_vidkit"].__code__.co_names


def test_make_test_runs_everything_and_test_fast_skips_slow():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipes = dict(re.findall(r"^([\w-]+):[^\n]*\n\t([^\n]+)", makefile, re.M))
    assert "slow" not in recipes["test"] and " -k " not in recipes["test"]
    assert recipes["test-fast"].endswith('-m "not slow"')
    assert recipes["test-fast"].replace(' -m "not slow"', "") == recipes["test"]


def test_real_collection_deselects_what_the_rule_marks():
    """The hook as pytest runs it, before -m deselects: by hand, by fixture, by call."""
    files = ["tests/privacy/test_leaks.py", "tests/captions/test_burn.py", "tests/transcribe/test_glossary.py"]
    shown = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                            "-m", "not slow", *files], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    kept = {line.split("[")[0] for line in shown.stdout.splitlines() if "::" in line}
    assert "tests/transcribe/test_glossary.py::test_lone_dots_after_a_sentence_are_not_words" in kept
    assert "tests/privacy/test_leaks.py::test_without_masks_the_measure_sees_every_face" in kept
    assert "tests/transcribe/test_glossary.py::test_caren_is_spelled_caren_and_karen_stays_karen" not in kept
    assert "tests/privacy/test_leaks.py::test_no_face_leaks" not in kept  # calls anonymise
    assert "tests/captions/test_burn.py::test_caption_area_changes_and_top_does_not" not in kept  # burned

