"""Description templates: Jinja2 in a sandbox, plain text out.

A template is a `.j2` file with two blocks, rendered separately: `{% block title %}` (the
video title) and `{% block description %}` (the description, which must end with
`{{ boilerplate }}`, the clinic's name, disclaimer, contact and consent statement). Built-in
templates live in `templates/descriptions/`; a user passes a name from there or a path.

The sandbox refuses attribute tricks (`''.__class__`), StrictUndefined makes a misspelt
variable an error, `{% include %}`, `{% import %}`, `{% from %}` and `{% extends %}` reach only
the template itself and the built-ins (no other file, folder, absolute path or ".."), and every
template error becomes a BadInputError naming the file and line.
Autoescaping is off: descriptions are plain text, not HTML. Variables: see CONTEXT_HELP.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from vidkit.errors import BadInputError
from vidkit.resources import templates_dir

SUFFIX = ".j2"
BLOCKS = ("title", "description")
CONTEXT_HELP = ("title, summary (list of sentences), key_terms, tags, hashtags, chapters (list of "
                "'00:00 Title' lines), clinic (name, contact, disclaimer, consent_statement), boilerplate, "
                "duration (seconds), short (true for a Short), language")
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Rendered:
    template: str  # the template's name: "default", or the file name of a user's template
    title: str
    description: str


def descriptions_dir() -> Path:
    return templates_dir() / "descriptions"


def available() -> list[str]:
    """Names of the built-in description templates."""
    return sorted(p.stem for p in descriptions_dir().glob(f"*{SUFFIX}") if not p.stem.startswith("_"))


def find_template(spec: str) -> Path:
    """A built-in template by name ("default") or a `.j2` file by path."""
    path = Path(spec).expanduser()
    if path.suffix == SUFFIX or path.parent != Path("."):
        if not path.is_file():
            raise BadInputError(f"template not found: {spec}")
        return path
    builtin = descriptions_dir() / f"{spec}{SUFFIX}"
    if not builtin.is_file():
        raise BadInputError(f"no description template named {spec!r}; use one of {', '.join(available())} "
                            f"or a path to a {SUFFIX} file")
    return builtin


def template_name(path: Path) -> str:
    """"default" for a built-in template, the file name for any other."""
    return path.stem if path.parent.resolve() == descriptions_dir().resolve() else path.name


class _Refused(TemplateError):
    """An include/import/extends of a file that is not a built-in template (not a
    TemplateNotFound, which `{% include ... ignore missing %}` would pass over)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _Loader(BaseLoader):
    """The template being rendered (by its own file name) and the built-in templates, nothing
    else: a template in the home folder must not be able to include ~/.ssh/id_rsa or a file
    next to it into a description that is published."""

    def __init__(self, template: Path):
        self.template = template

    def get_source(self, environment, name: str):
        if name == self.template.name:
            path = self.template
        else:
            path = _builtin(name)
            if path is None:
                raise TemplateNotFound(name)
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TemplateNotFound(name) from None
        mtime = path.stat().st_mtime
        return source, str(path), lambda: path.stat().st_mtime == mtime


def _builtin(name: str) -> Path | None:
    """The built-in template file called `name`; None if there is none; _Refused if `name` is a
    path (absolute, with a folder, "..") rather than a file name."""
    folder = descriptions_dir().resolve()
    if not name or "/" in name or "\\" in name or name.startswith(".") or Path(name).is_absolute():
        raise _Refused(name)
    path = (folder / name).resolve()
    if path.parent != folder:  # a link out of the folder
        raise _Refused(name)
    return path if path.is_file() else None


def _environment(template: Path) -> ImmutableSandboxedEnvironment:
    # Immutable: a template cannot change the lists it is given (summary.append(...)).
    return ImmutableSandboxedEnvironment(loader=_Loader(template), undefined=StrictUndefined,
                                         autoescape=False, trim_blocks=True, lstrip_blocks=True)


def _refusal(where: str, name: Any) -> BadInputError:
    builtins = ", ".join(sorted(p.name for p in descriptions_dir().glob(f"*{SUFFIX}")))
    return BadInputError(f"template {where}: refers to {name!r}, which is not allowed: a template may include, "
                         f"import or extend only itself and the built-in templates ({builtins}), by file name")


def _check_references(environment: ImmutableSandboxedEnvironment, path: Path) -> None:
    """Refuse a named include/import/from/extends of anything but the template itself or a
    built-in before rendering (the loader refuses a name computed while rendering). Needed as
    well: `extends` and imports outside the blocks never run, as the blocks are rendered alone."""
    tree = environment.parse(path.read_text(encoding="utf-8"), path.name, str(path))
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        target = node.template
        items = target.items if isinstance(target, (nodes.List, nodes.Tuple)) else [target]
        for item in items:
            name = item.value if isinstance(item, nodes.Const) else None
            for one in name if isinstance(name, (list, tuple)) else [name]:
                if isinstance(one, str) and one != path.name and _allowed(one) is None:
                    raise _refusal(f"{path.name}, line {node.lineno}", one)


def _allowed(name: str) -> Path | None:
    try:
        return _builtin(name)
    except _Refused:
        return None


def _where(exc: BaseException, fallback: str) -> str:
    """"name.j2, line 3" from the innermost template frame of `exc`'s (rewritten) traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(SUFFIX)]
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return f"{Path(exc.filename or exc.name or fallback).name}, line {exc.lineno}"
    if frames:
        return f"{Path(frames[-1].filename).name}, line {frames[-1].lineno}"
    return fallback


def _template_error(exc: Exception, fallback: str) -> BadInputError:
    where = _where(exc, fallback)
    if isinstance(exc, SecurityError):
        return BadInputError(f"template {where}: not allowed in a template ({exc}); use only the "
                             f"variables: {CONTEXT_HELP}")
    if isinstance(exc, (_Refused, TemplateNotFound)):
        return _refusal(where, exc.name)
    if isinstance(exc, TemplateSyntaxError):
        return BadInputError(f"template {where}: {exc.message}")
    if isinstance(exc, TemplateError):
        return BadInputError(f"template {where}: {exc.message}; the variables are: {CONTEXT_HELP}")
    return BadInputError(f"template {where}: {type(exc).__name__}: {exc}")


def render(path: Path, context: dict[str, Any]) -> Rendered:
    """Render the template at `path`'s title and description blocks with `context`; whitespace
    tidied (no trailing spaces, at most one blank line in a row, the title on one line)."""
    path = Path(path)
    environment = _environment(path)
    texts = {}
    try:
        try:
            _check_references(environment, path)
            template = environment.get_template(path.name)
            missing = [b for b in BLOCKS if b not in template.blocks]
            if missing:
                raise BadInputError(f"template {path.name} has no {{% block {missing[0]} %}}: a description "
                                    f"template needs a title block and a description block")
            for block in BLOCKS:
                context_ = template.new_context(dict(context))
                texts[block] = "".join(template.blocks[block](context_))
        except Exception:  # noqa: BLE001
            environment.handle_exception()  # re-raises with the template's own line numbers
    except BadInputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any template failure is the template author's to fix
        raise _template_error(exc, path.name) from None
    lines = [line.rstrip() for line in texts["description"].strip().splitlines()]
    description = _BLANK_RUNS.sub("\n\n", "\n".join(lines))
    return Rendered(template_name(path), " ".join(texts["title"].split()), description)


def boilerplate(clinic: dict[str, Any]) -> str:
    """The clinic block every description ends with: name, disclaimer, contact, consent."""
    lines = [clinic.get("name", ""), clinic.get("disclaimer", ""),
             f"Contact: {clinic['contact']}" if clinic.get("contact") else "", clinic.get("consent_statement", "")]
    return "\n".join(" ".join(line.split()) for line in lines if line and line.strip())


def check_boilerplate(rendered: Rendered, ending: str) -> None:
    """Refuse a description that does not end with the clinic block (a user's template that
    left out `{{ boilerplate }}`): no clinic video goes out without its disclaimer."""
    if not rendered.description.rstrip().endswith(ending.strip()):
        raise BadInputError(f"template {rendered.template}: the description must end with the clinic's "
                            f"disclaimer and consent statement; put {{{{ boilerplate }}}} at its end")
