"""Masking changes only the masked pixels.

Every pixel outside the painted rectangles must be the source's, up to encoder loss: the
masked output is compared, frame by frame, with a plain encode of the same source at the same
settings by the same renderer, outside the rectangles the renderer reports it painted. A mask
painted onto a decoder's reference picture smears along the motion vectors into the frames
decoded after it (grey streaks and colour blocks trailing a moving face): that drops the PSNR
outside the masks from ~50 dB to the 20s.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ffmpeg
from tests.support.faces import SCENARIOS, render, write_clip
from tests.support.fidelity import psnr_outside
from vidkit.config import load_settings
from vidkit.console import Reporter
from vidkit.media import probe
from vidkit.media.frames import transcode
from vidkit.pipeline.blur_job import blur_options
from vidkit.pipeline.clip_render import ClipPlan, make_clip, schedule_for
from vidkit.clips.render import RenderSpec, render_clip
from vidkit.faces.anonymise import anonymise
from vidkit.faces.options import BlurOptions

pytestmark = pytest.mark.slow

MEDIAN_DB = 38.0
WORST_DB = 32.0
SECONDS = 2.4



def _source(name: str, folder: Path) -> Path:
    """The scenario's clip; "rotated" is `moving` as a phone stores it (sensor pixels + a
    90 degree display rotation), so the renderer turns every frame upright."""
    scenario = SCENARIOS["moving" if name == "rotated" else name]
    clip = render(scenario, seconds=SECONDS)
    source = write_clip(clip, folder / f"{name}.mp4")
    if name != "rotated":
        return source
    phone = folder / "rotated-phone.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(source), "-c", "copy", str(phone))
    return phone


def _check(scores: list[float], what: str) -> None:
    assert scores, what
    median, worst = float(np.median(scores)), min(scores)
    assert median >= MEDIAN_DB and worst >= WORST_DB, (
        f"{what}: outside the masks median {median:.1f} dB, worst {worst:.1f} dB "
        f"(frame {scores.index(worst)}); want >= {MEDIAN_DB} and >= {WORST_DB}")


SCENES = ["moving", "fast", "two_faces", "rotated"]


@pytest.mark.parametrize("name", SCENES)
def test_blur_changes_only_the_masked_pixels(name, tmp_path):
    source = _source(name, tmp_path)
    info = probe(source)
    options = BlurOptions(verify=False)
    out = tmp_path / "masked.mp4"
    result = anonymise(info, out, options)
    assert result.painted, "the detector found no face: the scenario tests nothing"
    plain = transcode(info, tmp_path / "plain.mp4", lambda index, planes: None,
                      crf=options.crf, preset=options.preset)
    _check(psnr_outside(out, plain, lambda i: result.painted.get(i, [])), f"blur {name}")


@pytest.mark.parametrize("name,aspect", [(n, a) for n in SCENES for a in ((16, 9), (9, 16))])
def test_clip_changes_only_the_masked_pixels(name, aspect, tmp_path):
    source = _source(name, tmp_path)
    info = probe(source)
    settings = load_settings(cwd=tmp_path)
    options = blur_options(settings, (), ())
    options = BlurOptions(**{**options.__dict__, "verify": False})
    schedule = schedule_for(info, [(0.2, SECONDS - 0.2)])
    out = tmp_path / "clip.mp4"
    made = make_clip(info, schedule, None, out, ClipPlan(aspect=aspect), options, settings,
                     Reporter(quiet=True), "clip")
    assert made.masks is not None and made.masks.painted, "no face masked: the scenario tests nothing"
    plain = tmp_path / "plain.mp4"
    crops = made.crops
    render_clip(info, schedule, RenderSpec(size=made.size, crop=lambda k: crops[k], crf=options.crf,
                                           preset=options.preset), plain)
    # The scaler blends ~2 source pixels across each edge of a rectangle: grow it by as much.
    crop = crops[0]
    reach = math.ceil(2 * made.size[1] / crop.h) + 1 if crop is not None else 0
    scores = psnr_outside(out, plain, made.painted_in_output, margin=reach)
    _check(scores, f"clip {name} {aspect[0]}:{aspect[1]}")


def test_the_measure_sees_a_smear(tmp_path):
    """Guards the guard: grey painted outside the reported rectangles is caught."""
    source = _source("moving", tmp_path)
    info = probe(source)
    plain = transcode(info, tmp_path / "plain.mp4", lambda index, planes: None)
    smeared = transcode(info, tmp_path / "smeared.mp4",
                        lambda index, planes: planes[0].__setitem__((slice(300, 340), slice(0, 600)), 80))
    assert min(psnr_outside(smeared, plain, lambda i: [])) < WORST_DB
    assert min(psnr_outside(smeared, plain, lambda i: [(0, 300, 600, 340)])) > MEDIAN_DB
