"""`vidkit run`: a preset's steps over one or more recordings (vidkit.pipeline.run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from vidkit.cli.base import Debug, Json, Out, Quiet, RosterFile, _run, _settings, app, stdout
from vidkit.console import Reporter


@app.command()
def run(
    inputs: Annotated[Optional[list[Path]], typer.Argument(help="Recordings to process, one job each.", dir_okay=False, show_default=False)] = None,
    preset: Annotated[str, typer.Option("--preset", "-p", help="session, review, captions-only, or a preset .toml file.")] = "review",
    list_presets: Annotated[bool, typer.Option("--list-presets", help="List the built-in presets and their steps.")] = False,
    roster: RosterFile = None,
    auto: Annotated[Optional[int], typer.Option("--auto", min=1, max=50, help="How many clips to make (the preset's clip.auto).", show_default=False)] = None,
    aspect: Annotated[Optional[str], typer.Option("--aspect", help="Clip shape (the preset's clip.aspect): 9:16, 1:1, 4:5, 16:9.", show_default=False)] = None,
    branding: Annotated[Optional[str], typer.Option("--branding", help="Cards and logo: a name in templates/branding or a .toml file.", show_default=False)] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Title for the clips' thumbnail and intro card.", show_default=False)] = None,
    subject: Annotated[Optional[list[str]], typer.Option("--subject", help="Pseudonymous id of a person in the recording (for consent). Repeatable.", show_default=False)] = None,
    template: Annotated[Optional[str], typer.Option("--template", help="Description template (default, short, education or a .j2 file).", show_default=False)] = None,
    upload: Annotated[Optional[bool], typer.Option("--upload/--no-upload", help="With a preset that publishes: upload (private) instead of checking and queueing.", show_default=False)] = None,
    ledger: Annotated[Optional[Path], typer.Option("--ledger", dir_okay=False, help="The store (default: vidkit.sqlite3 in the user data dir).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Run every step again, even those done before with the same parameters.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace outputs of another recording with the same file name in the output folder.")] = False,
    executor: Annotated[Optional[str], typer.Option("--executor", help="local (here, the default) or dask://HOST:PORT: each input's steps as one task on that Dask cluster (shared storage); publishing stays here.", show_default=False)] = None,
    out: Out = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Run a preset: the whole line for each recording, each step recorded in the store.

    [bold]session[/]: transcribe (names redacted) → the publishable full-length video
    (<stem>.publish.mp4) → the best 3 clips as 9:16 Shorts → their descriptions → publishing
    checked and queued (private; waits for consent). Needs a roster. [bold]review[/]: the same
    without publishing. [bold]captions-only[/]: transcript and caption sidecars. A re-run with
    the same parameters skips the steps already done; a changed one re-runs that step and those
    after it. Flags override the preset.
    Examples: [cyan]vidkit run session.mp4 --preset session --roster roster.txt -o out/[/]
              [cyan]vidkit run /srv/caren/*.mp4 --executor dask://scheduler:8786 -o /srv/caren/out[/]
              [cyan]vidkit run --list-presets[/]
    """
    from vidkit.pipeline import presets as presets_mod
    from vidkit.pipeline.run import RunOptions, run_payload, run_preset

    def job(reporter: Reporter) -> dict[str, Any]:
        if list_presets:
            rows = [(name, presets_mod.load_preset(name)) for name in presets_mod.available()]
            if not json_out:
                for name, found in rows:
                    stdout.print(f"[bold]{name}[/]: {' → '.join(found.steps)}", highlight=False)
                    stdout.print(f"  {found.description}", markup=False, highlight=False)
            return {"command": "run --list-presets", "outputs": {},
                    "presets": {name: {"steps": list(p.steps), "description": p.description} for name, p in rows}}
        chosen = presets_mod.load_preset(preset)
        settings = _settings(preset=(chosen.settings, f"preset {chosen.name}"),
                             clip=dict(aspect=aspect, branding=branding),
                             privacy=dict(roster=str(roster) if roster else None))
        options = RunOptions(auto=auto, title=title, subjects=tuple(subject or ()), template=template, upload=upload,
                             ledger=ledger, store=ledger, force=force, overwrite=overwrite)
        if executor and executor != "local":
            from vidkit.watch.cluster_run import run_on_cluster

            results = run_on_cluster(list(inputs or []), chosen, settings, reporter, out, options, executor)
        else:
            results = run_preset(list(inputs or []), chosen, settings, reporter, out, options)
        return run_payload(results, chosen)

    _run(job, json_out=json_out, quiet=quiet or (list_presets and not json_out), debug=debug)
