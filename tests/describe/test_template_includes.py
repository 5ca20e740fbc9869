"""A description template reaches no file but itself and the built-in templates: include,
import, from and extends of a file next to it, an absolute path, ".." or a folder are refused
with one line naming the template and the name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.describe.test_templates import CONTEXT
from vidkit.describe.templates import render
from vidkit.errors import BadInputError

SECRET = "ssh-ed25519 AAAA-the-private-key"


def _template(folder: Path, statement: str) -> Path:
    path = folder / "mine.j2"
    path.write_text("{% block title %}{{ title }}{% endblock %}\n{% block description %}\n" + statement
                    + "\n{{ boilerplate }}\n{% endblock %}\n", encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path) -> Path:
    """A home folder: the user's template, a file next to it and a key one folder away."""
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "id_ed25519").write_text(SECRET, encoding="utf-8")
    (tmp_path / "notes.j2").write_text(SECRET, encoding="utf-8")
    (tmp_path / "templates").mkdir()
    return tmp_path


def _names(home: Path) -> list[str]:
    return ["notes.j2", str(home / "notes.j2"), str(home / ".ssh" / "id_ed25519"), "../.ssh/id_ed25519",
            ".ssh/id_ed25519", "../notes.j2", "..", "/etc/passwd", "~/.ssh/id_ed25519"]


@pytest.mark.parametrize("form", [
    '{{% include "{}" %}}', '{{% include "{}" ignore missing %}}', '{{% include ["{}", "default.j2"] %}}',
    '{{% import "{}" as notes %}}', '{{% from "{}" import x %}}', '{{% extends "{}" %}}',
])
def test_a_file_outside_the_builtins_is_refused(home, form):
    for name in _names(home):
        path = _template(home / "templates" if name.startswith("..") else home, form.format(name))
        with pytest.raises(BadInputError) as refused:
            render(path, CONTEXT)
        message = str(refused.value)
        assert message.startswith(f"template mine.j2, line 3: refers to {name!r}, which is not allowed"), message
        assert "default.j2, education.j2, short.j2" in message and "\n" not in message and SECRET not in message


def test_a_name_computed_while_rendering_is_refused_too(home):
    path = _template(home, "{% include title %}")
    for name in _names(home):
        with pytest.raises(BadInputError, match=r"mine\.j2, line 3: refers to .*which is not allowed") as refused:
            render(path, {**CONTEXT, "title": name})
        assert SECRET not in str(refused.value)


def test_a_builtin_template_may_be_included(tmp_path):
    rendered = render(_template(tmp_path, '{% include "short.j2" %}'), {**CONTEXT, "hashtags": ["#Gait"]})
    assert "#Shorts #Gait" in rendered.description
