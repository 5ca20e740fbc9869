"""Description templates: Jinja2 in a sandbox, plain text out.

A template is a `.j2` file with two blocks, rendered separately: `{% block title %}` (the
video title) and `{% block description %}` (the description, which must end with
`{{ boilerplate }}`, the clinic's name, disclaimer, contact and consent statement). Built-in
templates live in `templates/descriptions/`; a user passes a name from there or a path.

The sandbox refuses attribute tricks (`''.__class__`), StrictUndefined makes a misspelt
variable an error, and every template error becomes a BadInputError naming the file and line.
Autoescaping is off: descriptions are plain text, not HTML. Variables: see CONTEXT_HELP.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
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


def _environment(folder: Path) -> ImmutableSandboxedEnvironment:
    # Immutable: a template cannot change the lists it is given (summary.append(...)).
    return ImmutableSandboxedEnvironment(loader=FileSystemLoader(str(folder)), undefined=StrictUndefined,
                                autoescape=False, trim_blocks=True, lstrip_blocks=True)


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
    if isinstance(exc, TemplateNotFound):
        return BadInputError(f"template {where}: includes {exc.name}, which is not in the template's folder")
    if isinstance(exc, TemplateSyntaxError):
        return BadInputError(f"template {where}: {exc.message}")
    if isinstance(exc, TemplateError):
        return BadInputError(f"template {where}: {exc.message}; the variables are: {CONTEXT_HELP}")
    return BadInputError(f"template {where}: {type(exc).__name__}: {exc}")


def render(path: Path, context: dict[str, Any]) -> Rendered:
    """Render the template at `path`'s title and description blocks with `context`; whitespace
    tidied (no trailing spaces, at most one blank line in a row, the title on one line)."""
    path = Path(path)
    environment = _environment(path.parent)
    texts = {}
    try:
        try:
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
