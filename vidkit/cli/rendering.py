"""`vidkit render`: the publishable full-length video (vidkit.pipeline.render_job)."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from vidkit.cli.base import Debug, Input, Json, Out, Quiet, RosterFile, _run, _settings, app
from vidkit.cli.media import Overwrite
from vidkit.console import Reporter


@app.command()
def render(
    input: Input,
    roster: RosterFile = None,
    branding: Annotated[Optional[str], typer.Option("--branding", help="Intro/outro cards and logo: a name in templates/branding (default) or a .toml file.", show_default=False)] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Title text for the intro card (with --branding).", show_default=False)] = None,
    captions: Annotated[bool, typer.Option("--captions/--no-captions", help="Burn captions into the picture (default on); the SRT/VTT are written either way.")] = True,
    style: Annotated[Optional[str], typer.Option(help="Caption style: standard (default), shorts, or a .toml path.", show_default=False)] = None,
    overwrite: Overwrite = False,
    out: Out = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """The video to publish, full length: [bold]<stem>.publish.mp4[/] and its record [bold]<stem>.publish.json[/].

    One encode: faces masked and verified by a second detector (exit code 1 if a face remains),
    captions burned, with --roster names shown as \\[name] in the captions and bleeped in the
    audio (which is then listened to again), branding cards and logo with --branding. Also
    writes <stem>.publish.srt/.vtt and <stem>.publish.transcript.json, for describe and publish.
    Example: [cyan]vidkit render session.mp4 --roster roster.txt -o out/[/]
    """
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.render_step import RenderStep

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = _settings(clip=dict(branding=branding), captions=dict(style=style),
                             privacy=dict(roster=str(roster) if roster else None))
        ctx = Context(settings, reporter, out=out, overwrite=overwrite)
        return run_job("render", ctx, [RenderStep(input, captions, title)]).payload()

    _run(job, json_out=json_out, quiet=quiet, debug=debug)
