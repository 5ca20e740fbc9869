"""With a roster, a name in what vidkit names or draws its outputs after is refused up front:
the recording's file name (every output is `<stem>.<suffix>`), --title, --find. The refusal
never repeats the name."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from tests.cli.helpers import make_transcript
from vidkit.cli import app
from vidkit.describe.describe import check_subjects
from vidkit.errors import BadInputError
from vidkit.privacy.identifying import hide_identifying, identifies, name_in_file_name, refuse_named_file
from vidkit.publish.consent import check_subject
from vidkit.privacy.roster import parse_roster

ROSTER = parse_roster("José Müller | Jose\nAnna Visser\nMaria Jansen\nWill Peters\n")


@pytest.mark.parametrize("name", ["jose_muller_2024.mp4", "JoseMuller.mp4", "josemuller.mp4", "Muller.mp4",
                                  "anna.mp4", "Will_walk.mp4", "will_peters.mp4", "jansens_session.mp4",
                                  "mariajansen_x.mp4", "maria.transcript.json", "Müller session.mp4"])
def test_file_names_with_a_roster_name(name):
    assert name_in_file_name(name, ROSTER)


@pytest.mark.parametrize("name", ["caren_session.mp4", "session_2024-05-04.mp4", "hannah_walk.mp4",
                                  "will_walk.mp4", "caren_session.clip01.mp4", "P-0042_2024-05-04.mp4",
                                  "treadmill_susan.mp4"])
def test_file_names_without_one(name):
    assert not name_in_file_name(name, ROSTER)


@pytest.mark.parametrize("text, expected", [
    ("Gait training on the CAREN", False), ("Maria's first steps", True), ("Gait training with Will", True),
    ("Step length of 60 centimetres", False), ("slow the belt down", False), ("call 06 12345678", True),
    ("born 4 May 1975", True), ("Gait training 2024", False), ("Week 3: balance", False), ("jose", True)])
def test_titles_and_phrases(text, expected):
    assert identifies(text, ROSTER) is expected


@pytest.fixture
def named(tmp_path, small_video):
    video = tmp_path / "maria_jansen_walk.mp4"
    shutil.copyfile(small_video, video)
    make_transcript(tmp_path / "maria_jansen_walk.transcript.json")
    roster = tmp_path / "roster.txt"
    roster.write_text("Maria Jansen\n", encoding="utf-8")
    plain = tmp_path / "walk.mp4"
    shutil.copyfile(small_video, plain)
    make_transcript(tmp_path / "walk.transcript.json")
    return tmp_path, video, roster, plain


def test_every_roster_command_refuses_a_named_file_or_title_before_any_work(named):
    folder, video, roster, plain = named
    out = folder / "out"
    runs = [
        ["transcribe", video], ["caption", video], ["blur", video], ["clip", video, "--range", "0-1"],
        ["redact", folder / "maria_jansen_walk.transcript.json"],
        ["redact", folder / "walk.transcript.json", "--media", video],
        ["clip", plain, "--range", "0-1", "--title", "Maria walks again"],
        ["clip", plain, "--find", "well done Maria"],
        ["describe", video], ["describe", plain, "--title", "Maria walks again"],
    ]
    for args in runs:
        result = CliRunner().invoke(app, [*map(str, args), "--roster", str(roster), "-o", str(out)])
        said = result.output
        assert result.exit_code == 2, (args, said)
        assert "roster" in said and "Traceback" not in said, (args, said)
        assert "maria" not in said.replace(str(folder), "").lower(), (args, said)  # the path was the user's
    assert not out.exists() or not any(out.iterdir())


def test_an_unexpected_error_or_log_line_of_a_roster_run_shows_no_name(named, monkeypatch):
    import logging

    from vidkit.pipeline import steps

    folder, _, roster, plain = named

    def failing(path, options, on_progress=None, engines=None):
        logging.getLogger("some.library").warning("odd audio near 'Maria Jansen', 06 12345678")
        raise RuntimeError("decoder gave up after Maria Jansen")

    monkeypatch.setattr(steps, "transcribe_file", failing)
    result = CliRunner().invoke(app, ["transcribe", str(plain), "--roster", str(roster), "-o", str(folder / "out")])
    assert result.exit_code == 1 and "decoder gave up after [name] [name]" in result.output, result.output
    assert "odd audio near" in result.output and "[redacted]" in result.output, result.output
    assert "maria" not in result.output.replace(str(folder), "").lower() and "12345678" not in result.output
    # Without a roster the same lines are printed as they are.
    result = CliRunner().invoke(app, ["transcribe", str(plain), "-o", str(folder / "out")])
    assert "after Maria Jansen" in result.output


def test_parts_of_the_recordings_file_name_are_refused_in_titles(tmp_path):
    """`jan_smit_2024.mp4`: a title naming Jan or Smit is refused before any work, with or without
    a roster; everyday words of file names ("visit", "gait", "session") are not looked for."""
    from typer.testing import CliRunner

    from tests.conftest import make_video
    from vidkit.cli import app
    from vidkit.privacy.identifying import file_name_roster, names_in_text

    video = make_video(tmp_path / "jan_smit_2024.mp4", seconds=1.0, size="64x48")
    result = CliRunner().invoke(app, ["clip", str(video), "--range", "0-1", "--title", "Jan Smit walks again",
                                      "--no-blur", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "part of the recording's file name" in result.output, result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    parts = file_name_roster("jan_smit_2024")
    assert names_in_text("Well done, Smit", parts) and not names_in_text("Gait training", parts)
    assert file_name_roster("p12_visit3_gait_session") is None
    assert names_in_text("Grace lifts her knee", file_name_roster("grace_miller"))


@pytest.mark.parametrize("refuse", [
    lambda roster: refuse_named_file("anna_visser_gait.mp4", roster, "the recording's file name"),
    lambda roster: check_subjects(["Anna-Visser"], roster),
    lambda roster: check_subjects(["Anna Visser"], roster),
    lambda roster: check_subject("P 42"),
])
def test_the_advice_of_an_error_survives_the_error_line_scrubber(refuse):
    """Error lines pass through hide_identifying when a roster is given: an example subject id
    after the word "id" reads as a record number there, and the advice came out as
    "a subject id like [redacted] and run again"."""
    roster = parse_roster("Anna Visser\n")
    with pytest.raises(BadInputError) as caught:
        refuse(roster)
    message = str(caught.value)
    assert "P-0042" in message or "P017" in message
    assert hide_identifying(message, roster) == message


@pytest.mark.parametrize("text, shown", [
    ("(Anna Visser) came in", "([name] [name]) came in"),
    ("see record id P-0042) again", "see record id [redacted]) again"),
    ("call 06-1234 5678, please", "call [redacted], please"),
])
def test_a_hidden_word_keeps_the_punctuation_around_it(text, shown):
    assert hide_identifying(text, parse_roster("Anna Visser\n")) == shown
