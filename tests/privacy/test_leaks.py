"""No ground-truth face stays recognisable in any frame of the anonymised output.

Each scenario stresses one way face blurring fails in practice (motion, scale, rotation,
small faces, leaving the frame, occlusion, dim light, crossing faces, head turns); the leak
measure (tests/support/leak.py) is calibrated so a half-covered or lightly blurred face is a leak.
"""

from __future__ import annotations

import pytest

from tests.support.faces import SCENARIOS, read_frames, render, write_clip
from tests.support.leak import leaks
from vidkit.media import probe
from vidkit.faces.anonymise import anonymise
from vidkit.faces.options import BlurOptions


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_face_leaks(name, tmp_path):
    clip = render(SCENARIOS[name])
    source = write_clip(clip, tmp_path / f"{name}.mp4")
    out = tmp_path / f"{name}.blurred.mp4"
    result = anonymise(probe(source), out, BlurOptions())
    found = leaks(clip.frames, read_frames(out), clip.truth)
    assert not found, f"{len(found)} leaks, first: {found[:3]}"
    assert result.verified
    assert probe(out).video.frame_count == len(clip)


@pytest.mark.parametrize("name", ["moving", "small"])
def test_pixelate_mode_is_also_safe(name, tmp_path):
    """6 cells across the masked area (about 4 across the face): coarser than the 8 cells the
    leak measure is calibrated as safe for."""
    clip = render(SCENARIOS[name], seconds=2.0)
    source = write_clip(clip, tmp_path / f"{name}.mp4")
    out = tmp_path / f"{name}.pixelated.mp4"
    anonymise(probe(source), out, BlurOptions(mode="pixelate"))
    assert not leaks(clip.frames, read_frames(out), clip.truth)


def test_without_masks_the_measure_sees_every_face(tmp_path):
    """Guards the guard: with verification off and no detector hits masked, faces must leak."""
    clip = render(SCENARIOS["moving"], seconds=1.0)
    source = write_clip(clip, tmp_path / "moving.mp4")
    assert leaks(clip.frames, read_frames(source), clip.truth)


@pytest.mark.parametrize("name", ["leaving", "occluded", "turning", "two_faces"])
def test_no_face_leaks_on_held_out_renders(name, tmp_path):
    """Renders vidkit was not tuned on: another frame size, frame rate and background."""
    clip = render(SCENARIOS[name], size=(960, 540), fps=30, seed=11)
    source = write_clip(clip, tmp_path / f"{name}.mp4")
    out = tmp_path / f"{name}.blurred.mp4"
    anonymise(probe(source), out, BlurOptions())
    found = leaks(clip.frames, read_frames(out), clip.truth)
    assert not found, f"{len(found)} leaks, first: {found[:3]}"
