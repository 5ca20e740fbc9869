"""Branding: templates load and refuse bad keys, cards keep their text in the safe area, and
the filter graph runs: intro + clip + outro of the right length, the logo on the clip only,
the clip's own pixels untouched, and no branding at all as a pass-through."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from vidkit.clips.branding import (Branding, Card, branding_graph, card_text, load_branding,
                                   render_card)
from vidkit.errors import BadInputError
from vidkit.media.ffmpeg import find_ffmpeg, run_ffmpeg
from vidkit.resources import assets_dir

VALUES = {"clinic": "CAREN Lab", "title": "Gait training, week 3", "contact": "media@clinic.example"}
W, H, FPS, SECONDS = 320, 568, 25, 3.0
MAIN_IN = ["[0:v]format=yuv420p[vmain]", "[1:a]aresample=48000,aformat=channel_layouts=stereo[amain]"]


def write(folder: Path, text: str) -> Path:
    path = folder / "brand.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---- loading ---------------------------------------------------------------------------------

def test_default_matches_the_documented_defaults():
    branding = load_branding("default")
    assert branding == Branding(name="default", description=branding.description)
    assert (branding.intro.seconds, branding.outro.seconds, branding.logo.corner) == (2.0, 3.0, "top-right")
    assert branding.total_seconds == 5.0
    assert not load_branding("none").enabled and load_branding("none").total_seconds == 0.0


def test_custom_toml_left_out_sections_are_off(tmp_path):
    shutil.copy(assets_dir() / "branding" / "logo.png", tmp_path / "ours.png")
    path = write(tmp_path, '[outro]\nseconds = 1.5\nsubtitle = "{contact}"\n\n'
                           '[logo]\nfile = "ours.png"\ncorner = "bottom-left"\nwidth = 0.2\n')
    branding = load_branding(str(path))
    assert branding.name == "brand" and not branding.intro.enabled
    assert branding.outro == replace(Card(), seconds=1.5, subtitle="{contact}")
    assert branding.logo.enabled and branding.logo.corner == "bottom-left" and branding.logo.width == 0.2
    assert branding.logo.file == str(tmp_path / "ours.png")  # found next to the .toml


@pytest.mark.parametrize("text, message", [
    ('colour = "red"\n', "unknown key 'colour'"),
    ('[intro]\nduration = 2\n', "unknown setting 'duration'"),
    ('[intro]\nseconds = "2"\n', "seconds must be float"),
    ('[logo]\nenabled = 1\n', "enabled must be bool"),
    ('[intro]\nseconds = 45\n', "seconds must be between 0.5 and 30"),
    ('[intro]\nseconds = 1.0\nfade = 0.8\n', "fade (at most half of seconds)"),
    ('[logo]\nopacity = 1.5\n', "opacity must be between 0 and 1"),
    ('[logo]\ncorner = "middle"\n', "corner must be one of"),
    ('[outro]\nbackground = "navy"\n', "background must be a colour"),
    ('[intro]\ntitle = "{filename}"\n', "uses {filename}; a card may only use"),
    ('[intro]\nsubtitle = "{clinic"\n', "not a valid template"),
    ('[intro]\nfont = "Comic.ttf"\n', "font: 'Comic.ttf' not found"),
    ('[logo]\nfile = "missing.png"\n', "file: 'missing.png' not found"),
    ('[intro\n', "cannot be read"),
])
def test_bad_branding_is_refused(tmp_path, text, message):
    with pytest.raises(BadInputError, match="brand.toml") as caught:
        load_branding(str(write(tmp_path, text)))
    assert message in str(caught.value)


def test_unknown_name_lists_the_built_in_ones():
    with pytest.raises(BadInputError, match="built-in: default, none"):
        load_branding("fancy")


def test_card_text_uses_only_card_fields():
    card = replace(Card(), title="{clinic}", subtitle="{title}\n\n{contact}")
    values = {"clinic": "CAREN Lab", "source": "/data/Jan_de_Vries_session.mp4"}
    assert card_text(card, values) == ["CAREN Lab"]  # missing names are empty, blank lines dropped
    # Even a template that got past load_branding never reads a name outside CARD_FIELDS.
    assert card_text(replace(card, title="{source}", subtitle="{source}"), values) == [""]


# ---- cards -----------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
@pytest.mark.parametrize("clinic", ["CAREN Lab", "Sint Maartenskliniek Centrum voor Revalidatie en Bewegingsonderzoek"])
def test_card_text_stays_in_the_safe_area(size, clinic):
    width, height = size
    card = Card()
    image = np.asarray(render_card(card_text(card, {**VALUES, "clinic": clinic}), width, height, card))
    background = np.array([0x0B, 0x3C, 0x5D])
    ys, xs = np.nonzero(np.abs(image.astype(int) - background).sum(axis=2) > 30)
    assert len(xs) > 1000  # text was drawn
    assert 0.1 * width <= xs.min() and xs.max() < 0.9 * width
    assert 0.1 * height <= ys.min() and ys.max() < 0.9 * height
    # Centred: the text block's middle is near the frame's.
    assert abs((xs.min() + xs.max()) / 2 - width / 2) < 0.02 * width
    assert abs((ys.min() + ys.max()) / 2 - height / 2) < 0.05 * height


# ---- the filter graph, run by ffmpeg ---------------------------------------------------------

def encode(branding: Branding, folder: Path, name: str):
    """A 3 s 320x568 test pattern through MAIN_IN + the branding graph, losslessly encoded."""
    folder.mkdir(exist_ok=True)
    graph = branding_graph(branding, width=W, height=H, rate=f"{FPS}/1", first_input_index=2,
                           workdir=folder, values=VALUES)
    out = folder / f"{name}.mp4"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", f"testsrc=size={W}x{H}:rate={FPS}:duration={SECONDS}",
                "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={SECONDS}",
                *graph.inputs, "-filter_complex", ";".join([*MAIN_IN, *graph.filters]),
                "-map", "[vout]", "-map", "[aout]", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
                "-c:a", "aac", str(out)])
    return graph, out


def decoded(path: Path) -> tuple[list[np.ndarray], float, float]:
    """RGB frames, video seconds and audio seconds."""
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        frames = [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video)]
        return frames, float(video.duration * video.time_base), float(audio.duration * audio.time_base)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("branding")
    branded = encode(load_branding("default"), folder / "default", "branded")
    plain = encode(load_branding("none"), folder / "none", "plain")
    return branded, plain


def test_cards_add_their_exact_length(clips):
    (graph, path), _ = clips
    assert graph.intro_seconds == 2.0 and graph.outro_seconds == 3.0 and graph.extra_seconds == 5.0
    frames, video_s, audio_s = decoded(path)
    assert len(frames) == (SECONDS + graph.extra_seconds) * FPS
    assert abs(video_s - 8.0) <= 1 / FPS and abs(audio_s - 8.0) <= 1 / FPS


def logo_box() -> tuple[slice, slice]:
    """Rows and columns of the default logo (top-right) in a W x H frame, with a pixel to spare."""
    width = 2 * round(0.12 * W / 2)
    height = 2 * round(width * 440 / 360 / 2)  # the logo's aspect
    margin = round(0.03 * W)
    return slice(margin - 1, margin + height + 1), slice(W - margin - width - 1, W - margin + 1)


def test_logo_on_the_clip_only(clips):
    (graph, path), (_, plain_path) = clips
    branded, plain = decoded(path)[0], decoded(plain_path)[0]
    intro = round(graph.intro_seconds * FPS)
    rows, cols = logo_box()
    for k in (0, 40, 74):  # first, middle and last frame of the clip
        diff = np.abs(branded[intro + k] - plain[k])
        assert diff[rows, cols].mean() > 20  # the logo is there
        diff[rows, cols] = 0
        assert diff.max() <= 2  # and nothing else changed
    for card in (branded[intro // 2], branded[intro + 75 + 37]):  # mid intro, mid outro
        corner, far_corner = card[rows, cols], card[rows, 10:10 + cols.stop - cols.start]
        assert np.abs(corner - far_corner).max() <= 2  # plain card background, no logo


def test_no_branding_is_a_pass_through(clips):
    _, (graph, path) = clips
    assert graph.inputs == [] and graph.extra_seconds == 0.0
    assert graph.filters == ["[vmain]null[vout]", "[amain]anull[aout]"]
    frames, video_s, _ = decoded(path)
    assert len(frames) == SECONDS * FPS and abs(video_s - SECONDS) <= 1 / FPS


def test_raw_frames_at_ntsc_rate_keep_their_pixels(tmp_path):
    """The renderer's real input: yuv420p frames on stdin. Cards must not make ffmpeg convert
    the clip's colours (it did when the cards named a colour matrix), and 29.97 fps cards are
    whole frames."""
    width, height, rate, count = 160, 96, "30000/1001", 10
    graph = branding_graph(load_branding("default"), width=width, height=height, rate=rate,
                           first_input_index=2, workdir=tmp_path, values=VALUES)
    planes = [np.full((height, width), 60), np.full((height // 2, width // 2), 90), np.full((height // 2, width // 2), 170)]
    raw = b"".join(p.astype(np.uint8).tobytes() for p in planes) * count
    out = tmp_path / "raw.mp4"
    cmd = [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p",
           "-s", f"{width}x{height}", "-framerate", rate, "-i", "pipe:0",
           "-f", "lavfi", "-i", "sine=duration=0.4", *graph.inputs,
           "-filter_complex", ";".join(["[0:v]null[vmain]", MAIN_IN[1], *graph.filters]),
           "-map", "[vout]", "-map", "[aout]", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
           "-c:a", "aac", str(out)]
    subprocess.run(cmd, input=raw, check=True)
    with av.open(str(out)) as container:
        frames = [f.to_ndarray() for f in container.decode(video=0)]  # yuv420p planes stacked
    intro, outro = 60, 90  # round(2 s x 29.97), round(3 s x 29.97)
    assert graph.extra_seconds == pytest.approx(float(Fraction(intro + outro) / Fraction(rate)))
    assert len(frames) == intro + count + outro
    main = frames[intro + count // 2]
    assert main[height - 4, 4] == 60  # luma, away from the logo
    assert main[height + height // 4 - 1, 2] == 90 and main[height + height // 2 - 1, 2] == 170  # U, V
