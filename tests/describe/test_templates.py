"""Description templates: the built-ins on the sample's real transcript, and the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.describe.helpers import place_sample_transcript
from vidkit.config import load_settings
from vidkit.describe import describe_clip
from vidkit.describe.templates import available, boilerplate, render
from vidkit.errors import BadInputError

CLINIC = {"name": "Gait Lab Oost", "contact": "media@gaitlab.example", "disclaimer":
          "For education only: this video is not medical advice.",
          "consent_statement": "Everyone shown gave written consent."}
CONTEXT = {"title": "Gait", "summary": ["One.", "Two."], "key_terms": ["gait"], "tags": ["gait"],
           "hashtags": ["#Gait"], "chapters": [], "clinic": CLINIC, "boilerplate": boilerplate(CLINIC),
           "duration": 40.0, "short": False, "language": "en"}


@pytest.fixture
def sample_clip(place_video, tiny_video) -> Path:
    video = place_video("session.clip01.mp4", tiny_video)
    place_sample_transcript(video, video.with_name("session.clip01.transcript.json"))
    (video.parent / "roster.txt").write_text("Maria Jansen\n", encoding="utf-8")
    return video


def test_the_builtin_templates_are_there():
    assert available() == ["default", "education", "short"]


@pytest.mark.parametrize("template", ["default", "short", "education"])
def test_each_template_renders_the_sample_and_ends_with_the_clinic_boilerplate(sample_clip, template):
    settings = load_settings({"clinic": CLINIC, "privacy": {"roster": str(sample_clip.parent / "roster.txt")}})
    result = describe_clip(sample_clip, settings, template=template)
    snippet = result.upload["snippet"]
    description = snippet["description"]
    assert description.endswith("Gait Lab Oost\nFor education only: this video is not medical advice.\n"
                                "Contact: media@gaitlab.example\nEveryone shown gave written consent.")
    assert "Today we will work on your gait and your step length." in description
    assert "maria" not in description.lower() and "johnson" not in description.lower()
    assert "session" not in (snippet["title"] + description).lower()  # never the file name
    assert result.upload["template"] == template
    if template == "short":
        assert "#Shorts" in description
    if template == "education":
        assert "\n• " in description and snippet["title"].endswith(" | Gait Lab Oost")


def write(tmp_path: Path, text: str, name: str = "mine.j2") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "{% block title %}{{ title }}{% endblock %}\n{% block description %}\n{{ summary | join(' ') }}\n\n{{ boilerplate }}\n{% endblock %}\n"


def test_a_users_template_renders_plain_text_without_escaping(tmp_path):
    rendered = render(write(tmp_path, GOOD), {**CONTEXT, "summary": ["Tom & Jerry's \"gait\"."]})
    assert rendered.title == "Gait" and rendered.template == "mine.j2"
    assert rendered.description.startswith("Tom & Jerry's \"gait\".\n\nGait Lab Oost\n")


@pytest.mark.parametrize("trick", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ clinic.__class__.__init__.__globals__ }}",
    "{{ summary.append.__self__ }}",
    "{{ summary.append('x') }}",  # the template cannot change what it is given
    "{{ '{0.__class__}'.format(title) }}",
    "{{ cycler.__init__.__globals__.os }}",
])
def test_the_sandbox_refuses_attribute_tricks(tmp_path, trick):
    path = write(tmp_path, "{% block title %}x{% endblock %}\n{% block description %}\n" + trick
                 + "\n{{ boilerplate }}{% endblock %}")
    with pytest.raises(BadInputError, match=r"template mine\.j2, line 3") as caught:
        render(path, CONTEXT)
    assert "not allowed in a template" in str(caught.value)


def test_attribute_access_is_a_security_error_with_its_line(tmp_path):
    path = write(tmp_path, "{% block title %}x{% endblock %}\n{% block description %}\n\n{{ ''.__class__ }}{% endblock %}")
    with pytest.raises(BadInputError, match=r"mine\.j2, line 4: not allowed in a template .*__class__.*unsafe"):
        render(path, CONTEXT)


def test_a_misspelt_variable_names_the_template_and_line(tmp_path):
    path = write(tmp_path, "{% block title %}{{ title }}{% endblock %}\n{% block description %}\nok\n{{ sumary }}\n{% endblock %}")
    with pytest.raises(BadInputError, match=r"template mine\.j2, line 4: 'sumary' is undefined; the variables are"):
        render(path, CONTEXT)


def test_a_syntax_error_names_the_template_and_line(tmp_path):
    path = write(tmp_path, "{% block title %}x{% endblock %}\n{% block description %}\n{% if %}\n{% endblock %}")
    with pytest.raises(BadInputError, match=r"template mine\.j2, line 3"):
        render(path, CONTEXT)


def test_a_template_needs_both_blocks(tmp_path):
    with pytest.raises(BadInputError, match="no {% block title %}"):
        render(write(tmp_path, "{% block description %}x{% endblock %}"), CONTEXT)


def test_a_template_without_the_boilerplate_is_refused(sample_clip, tmp_path):
    path = write(tmp_path, "{% block title %}{{ title }}{% endblock %}{% block description %}{{ summary | join(' ') }}{% endblock %}")
    with pytest.raises(BadInputError, match=r"must end with the clinic's disclaimer.*\{\{ boilerplate \}\}"):
        describe_clip(sample_clip, load_settings(), template=str(path))


def test_an_unknown_template_name_lists_the_builtins(sample_clip):
    with pytest.raises(BadInputError, match="default, education, short"):
        describe_clip(sample_clip, load_settings(), template="fancy")


def test_an_empty_disclaimer_is_refused(sample_clip):
    with pytest.raises(BadInputError, match="not medical advice"):
        describe_clip(sample_clip, load_settings({"clinic": {"disclaimer": " "}}))


def test_a_description_too_long_to_keep_the_disclaimer_is_refused(sample_clip, tmp_path):
    path = write(tmp_path, "{% block title %}{{ title }}{% endblock %}{% block description %}"
                 "{% for i in range(1200) %}{{ key_terms[0] }} {% endfor %}\n{{ boilerplate }}{% endblock %}")
    with pytest.raises(BadInputError, match="must end with the clinic's disclaimer"):
        describe_clip(sample_clip, load_settings(), template=str(path))
