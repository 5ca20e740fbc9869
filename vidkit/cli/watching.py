"""`vidkit watch`, `status`, `retry`, `forget`: a folder processed exactly once (vidkit.watch)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from vidkit.cli.base import Debug, Json, Quiet, RosterFile, _run, _settings, app
from vidkit.console import Reporter

Ledger = Annotated[Optional[Path], typer.Option(
    "--ledger", dir_okay=False, show_default=False,
    help="The store (default: vidkit.sqlite3 in the user data dir). Keep it on a local disk.")]


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="The folder recordings are copied into.", file_okay=False, show_default=False)],
    preset: Annotated[Optional[str], typer.Option("--preset", "-p", help="What to run on each recording (watch.preset: review).", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", file_okay=False, help="Output folder (default: <folder>/out).", show_default=False)] = None,
    once: Annotated[bool, typer.Option("--once", help="Process what is there (waiting for copies to settle), then exit: for cron or a systemd timer.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Recordings at once; 0 = what the cores and memory allow for the preset.")] = 0,
    settle: Annotated[Optional[float], typer.Option("--settle", min=0.0, help="Seconds a file's size and time must hold still before it is taken (watch.settle_seconds: 10).", show_default=False)] = None,
    poll: Annotated[bool, typer.Option("--poll", help="Scan every watch.poll_seconds instead of waiting for file events (SMB/NFS shares).")] = False,
    recursive: Annotated[Optional[bool], typer.Option("--recursive/--no-recursive", help="Look into sub-folders too.", show_default=False)] = None,
    executor: Annotated[Optional[str], typer.Option("--executor", help="local (processes, the default) or dask://HOST:PORT.", show_default=False)] = None,
    wait_lock: Annotated[bool, typer.Option("--wait-lock", help="If another watcher holds the store or output folder, wait for it instead of refusing.")] = False,
    roster: RosterFile = None, ledger: Ledger = None,
    json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Process every recording that arrives in FOLDER, exactly once.

    A file is taken when its size and time have held still for watch.settle_seconds and it
    opens; it is known by its sha256, so a renamed or re-copied file is not processed again.
    Failures are retried (watch.retries, with backoff) and then moved to FOLDER/failed/ with a
    <name>.error.txt; finished originals stay, or go to FOLDER/done/ (watch.on_done = move).
    Ctrl-C or SIGTERM: no new work, running steps finish (watch.stop_timeout), exit 0.
    Examples: [cyan]vidkit watch /srv/caren/incoming -o /srv/caren/out[/]
              [cyan]vidkit watch incoming --once --preset captions-only[/]
    """
    from vidkit.store import default_store_path
    from vidkit.watch.run import tally_payload, watch_folder
    from vidkit.watch.watcher import WatchOptions

    def job(reporter: Reporter) -> dict[str, Any]:
        if quiet or json_out:
            for handler in logging.getLogger().handlers:
                handler.setLevel(logging.ERROR)  # the log file still gets every line
        from vidkit.pipeline.presets import load_preset

        flags = dict(watch=dict(executor=executor, recursive=recursive, settle_seconds=settle),
                     privacy=dict(roster=str(roster) if roster else None))
        chosen = preset or _settings(**flags).get("watch", "preset")
        # the preset's own settings (the session preset's clip.aspect, ...) as `vidkit run` applies them
        settings = _settings(preset=(load_preset(chosen).settings, f"preset {chosen}"), **flags)
        options = WatchOptions(folder=folder, out_dir=out or folder / "out", preset=chosen,
                               store=ledger or default_store_path(), once=once, jobs=jobs, poll=poll,
                               wait_lock=wait_lock)
        return tally_payload(watch_folder(options, settings), options)

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def status(
    ledger: Ledger = None,
    folder: Annotated[Optional[Path], typer.Option("--folder", file_okay=False, help="Only recordings of this watched folder.", show_default=False)] = None,
    follow: Annotated[bool, typer.Option("--watch", "-w", help="Keep showing, refreshed every 2 s (Ctrl-C ends).")] = False,
    json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """What the folder watchers did: queued, running (step, progress), done, failed (why),
    waiting for consent, with durations. Reads the store, writes nothing."""
    from vidkit.watch.status import follow_status, status_payload

    def job(reporter: Reporter) -> dict[str, Any]:
        if follow and not json_out:
            follow_status(ledger, folder)
            return {"command": "status", "outputs": {}, "summary": {}, "summary_lines": []}
        return status_payload(ledger, folder, print_table=not (json_out or quiet))

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def retry(
    job_ref: Annotated[Optional[str], typer.Argument(metavar="JOB", help="A recording's number or sha256 start (see vidkit status).", show_default=False)] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Every failed recording.")] = False,
    ledger: Ledger = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Queue a failed recording again (moved back from failed/ into its watched folder); the
    watcher takes it on its next scan, resuming at the step that failed."""
    from vidkit.watch.status import retry_items

    _run(lambda reporter: retry_items(ledger, job_ref, failed), json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def forget(
    job_ref: Annotated[str, typer.Argument(metavar="JOB", help="A recording's number or sha256 start (see vidkit status).", show_default=False)],
    ledger: Ledger = None, json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Forget a recording and its step records: if the file is seen again it is processed anew.
    Its outputs and the file itself are left where they are."""
    from vidkit.watch.status import forget_item

    _run(lambda reporter: forget_item(ledger, job_ref), json_out=json_out, quiet=quiet, debug=debug)
