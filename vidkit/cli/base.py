"""The Typer app, the options every command shares, and running a job: progress, summary or
JSON, one-line errors and exit codes. Commands live in the sibling modules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.text import Text

import vidkit
from vidkit import config as config_mod
from vidkit.console import Reporter, fail, print_json, setup_logging, stderr
from vidkit.interrupts import stop_signals_raise

stdout = Console(highlight=False, soft_wrap=True)

app = typer.Typer(
    name="vidkit",
    help="Captioned, privacy-safe clips from CAREN session recordings. Works offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

Out = Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: next to the input).",
                                             file_okay=False)]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object naming every output.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summaries.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")]
Input = Annotated[Path, typer.Argument(help="Recording (video or audio).", show_default=False)]
Model = Annotated[Optional[str], typer.Option(
    help="Whisper model: empty = embedded tiny.en (offline); a name like base.en or small "
         "(downloaded once); or a local model folder / .pt file.")]
Engine = Annotated[Optional[str], typer.Option(help="faster-whisper (default) or openai-whisper.")]
Glossary = Annotated[Optional[str], typer.Option(
    help="Domain terms to favour: a file (one per line) or a built-in name ('rehab'); '' for none.")]
RosterFile = Annotated[Optional[Path], typer.Option(
    "--roster", dir_okay=False,
    help="Names to redact: a UTF-8 file, one person per line ('First Last | nickname, ...'). "
         "Phone numbers, dates of birth and record numbers are redacted too.")]


def _run(job, *, json_out: bool, quiet: bool, debug: bool) -> None:
    """Run `job(reporter)` with progress, then print its summary or JSON; map errors to exit codes."""
    setup_logging(quiet or json_out, debug)
    reporter = Reporter(quiet=quiet)
    try:
        # SIGTERM too unwinds through the job's cleanup: no .part files, temp folders or ffmpeg left
        with stop_signals_raise(), reporter.running():
            payload = job(reporter)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - every failure becomes one line
        raise typer.Exit(fail(exc, debug)) from None
    tables = payload.pop("_tables", [])
    lines = payload.pop("summary_lines", [])
    if json_out:
        print_json(payload)
    elif not quiet:
        _print_summary(lines, payload["outputs"])
        for table in tables:
            stderr.print(table)
    if payload.get("exit_code"):
        raise typer.Exit(payload["exit_code"])


def _print_summary(lines: list[tuple[str, Any]], outputs: dict[str, Any]) -> None:
    """Key/value lines on stderr. Nothing is cut or wrapped, so a path piped to a log or read
    by a script is whole whatever the width (a table would end it in "…" at 80 columns).

    Keys are vidkit's own words and may hold Rich markup ("[yellow]fixed[/]"); a value is
    printed as plain text (file names, titles and ids may hold "[...]"), unless it is a rich
    Text, which carries its own styles."""
    rows = [(Text.from_markup(f"[bold]{key}[/]"), value if isinstance(value, Text) else Text(str(value)))
            for key, value in lines]
    rows += [(Text.from_markup(f"[green]{kind}[/]"), Text(str(path))) for kind, path in outputs.items()]
    width = max((key.cell_len for key, _ in rows), default=0)
    for key, value in rows:
        stderr.print(Text.assemble(key, " " * (width - key.cell_len + 2), value), soft_wrap=True)


# The file named with `vidkit --config FILE`; the callback sets it (or None) on every run.
_config: Optional[Path] = None


def _config_file() -> Optional[Path]:
    return _config


def _settings(preset: Optional[tuple[dict[str, Any], str]] = None, **sections: dict[str, Any]) -> config_mod.Settings:
    return config_mod.load_settings(sections, config=_config_file(), preset=preset)


def _split(formats: Optional[str]) -> Optional[list[str]]:
    return None if formats is None else [f for f in formats.split(",") if f.strip()]


def _version(value: bool) -> None:
    if value:
        print(f"vidkit {vidkit.__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Show the version and exit.")] = False,
         config: Annotated[Optional[Path], typer.Option(
             "--config", exists=True, dir_okay=False, show_default=False,
             help="Read settings from this TOML file instead of ./vidkit.toml, trusted with every key "
                  "(a ./vidkit.toml may not change privacy, masking, endpoints or tokens).")] = None) -> None:
    """vidkit: transcripts, captions, face anonymisation, clips and YouTube publishing for CAREN sessions."""
    global _config
    _config = config


