"""`vidkit describe`'s summary prints a title and file names with brackets as they are: not read
as Rich markup, and not shown escaped ("\\[")."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.describe.helpers import TOPICS, write_transcript
from vidkit.cli import app


def test_a_title_and_file_name_with_brackets_print_as_they_are(place_video, tiny_video, tmp_path):
    folder = tmp_path / "a[" / "]b"  # the path holds "a[/]b", which Rich would refuse as markup
    folder.mkdir(parents=True)
    video = place_video("a[/]b/[red]walk[i].mp4", tiny_video)
    write_transcript(video.with_name("[red]walk[i].transcript.json"), TOPICS, 40.0)
    title = "Gait [bold]drills[/bold] [/]"
    result = CliRunner().invoke(app, ["describe", str(video), "--title", title], env={"COLUMNS": "300"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"title     {title}\n" in result.stderr
    assert str(video.with_name("[red]walk[i].upload.json")) in result.stderr
    assert "\\[" not in result.stderr
