"""`vidkit publish --dry-run` names the files it would send as they are, brackets included."""

from __future__ import annotations

from tests.publish.conftest import consent, vidkit, write_clip


def test_dry_run_prints_file_names_with_brackets_as_they_are(tmp_path, clip_source, ledger):
    consent(ledger)
    clip = write_clip(tmp_path / "a[" / "]b", clip_source, stem="[red]walk[i].clip01")  # the path holds "a[/]b"
    result = vidkit("publish", clip.video, "--dry-run", "--ledger", ledger, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.stderr.split())
    assert "video [red]walk[i].clip01.mp4 (" in text and "captions [red]walk[i].clip01.srt (" in text
    assert "gate privacy" in text and "\\[" not in text
