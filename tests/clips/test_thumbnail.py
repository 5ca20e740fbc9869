"""Thumbnails: the sharp, well-exposed frame is picked; size, format, metadata and the title."""

from __future__ import annotations

import io
import weakref
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.conftest import ffmpeg
from vidkit.clips.thumbnail import (MAX_BYTES, encode_jpeg, fit_title, frame_quality, load_thumbnail_style,
                                    make_thumbnail, pick_frame, render_thumbnail, sample_times, title_text)
from vidkit.errors import BadInputError, ProcessingError
from vidkit.resources import fonts_dir

SECTION = 1.5  # seconds per section of a test video
SOURCES = {
    "black": "color=c=black:size={size}:rate=25:duration={d}",
    "white": "color=c=white:size={size}:rate=25:duration={d}",
    "sharp": "testsrc2=size={size}:rate=25:duration={d}",
    "blurred": "testsrc2=size={size}:rate=25:duration={d},gblur=sigma=6",
    "dark": "testsrc2=size={size}:rate=25:duration={d},lutyuv=y=val*0.15",
}


def sections_video(path: Path, kinds: list[str], *, size: str = "640x360", extra: str = "") -> Path:
    """H.264 video made of SECTION-second pieces of the given kinds, back to back."""
    inputs = []
    for kind in kinds:
        inputs += ["-f", "lavfi", "-i", SOURCES[kind].format(size=size, d=SECTION)]
    labels = "".join(f"[{i}:v]" for i in range(len(kinds)))
    graph = f"{labels}concat=n={len(kinds)}:v=1:a=0{extra},format=yuv420p[v]"
    ffmpeg(*inputs, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast",
           str(path))
    return path


@pytest.fixture(scope="module")
def mixed_video(tmp_path_factory) -> Path:
    return sections_video(tmp_path_factory.mktemp("thumbs") / "mixed.mp4", ["black", "blurred", "sharp"])


def jpeg_markers(data: bytes) -> list[int]:
    """The JPEG segment markers before the image data (APP0 = 0xE0, APP1/EXIF = 0xE1, COM = 0xFE)."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(data):
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: image data follows
            break
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return markers


# --- scoring -------------------------------------------------------------------------------

def test_frame_quality_prefers_sharp_well_exposed_frames():
    rng = np.random.default_rng(1)
    pattern = np.kron(rng.integers(30, 225, (45, 80, 3)), np.ones((8, 8, 1))).astype(np.uint8)
    blurred = np.asarray(Image.fromarray(pattern).resize((80, 45)).resize((640, 360), Image.Resampling.BICUBIC))
    black, white = np.zeros_like(pattern), np.full_like(pattern, 255)
    scores = {name: frame_quality(rgb) for name, rgb in
              (("sharp", pattern), ("blurred", blurred), ("black", black), ("white", white))}
    assert scores["sharp"]["score"] > 2 * scores["blurred"]["score"]
    assert scores["black"]["score"] == 0.0 and scores["black"]["dark"] == 1.0
    assert scores["white"]["score"] == 0.0 and scores["white"]["bright"] == 1.0
    assert 0.0 <= scores["sharp"]["score"] <= 1.0
    # Sharpness is measured at one size, so a frame and its 2x copy score alike.
    doubled = frame_quality(np.kron(pattern, np.ones((2, 2, 1), np.uint8)))
    assert doubled["sharpness"] == pytest.approx(scores["sharp"]["sharpness"], rel=0.1)


def test_sample_times_stay_in_the_middle():
    times = sample_times(10.0, 24, 0.1)
    assert len(times) == 24 and times == sorted(times)
    assert 1.0 < times[0] and times[-1] < 9.0
    assert sample_times(0.0, 24, 0.1) == [0.0]


# --- picking -------------------------------------------------------------------------------

@pytest.mark.parametrize("kinds", [
    ["black", "blurred", "sharp"],
    ["sharp", "black", "blurred"],
    ["blurred", "sharp", "dark"],
    ["white", "dark", "sharp", "black"],
])
def test_pick_frame_finds_the_sharp_well_exposed_section(tmp_path, kinds):
    video = sections_video(tmp_path / "v.mp4", kinds)
    time, rgb = pick_frame(video)
    at = kinds.index("sharp") * SECTION
    assert at <= time < at + SECTION
    assert rgb.shape == (360, 640, 3) and rgb.dtype == np.uint8


def test_pick_frame_keeps_only_the_best_frame_in_memory(tmp_path, monkeypatch):
    # PyAV's frame memory is invisible to tracemalloc, so count the sampled frames still alive.
    from vidkit.clips import thumbnail

    video = sections_video(tmp_path / "v.mp4", ["sharp", "blurred", "sharp"])
    seen: list[weakref.ref] = []
    most_alive = 0

    def counting_quality(rgb):
        nonlocal most_alive
        seen.append(weakref.ref(rgb))
        most_alive = max(most_alive, sum(ref() is not None for ref in seen))
        return frame_quality(rgb)

    monkeypatch.setattr(thumbnail, "frame_quality", counting_quality)
    pick_frame(video, samples=24)
    assert len(seen) == 24
    assert most_alive <= 2  # the best so far and the one being scored


def test_pick_frame_turns_rotated_video_upright(tmp_path):
    # A phone stores landscape sensor pixels with a display rotation; players turn them.
    sensor = sections_video(tmp_path / "sensor.mp4", ["blurred", "sharp"])
    phone = tmp_path / "phone.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(sensor), "-c", "copy", str(phone))
    time, rgb = pick_frame(phone)
    assert rgb.shape == (640, 360, 3)
    shown = tmp_path / "shown.png"  # ffmpeg applies the rotation as a player does
    ffmpeg("-i", str(phone), "-vf", f"select='gte(t,{time - 0.001})'", "-frames:v", "1", str(shown))
    expected = np.asarray(Image.open(shown).convert("RGB"), np.int16)
    assert np.abs(expected - rgb).mean() < 4


def test_pick_frame_refuses_files_without_video(tmp_path):
    audio = tmp_path / "a.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(audio))
    with pytest.raises(BadInputError, match="no video"):
        pick_frame(audio)
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    with pytest.raises(BadInputError):
        pick_frame(text)


# --- output --------------------------------------------------------------------------------

def test_thumbnail_is_a_clean_landscape_jpeg_under_2_mb(tmp_path, mixed_video):
    out = make_thumbnail(mixed_video, tmp_path / "thumb.jpg")
    data = out.read_bytes()
    assert len(data) < MAX_BYTES
    with Image.open(out) as image:
        assert image.format == "JPEG" and image.size == (1280, 720) and image.mode == "RGB"
        assert not image.getexif() and "icc_profile" not in image.info and "comment" not in image.info
    markers = jpeg_markers(data)
    assert 0xE1 not in markers and 0xFE not in markers and b"Exif" not in data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thumb.jpg"]  # no temporary left


def test_vertical_video_gives_a_vertical_thumbnail(tmp_path):
    video = sections_video(tmp_path / "v.mp4", ["blurred", "sharp"], size="360x640")
    out = make_thumbnail(video, tmp_path / "thumb.jpeg", title="Sit to stand")
    with Image.open(out) as image:
        assert image.size == (1080, 1920)


def test_cover_crop_keeps_the_aspect():
    # A 4:3 frame with a centred square: the 16:9 crop cuts top and bottom, not the square's shape.
    rgb = np.full((480, 640, 3), 128, np.uint8)
    rgb[190:290, 270:370] = 255
    image = np.asarray(render_thumbnail(rgb))
    rows, cols = np.nonzero(image[:, :, 0] > 200)
    assert image.shape == (720, 1280, 3)
    assert (rows.max() - rows.min()) == pytest.approx(cols.max() - cols.min(), abs=3)


def test_title_is_drawn_in_the_band_and_fits(tmp_path, mixed_video):
    plain = np.asarray(Image.open(make_thumbnail(mixed_video, tmp_path / "plain.jpg")), np.int16)
    titled = np.asarray(Image.open(make_thumbnail(
        mixed_video, tmp_path / "titled.jpg",
        title="Week 3: standing balance with the harness, second attempt after the break")), np.int16)
    difference = np.abs(titled - plain).max(axis=2)
    assert difference[:360].mean() < 1  # the top half is untouched
    assert difference[600:].mean() > 20  # the bottom band is drawn
    text = np.all(titled > 235, axis=2)  # white text; the band darkens everything else
    text[:360] = False
    rows, cols = np.nonzero(text)
    assert len(cols) > 1000
    assert cols.min() >= 0.05 * 1280 - 2 and cols.max() <= 0.95 * 1280 + 2
    assert rows.max() < 720


def test_title_on_top(tmp_path, mixed_video):
    style = replace(load_thumbnail_style(), position="top")
    titled = np.asarray(Image.open(make_thumbnail(mixed_video, tmp_path / "t.jpg", title="Gait", style=style)))
    text = np.all(titled > 235, axis=2)
    rows, _ = np.nonzero(text)
    assert rows.max() < 200


def test_fit_title_shrinks_wraps_and_shortens():
    font = fonts_dir() / "DejaVuSans-Bold.ttf"
    short_font, short = fit_title("Gait", font, width=1152, max_px=86)
    assert short == ["Gait"] and short_font.size == 86
    long_title = "Week 3: standing balance with the harness, second attempt after the break " * 2
    font_px, lines = fit_title(long_title, font, width=1152, max_px=86, outline=0.06)
    assert len(lines) == 2 and font_px.size < 86
    assert all(font_px.getlength(line) <= 1152 for line in lines)
    tiny, cut = fit_title("Antidisestablishmentarianism" * 8, font, width=300, max_px=86)
    assert tiny.size == 12 and len(cut) == 1 and cut[0].endswith("…")
    assert tiny.getlength(cut[0]) <= 300


def test_encode_jpeg_lowers_quality_to_fit():
    noise = Image.fromarray(np.random.default_rng(2).integers(0, 256, (720, 1280, 3), np.uint8))
    best = encode_jpeg(noise, max_bytes=10**9)
    smaller = encode_jpeg(noise, max_bytes=len(best) - 1)
    assert len(smaller) < len(best)
    Image.open(io.BytesIO(smaller)).verify()
    with pytest.raises(ProcessingError, match="over 100 bytes"):
        encode_jpeg(noise, max_bytes=100)


# --- privacy -------------------------------------------------------------------------------

def test_thumbnail_shows_only_what_the_clip_shows(tmp_path):
    # A "masked" clip: a grey box covers the same place in every frame. Whatever frame is
    # picked, the thumbnail shows the box, never what was under it.
    video = sections_video(tmp_path / "masked.mp4", ["blurred", "sharp"],
                           extra=",drawbox=x=200:y=80:w=160:h=160:color=0x808080:t=fill")
    thumb = np.asarray(Image.open(make_thumbnail(video, tmp_path / "t.jpg")), np.int16)
    box = thumb[80 * 2 + 8:240 * 2 - 8, 200 * 2 + 8:360 * 2 - 8]  # 640x360 → 1280x720 is 2x
    assert np.abs(box - 128).max() <= 12


# --- style and errors ----------------------------------------------------------------------

def test_default_style_and_template():
    style = load_thumbnail_style()
    assert style.position in ("top", "bottom") and style.max_lines == 2 and style.max_width == 0.9
    assert title_text(style.text, "  Sit   to stand ") == "Sit to stand"
    assert title_text("Week 3 · {title}", "Gait") == "Week 3 · Gait"
    with pytest.raises(BadInputError, match="only {title}"):
        title_text("{patient}", "Gait")


@pytest.mark.parametrize("edit, message", [
    (('position = "bottom"', 'position = "middle"'), "top or bottom"),
    (("band_opacity = 0.6", "band_opacity = 2"), "band_opacity"),
    (('text = "#FFFFFF"', 'text = "white"'), "bad colour"),
    (('file = "DejaVuSans-Bold.ttf"', 'file = "Missing.ttf"'), "not found"),
    (("[colors]", "[colours]"), "invalid"),
])
def test_bad_styles_are_refused(tmp_path, edit, message):
    from vidkit.resources import templates_dir

    text = (templates_dir() / "thumbnails" / "default.toml").read_text(encoding="utf-8")
    assert edit[0] in text
    path = tmp_path / "style.toml"
    path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    with pytest.raises(BadInputError, match=message):
        load_thumbnail_style(str(path))
    with pytest.raises(BadInputError, match="unknown thumbnail style"):
        load_thumbnail_style("nope")


def test_thumbnail_must_be_a_jpeg(tmp_path, mixed_video):
    with pytest.raises(BadInputError, match=r"\.jpg"):
        make_thumbnail(mixed_video, tmp_path / "thumb.png")


@pytest.mark.parametrize("samples", [24, 3])  # 0.3 s apart (decoded on), 2.7 s apart (sought)
def test_each_sample_is_the_first_frame_at_or_after_its_time(tmp_path, samples):
    """The frames sampled are those a seek to each time gives, whether the reader decodes on
    to a near sample or seeks to a far one (keyframes 4 s apart)."""
    from tests.conftest import make_video
    from vidkit.clips.thumbnail import _sampled_frames

    video = make_video(tmp_path / "v.mp4", seconds=10.0, fps=25, audio=False, extra=("-g", "100"))
    with av.open(str(video)) as container:
        every = [float(frame.time) for frame in container.decode(video=0)]
    taken = [time for time, _ in _sampled_frames(video, samples, 0.1)]
    wanted = [next(t for t in every if t >= at - 0.5 / 25) for at in sample_times(10.0, samples, 0.1)]
    assert taken == pytest.approx(wanted)
