"""Detectors and speech engines come from the job's context, not from patched modules: a
Context built with its own tables runs every step on them (here a primary detector that misses
the face, a verifier that finds it, and an engine that "hears" fixed words), and the real
registries are never touched."""

from __future__ import annotations

import json

import numpy as np

from tests.conftest import make_video
from tests.privacy.test_verification import FACE, Blind, SeesFaceWhereUnmasked
from vidkit.config import load_settings
from vidkit.console import Reporter
from vidkit.faces import detect
from vidkit.faces.detect import Detectors
from vidkit.pipeline.job import Context, run_job
from vidkit.pipeline.render_step import RenderStep
from vidkit.transcribe import engines as engines_module
from vidkit.transcribe.engines import EngineResult, Engines
from vidkit.transcribe.models import ResolvedModel
from vidkit.transcript import Segment, Word


class FixedWords:
    """An engine that hears "keep walking please" in the first second, whatever it is given."""

    made: list[str] = []

    def __init__(self, model: str, device: str, compute_type: str, threads: int):
        self.model = ResolvedModel("fixed", "fixed", "test", "")
        FixedWords.made.append(model)

    def transcribe(self, audio, options, on_progress=None) -> EngineResult:
        assert isinstance(audio, np.ndarray)
        words = (Word(0.1, 0.4, "keep", 0.99), Word(0.4, 0.7, "walking", 0.99), Word(0.7, 0.9, "please", 0.99))
        segment = Segment(0, 0.1, 0.9, "keep walking please", words, -0.1, 1.0, 0.01)
        return EngineResult("en", [segment], "fixed", "1", "cpu", "int8", {})


def test_a_context_runs_its_steps_on_the_detectors_and_engine_it_was_given(tmp_path):
    registries = (dict(detect.DETECTORS), dict(engines_module.ENGINES))
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="320x240")
    (tmp_path / "vidkit.toml").write_text("[blur]\ndetector = 'blind'\nverifier = 'texture'\nverify_every = 1\n")
    settings = load_settings(cwd=tmp_path, config=tmp_path / "vidkit.toml")
    FixedWords.made = []
    ctx = Context(settings, Reporter(quiet=True), out=tmp_path / "out",
                  detectors=Detectors({"blind": Blind, "texture": SeesFaceWhereUnmasked}),
                  engines=Engines({"faster-whisper": FixedWords}))
    result = run_job("render", ctx, [RenderStep(video)])

    assert FixedWords.made  # the words came from the given engine ...
    transcript = json.loads((tmp_path / "out" / "v.transcript.json").read_text())
    assert transcript["provenance"]["engine"] == "fixed"
    assert " ".join(w["text"] for s in transcript["segments"] for w in s["words"]) == "keep walking please"
    # ... and the faces from the given detectors: the blind primary found nothing, the verifier
    # found the face in the render, and the second render masked it.
    record = json.loads(result.outputs["publish.record"].read_text())
    assert record["privacy"]["verified"] is True and record["privacy"]["verification_rounds"] == 2
    assert result.results[0].summary.to_json()["captions"] >= 1
    assert (dict(detect.DETECTORS), dict(engines_module.ENGINES)) == registries  # nothing patched
    assert FACE.w > 0


def test_an_unknown_name_in_a_given_table_is_bad_input(tmp_path):
    import pytest

    from vidkit.errors import BadInputError

    with pytest.raises(BadInputError, match="unknown face detector 'yunet'; use blind"):
        Detectors({"blind": Blind}).make("yunet")
    with pytest.raises(BadInputError, match="unknown engine 'faster-whisper'; use fixed"):
        Engines({"fixed": FixedWords}).make("faster-whisper", "tiny.en")
