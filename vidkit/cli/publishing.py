"""`vidkit auth`, `vidkit publish` and `vidkit consent`: flags in, a pipeline call, a summary out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from vidkit.cli.base import Debug, Json, Quiet, RosterFile, _run, _settings, app, stdout
from vidkit.console import Reporter, print_json

LedgerPath = Annotated[Optional[Path], typer.Option(
    "--ledger", dir_okay=False, help="The vidkit store, the SQLite file that holds the publish ledger (default: vidkit.sqlite3 in the user data dir).")]


@app.command()
def auth(
    client_secrets: Annotated[Optional[Path], typer.Option("--client-secrets", dir_okay=False, help="OAuth client JSON of a 'Desktop app' client from the Google Cloud console (default: youtube.client_secrets).", show_default=False)] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the URL instead of opening a browser; open it on this machine (or forward --port over SSH).")] = False,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Local port Google redirects the browser to (0 = any free port).")] = 0,
    status: Annotated[bool, typer.Option("--status", help="Only show whether a token is stored, where, and its scopes (never the token).")] = False,
    json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Authorise vidkit to upload to the clinic's YouTube channel (OAuth in the browser).

    Asks for the youtube.upload and youtube.force-ssl scopes and stores the token in the user
    config dir as youtube-token.json (mode 0600), or in the system keyring with youtube.keyring =
    true. On a headless machine: authorise on a desktop and copy the file (see the README).
    Example: [cyan]vidkit auth --client-secrets client_secret.json[/]   [cyan]vidkit auth --status[/]
    """
    from vidkit.publish import auth as auth_mod
    from vidkit.publish.client import youtube_settings

    def job(reporter: Reporter) -> dict[str, Any]:
        yts = youtube_settings(_settings())
        if status:
            found = auth_mod.token_status(auth_mod.token_store(yts))
        else:
            found = auth_mod.authorise(yts, client_secrets, open_browser=not no_browser, port=port)
        lines = [("token", found["location"] if found["exists"] else f"none yet ({found['location']}): run vidkit auth")]
        if found["exists"]:
            lines.append(("scopes", ", ".join(s.rsplit("/", 1)[-1] for s in found["scopes"] or ()) or "not recorded in the token"))
            if found["missing_scopes"]:
                lines.append(("[yellow]missing[/]", ", ".join(found["missing_scopes"]) + ": run vidkit auth again"))
            if "private" in found:
                lines.append(("file mode", Text(found["mode"]).append("" if found["private"] else " readable by others: chmod 600 it", "red")))
        return {"command": "auth --status" if status else "auth", "outputs": {}, "summary": found, "summary_lines": lines}

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@app.command()
def publish(
    clip: Annotated[Optional[Path], typer.Argument(help="The clip video (its <stem>.upload.json from vidkit describe is used) or the .upload.json.", dir_okay=False, show_default=False)] = None,
    privacy: Annotated[Optional[str], typer.Option("--privacy", help="private (the default), unlisted or public: anything but private must be asked for.", show_default=False)] = None,
    publish_at: Annotated[Optional[str], typer.Option("--publish-at", help="ISO 8601 time (2027-01-31T09:00:00Z) at which YouTube makes the private video public.", show_default=False)] = None,
    playlist: Annotated[Optional[str], typer.Option("--playlist", help="Add the video to this playlist id (default: youtube.playlist).", show_default=False)] = None,
    subject: Annotated[Optional[list[str]], typer.Option("--subject", help="Pseudonymous id of a person in the clip, on top of the upload.json's subjects; each needs a consent. Repeatable.", show_default=False)] = None,
    no_subjects: Annotated[bool, typer.Option("--no-subjects", help="State that nobody identifiable is in the clip (recorded in the ledger).")] = False,
    allow_unverified: Annotated[bool, typer.Option("--allow-unverified", help="Publish although the privacy report is missing or unverified (recorded in the ledger).")] = False,
    allow_unredacted: Annotated[bool, typer.Option("--allow-unredacted", help="Publish although names were not redacted, bleeped and listened for again, or a text sent holds one; needs --reason (who, when and why are recorded).")] = False,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why an override is used; kept in the ledger with your user name and the time.", show_default=False)] = None,
    update: Annotated[bool, typer.Option("--update", help="The clip is already on YouTube and its title, description, tags or privacy changed: send the change (videos.update).")] = False,
    set_private: Annotated[bool, typer.Option("--set-private", help="Make the clip's video, or every video of --subject, private on YouTube (recorded).")] = False,
    roster: RosterFile = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print exactly what would be sent, the files and the quota; send nothing (no token needed).")] = False,
    status: Annotated[bool, typer.Option("--status", help="List the uploads in the ledger and today's quota.")] = False,
    ledger: LedgerPath = None,
    json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Upload a described clip to YouTube, [bold]private[/] by default, with captions, thumbnail and playlist.

    Refuses (exit 2) a clip without a verified privacy report, without a record that names
    were redacted and listened for again, with a name or identifying number in any text sent
    (title, description, tags, chapters, captions, card text; checked against --roster /
    privacy.roster and the recording's file name), without consent for every subject, or with
    identifying metadata. A clip already on YouTube whose metadata changed needs --update. The upload is resumable and crash-safe: run the same
    command again after a failure or a kill and it carries on; a published clip is never sent twice.
    Examples: [cyan]vidkit publish out/session.clip01.mp4 --dry-run[/]
              [cyan]vidkit publish out/session.clip01.mp4 --subject P-0042 --playlist PLxxxx[/]
              [cyan]vidkit publish --status[/]
    """
    from vidkit.errors import BadInputError
    from vidkit.pipeline.job import Context, run_job
    from vidkit.pipeline.job_steps import PublishStep
    from vidkit.publish.job import PublishOptions, status_job

    def job(reporter: Reporter) -> dict[str, Any]:
        settings = _settings(privacy={"roster": str(roster) if roster else None})
        if status:
            payload = status_job(settings, ledger)
            if not json_out:
                stdout.print(_uploads_table(payload))
            return payload
        if set_private:
            from vidkit.publish.set_private import set_private_job

            return set_private_job(settings, reporter, subjects=tuple(subject or ()), clip=clip,
                                   ledger_path=ledger, reason=reason)
        if clip is None:
            raise BadInputError("give the clip to publish (its video or .upload.json), or --status")
        if privacy is not None and privacy not in ("private", "unlisted", "public"):
            raise BadInputError(f"--privacy must be private, unlisted or public, not {privacy!r}")
        options = PublishOptions(privacy=privacy, publish_at=publish_at, playlist=playlist,
                                 subjects=tuple(subject or ()), no_subjects=no_subjects,
                                 allow_unverified=allow_unverified, allow_unredacted=allow_unredacted,
                                 reason=reason, update=update, ledger=ledger)
        ctx = Context(settings, reporter)
        payload = run_job("publish", ctx, [PublishStep(clip, options, dry_run=dry_run)]).payload()
        if dry_run and not json_out and not quiet:
            print_json(payload["requests"])
        return payload

    _run(job, json_out=json_out, quiet=quiet or (status and not json_out), debug=debug)


def _uploads_table(payload: dict[str, Any]) -> Table:
    table = Table("clip sha256", "state", "video", "title", "privacy", "steps", "updated", title="Uploads",
                  title_justify="left")
    for u in payload["uploads"]:
        steps = ", ".join(f"{k} {v}" for k, v in sorted(u["steps"].items())) or "-"
        state = u["state"] + (f" ({u['last_error']})" if u["last_error"] and u["state"] != "published" else "")
        table.add_row(u["sha256"][:12], escape(state), u["video_id"] or "-", escape(u["title"] or ""),
                      u["privacy"] or "-", steps, u["updated_at"])
    quota = payload["quota"]
    table.caption = (f"quota today ({quota['uploads']['day']} Pacific): uploads {quota['uploads']['used']}/"
                     f"{quota['uploads']['limit']}, units {quota['units']['used']}/{quota['units']['limit']}; "
                     f"resets {payload['quota_resets']}. Ledger: {payload['ledger']}")
    return table


consent_app = typer.Typer(help="Consent of the people in clips to appear on YouTube (kept in the publish ledger).",
                          no_args_is_help=True)
app.add_typer(consent_app, name="consent")


@consent_app.command("add")
def consent_add(
    subject: Annotated[str, typer.Option("--subject", help="Pseudonymous id of the person (e.g. P-0042), never a name.", show_default=False)],
    scope: Annotated[str, typer.Option("--scope", help="What they agreed to: youtube.")] = "youtube",
    expires: Annotated[Optional[str], typer.Option("--expires", help="Last valid day, YYYY-MM-DD (default: no end).", show_default=False)] = None,
    evidence: Annotated[Optional[Path], typer.Option("--evidence", dir_okay=False, help="The signed form: only its sha256 is stored.", show_default=False)] = None,
    ledger: LedgerPath = None,
    json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Record that a person agreed to appear on YouTube; publish checks it for every subject.

    Example: [cyan]vidkit consent add --subject P-0042 --scope youtube --expires 2027-06-30 --evidence form.pdf[/]
    """
    from vidkit.publish import consent
    from vidkit.publish.ledger import Ledger

    def job(reporter: Reporter) -> dict[str, Any]:
        with Ledger(ledger) as book:
            added = consent.add(book, subject, scope, expires, evidence)
        return {"command": "consent add", "outputs": {}, "summary": added.__dict__,
                "summary_lines": [("consent", f"{added.subject} for {added.scope} until {added.expires or 'revoked'}"
                                              + (", evidence sha256 stored" if added.evidence_sha256 else ""))]}

    _run(job, json_out=json_out, quiet=quiet, debug=debug)


@consent_app.command("list")
def consent_list(
    subject: Annotated[Optional[str], typer.Option("--subject", help="Only this person.", show_default=False)] = None,
    ledger: LedgerPath = None, json_out: Json = False, debug: Debug = False,
) -> None:
    """List recorded consents: valid, expired or revoked.

    Example: [cyan]vidkit consent list[/]
    """
    from vidkit.publish import consent
    from vidkit.publish.ledger import Ledger

    def job(reporter: Reporter) -> dict[str, Any]:
        with Ledger(ledger) as book:
            rows = consent.listing(book, subject)
        if not json_out:
            table = Table("subject", "scope", "state", "expires", "evidence sha256", "added")
            for row in rows:
                table.add_row(escape(row["subject"]), escape(row["scope"]), row["state"], row["expires"] or "-",
                              (row["evidence_sha256"] or "-")[:16], row["added_at"])
            stdout.print(table)
        return {"command": "consent list", "outputs": {}, "consents": rows}

    _run(job, json_out=json_out, quiet=True, debug=debug)


@consent_app.command("revoke")
def consent_revoke(
    subject: Annotated[str, typer.Option("--subject", help="Pseudonymous id of the person.", show_default=False)],
    scope: Annotated[Optional[str], typer.Option("--scope", help="Only this scope (default: all).", show_default=False)] = None,
    ledger: LedgerPath = None,
    json_out: Json = False, quiet: Quiet = False, debug: Debug = False,
) -> None:
    """Withdraw a person's consent: their clips are refused from now on (published videos stay; remove them on YouTube).

    Example: [cyan]vidkit consent revoke --subject P-0042[/]
    """
    from vidkit.publish import consent
    from vidkit.publish.ledger import Ledger

    def job(reporter: Reporter) -> dict[str, Any]:
        from vidkit.publish.set_private import on_youtube, sent_body

        with Ledger(ledger) as book:
            count = consent.revoke(book, subject, scope)
            videos = [{"video_id": r.video_id, "privacy": sent_body(r)["status"].get("privacyStatus"),
                       "title": r.title, "sha256": r.sha256} for r in on_youtube(book, subject)]
            for video in videos:  # the revocation is part of each video's history
                book.note(video["sha256"], "consent-revoked", None, {"subject": subject, "scope": scope})
        lines = [("revoked", f"{count} consent{'s' if count != 1 else ''} of {subject}")]
        lines += [("on YouTube", f"{v['video_id']} ({v['privacy']}): {v['title'] or ''}") for v in videos]
        public = [v for v in videos if v["privacy"] != "private"]
        if public:
            lines.append(("[yellow]to do[/]", f"{len(public)} video(s) can still be seen: make them private with "
                                              f"`vidkit publish --set-private --subject {subject}`"))
        return {"command": "consent revoke", "outputs": {},
                "summary": {"subject": subject, "revoked": count, "on_youtube": videos,
                            "set_private": f"vidkit publish --set-private --subject {subject}" if public else None},
                "summary_lines": lines}

    _run(job, json_out=json_out, quiet=quiet, debug=debug)
