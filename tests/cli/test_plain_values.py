"""File names, titles and other values a user controls are printed as they are, never read as
Rich markup: "[red]x[/red].mp4" stays that text, and "a[/]b.mp4" does not crash the summary."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from vidkit import console
from vidkit.cli import app, base

runner = CliRunner()
NAMES = ["[red]x[/red]", "a[/]b", "[bold]"]


@pytest.mark.parametrize("name", NAMES)
def test_auth_status_prints_a_token_path_with_brackets_literally(tmp_path, name):
    token = tmp_path / f"{name} tokens" / "youtube-token.json"
    result = runner.invoke(app, ["auth", "--status"], env={"VIDKIT_YOUTUBE_TOKEN": str(token), "COLUMNS": "300"},
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"none yet ({token}): run vidkit auth" in result.stderr
    token.parent.mkdir(parents=True)  # "/" in a name makes folders: the printed path is the same
    token.write_text(json.dumps({"refresh_token": "r", "client_id": "c", "client_secret": "s",
                                 "scopes": ["https://www.googleapis.com/auth/youtube.upload"]}))
    token.chmod(0o600)
    result = runner.invoke(app, ["auth", "--status"], env={"VIDKIT_YOUTUBE_TOKEN": str(token), "COLUMNS": "300"},
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"token      {token}\n" in result.stderr and "file mode  0o600" in result.stderr


def _colour_console(monkeypatch, module) -> io.StringIO:
    buffer = io.StringIO()
    monkeypatch.setattr(module, "stderr", Console(file=buffer, width=300, force_terminal=True,
                                                  color_system="standard", highlight=False))
    return buffer


def test_summary_values_are_plain_unless_styled_and_keys_keep_their_colour(monkeypatch):
    buffer = _colour_console(monkeypatch, base)
    base._print_summary([("title", "[red]x[/red] a[/]b"), ("[yellow]fixed[/]", "[bold]y"),
                         ("gate privacy", Text.assemble(("would refuse:", "red"), " [x].mp4"))],
                        {"video": "out/[green]c[/].mp4"})
    text = buffer.getvalue()
    assert "[red]x[/red] a[/]b" in text and "[bold]y" in text and "out/[green]c[/].mp4" in text
    assert "\x1b[1;33mfixed\x1b[0m" in text  # bold yellow: the key's own markup
    assert "\x1b[31mwould refuse:\x1b[0m [x].mp4" in text  # the deliberate colour, the name as it is
    assert "\\[" not in text  # nothing escaped twice


def test_reporter_messages_are_plain(monkeypatch):
    buffer = _colour_console(monkeypatch, console)
    console.Reporter(quiet=False).say("resuming [red]x[/red] a[/]b.mp4")
    assert "resuming [red]x[/red] a[/]b.mp4" in buffer.getvalue()
