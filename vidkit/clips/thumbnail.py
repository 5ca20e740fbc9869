"""A clip's thumbnail: its sharpest well-exposed frame, cover-cropped to YouTube's recommended
size (1280x720, or 1080x1920 for vertical video), with an optional title, as a JPEG under 2 MB.

Privacy: the frame is taken from the rendered clip, which is already face-masked, and never
from the source recording, so a thumbnail cannot show a face that the clip does not show.
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from vidkit.errors import BadInputError, ProcessingError
from vidkit.media.output import atomic_path
from vidkit.resources import fonts_dir, templates_dir

LANDSCAPE = (1280, 720)  # pixels, YouTube's recommended thumbnail sizes
VERTICAL = (1080, 1920)
MAX_BYTES = 2_000_000  # YouTube refuses thumbnails over 2 MB
JPEG_QUALITIES = (90, 85, 80, 75, 70, 60, 50, 40)  # tried in turn until the file fits

# Frames are scored at this longer side, so sharpness compares across video sizes.
_ANALYSIS_SIDE = 640
# Laplacian variance (at _ANALYSIS_SIDE) that counts as half-way sharp; sharp video is 500+.
_SHARP_HALF = 150.0
_MIN_FONT_PX = 12


def frame_quality(rgb: np.ndarray) -> dict[str, float]:
    """How usable an RGB frame (H x W x 3, uint8) is as a thumbnail.

    `sharpness`: variance of the Laplacian of the grey image scaled to a 640-pixel longer
    side; `dark` / `bright`: fractions of pixels with luma < 16 / > 240 (clipped); `exposure`:
    1 - distance of the mean luma from mid-grey (0..1); `contrast`: luma standard deviation
    (0..255); `score`: all of them combined (0..1, see `score`).
    """
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    factor = _ANALYSIS_SIDE / max(gray.shape)
    gray = cv2.resize(gray, None, fx=factor, fy=factor,
                      interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
    quality = {
        "sharpness": float(cv2.Laplacian(gray, cv2.CV_64F).var()),
        "dark": float(np.mean(gray < 16)),
        "bright": float(np.mean(gray > 240)),
        "exposure": float(1 - abs(float(gray.mean()) - 127.5) / 127.5),
        "contrast": float(gray.std()),
    }
    quality["score"] = score(quality)
    return quality


def score(quality: dict[str, float]) -> float:
    """0..1; a product, so a black, blown-out or blurred frame scores low whatever else it has."""
    sharp = quality["sharpness"] / (quality["sharpness"] + _SHARP_HALF)
    exposed = max(0.0, 1 - quality["dark"] - quality["bright"]) * quality["exposure"]
    contrast = min(quality["contrast"] / 64, 1.0)
    return sharp * exposed * (0.5 + 0.5 * contrast)


def sample_times(duration: float, samples: int, avoid_edges: float) -> list[float]:
    """`samples` evenly spaced times (seconds) inside [avoid_edges, 1 - avoid_edges] of the video."""
    if duration <= 0 or samples < 1:
        return [0.0]
    lo, hi = duration * avoid_edges, duration * (1 - avoid_edges)
    return [lo + (hi - lo) * (i + 0.5) / samples for i in range(samples)]


def pick_frame(video_path: Path, *, samples: int = 24, avoid_edges: float = 0.1) -> tuple[float, np.ndarray]:
    """The best-scoring of `samples` frames spread over the middle of the video (the first
    and last `avoid_edges` of it are skipped: fades, clapperboards, someone at the camera).

    Returns (time in seconds from the first frame, upright RGB image). Only the best frame so
    far is kept in memory.
    """
    best: tuple[float, float, np.ndarray] | None = None
    for time, rgb in _sampled_frames(Path(video_path), samples, avoid_edges):
        quality = frame_quality(rgb)["score"]
        if best is None or quality > best[0]:
            best = (quality, time, rgb)
    if best is None:
        raise ProcessingError(f"no video frame could be decoded from {Path(video_path).name}")
    return best[1], best[2]


def _sampled_frames(path: Path, samples: int, avoid_edges: float) -> Iterator[tuple[float, np.ndarray]]:
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError:
        raise BadInputError(f"cannot read {path.name}: it is not a video ffmpeg recognises") from None
    with container:
        if not container.streams.video:
            raise BadInputError(f"{path.name} has no video stream to take a thumbnail from")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        duration = (float(stream.duration * stream.time_base) if stream.duration
                    else (container.duration or 0) / av.time_base)
        half_frame = 0.5 / float(stream.average_rate or 25)
        reader = _Reader(container, stream)
        for target in sample_times(duration, samples, avoid_edges):
            frame = reader.frame_at(origin + target - half_frame)
            if frame is not None:
                yield float(frame.time) - origin, _upright_rgb(frame)


class _Reader:
    """Frames at increasing times. A sample close ahead is reached by decoding on; only a far
    one is sought (to the keyframe before it). Seeking for every sample decoded each stretch
    from its keyframe again: with a keyframe every 10 s and 24 samples over a 40 s clip, about
    three times the clip's frames."""

    SEEK_AHEAD = 2.0  # seconds: nearer samples are decoded to, farther ones sought

    def __init__(self, container, stream):
        self.container, self.stream = container, stream
        self.frames = None  # the decoder since the last seek
        self.current: av.VideoFrame | None = None  # the last frame it gave

    def frame_at(self, seconds: float) -> av.VideoFrame | None:
        """The first frame at or after `seconds` (the last one, at the end of the video)."""
        if self.current is not None and self.current.time >= seconds:
            return self.current
        if self.frames is None or self.current is None or seconds - self.current.time > self.SEEK_AHEAD:
            try:
                self.container.seek(max(0, int(seconds / self.stream.time_base)), stream=self.stream, backward=True)
            except av.error.FFmpegError:
                return self.current
            self.frames, self.current = self.container.decode(self.stream), None
        try:
            for frame in self.frames:
                if frame.time is None:
                    continue
                self.current = frame
                if frame.time >= seconds:
                    break
        except av.error.FFmpegError:
            self.frames = None  # a damaged stretch: use what decoded, seek for the next sample
        return self.current


def _upright_rgb(frame: av.VideoFrame) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    # PyAV's rotation is counter-clockwise degrees, as np.rot90 turns.
    turns = (int(frame.rotation or 0) // 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb


# --- title style ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ThumbnailStyle:
    """How a title is drawn; sizes are fractions of the thumbnail (see templates/thumbnails)."""

    name: str
    text: str  # template, e.g. "{title}"
    font: str  # a file in assets/fonts, or a path
    size: float  # largest font size, of the shorter thumbnail side
    max_lines: int
    max_width: float  # of the thumbnail width
    text_color: str  # #RRGGBB
    outline_color: str
    band_color: str
    position: str  # "top" or "bottom"
    band_opacity: float  # 0..1
    outline: float  # of the font size
    padding: float  # of the font size

    def font_path(self) -> Path:
        path = Path(self.font).expanduser()
        return path if path.is_absolute() else fonts_dir() / self.font


def load_thumbnail_style(spec: str = "default") -> ThumbnailStyle:
    """A style by built-in name (templates/thumbnails/<name>.toml) or by path to a .toml file."""
    path = Path(spec).expanduser()
    if not path.is_file():
        path = templates_dir() / "thumbnails" / f"{spec}.toml"
        if not path.is_file():
            built_in = ", ".join(sorted(p.stem for p in (templates_dir() / "thumbnails").glob("*.toml")))
            raise BadInputError(f"unknown thumbnail style {spec!r}; built-in: {built_in}, or give a path to a .toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        font, colors, layout = data["font"], data["colors"], data["layout"]
        style = ThumbnailStyle(
            name=str(data.get("name", path.stem)), text=str(data.get("text", "{title}")),
            font=str(font["file"]), size=float(font["size"]), max_lines=int(font.get("max_lines", 2)),
            max_width=float(font.get("max_width", 0.9)), text_color=colors["text"],
            outline_color=colors.get("outline", "#000000"), band_color=colors.get("band", "#000000"),
            position=str(layout.get("position", "bottom")), band_opacity=float(layout.get("band_opacity", 0.6)),
            outline=float(layout.get("outline", 0.06)), padding=float(layout.get("padding", 0.4)),
        )
        for value in (style.text_color, style.outline_color, style.band_color):
            _rgb(value)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"thumbnail style {path} is invalid: {exc}") from None
    problems = [text for bad, text in (
        (style.position not in ("top", "bottom"), "position must be top or bottom"),
        (not 0 <= style.band_opacity <= 1, "band_opacity must be between 0 and 1"),
        (not 0 < style.max_width <= 1, "max_width must be above 0 and at most 1"),
        (not 0 < style.size <= 1, "size must be above 0 and at most 1"),
        (style.max_lines < 1, "max_lines must be 1 or more"),
        (not style.font_path().is_file(), f"font {style.font} not found"),
    ) if bad]
    if problems:
        raise BadInputError(f"thumbnail style {path} is invalid: {'; '.join(problems)}")
    return style


def _rgb(value: str) -> tuple[int, int, int]:
    hexa = str(value).lstrip("#")
    if len(hexa) != 6 or any(c not in "0123456789abcdefABCDEF" for c in hexa):
        raise ValueError(f"bad colour {value!r}; use #RRGGBB")
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


def title_text(template: str, title: str) -> str:
    """The template with `{title}` filled in; other `{names}` are refused."""
    def fill(match: re.Match[str]) -> str:
        if match.group(1) != "title":
            raise BadInputError(f"thumbnail text template uses {{{match.group(1)}}}; only {{title}} is known")
        return title
    return " ".join(re.sub(r"\{(\w*)\}", fill, template).split())


# --- layout and drawing --------------------------------------------------------------------

def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    """1080x1920 for vertical video, 1280x720 otherwise (pixels)."""
    return VERTICAL if height > width else LANDSCAPE


def fit_title(text: str, font_path: Path, *, width: float, max_px: int, max_lines: int = 2,
              outline: float = 0.0) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (at most `max_px`, at least 12 pixels) at which `text` fits `width`
    pixels on up to `max_lines` balanced lines, and those lines. A title that does not fit
    even at the smallest size is cut short with an ellipsis."""
    words = text.split()
    px = max(_MIN_FONT_PX, int(max_px))
    while True:
        font = _font(str(font_path), px)
        measure = _measure(font, _stroke(px, outline))
        for count in range(1, max_lines + 1):
            widest, lines = _balanced(tuple(words), measure, count)
            if widest <= width:
                return font, list(lines)
        if px == _MIN_FONT_PX:
            return font, _shortened(words, measure, width, max_lines)
        px = max(_MIN_FONT_PX, int(px * 0.93))


def _stroke(px: int, outline: float) -> int:
    """Outline width in pixels: at least one, or thin text vanishes on a busy frame."""
    return max(1, round(outline * px))


@cache
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px)


def _measure(font: ImageFont.FreeTypeFont, stroke: int) -> Callable[[str], float]:
    return cache(lambda line: font.getlength(line) + 2 * stroke)


def _balanced(words: tuple[str, ...], measure: Callable[[str], float], lines: int) -> tuple[float, tuple[str, ...]]:
    """(widest line, lines) of the split of `words` into at most `lines` lines whose widest
    line is narrowest."""
    @cache
    def best(i: int, left: int) -> tuple[float, tuple[str, ...]]:
        rest = " ".join(words[i:])
        options = [(measure(rest), (rest,))]
        if left > 1:
            for j in range(i + 1, len(words)):
                head = " ".join(words[i:j])
                tail_width, tail = best(j, left - 1)
                options.append((max(measure(head), tail_width), (head, *tail)))
        return min(options, key=lambda option: (option[0], len(option[1])))
    return best(0, lines)


def _shortened(words: list[str], measure: Callable[[str], float], width: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and measure(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        elif len(lines) < max_lines:
            lines.append(word)
        else:
            lines[-1] += " …"
            break
    return [_cut(line, measure, width) for line in lines]


def _cut(line: str, measure: Callable[[str], float], width: float) -> str:
    """`line` shortened character by character, ending in an ellipsis, until it fits."""
    while len(line) > 1 and measure(line) > width:
        line = line[:-2].rstrip() + "…"
    return line


def draw_title(image: Image.Image, text: str, style: ThumbnailStyle) -> Image.Image:
    """`image` (RGB) with `text` on a band at the top or bottom, centred, auto-sized."""
    if not text.strip():
        return image
    width, height = image.size
    font, lines = fit_title(text, style.font_path(), width=style.max_width * width,
                            max_px=round(style.size * min(width, height)), max_lines=style.max_lines,
                            outline=style.outline)
    px = int(font.size)
    stroke = _stroke(px, style.outline)
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + stroke
    pad = round(style.padding * px)
    band_height = len(lines) * line_height + 2 * pad
    top = 0 if style.position == "top" else height - band_height
    if style.band_opacity > 0:
        band = Image.new("RGBA", image.size, (0, 0, 0, 0))
        ImageDraw.Draw(band).rectangle((0, top, width, top + band_height),
                                       fill=(*_rgb(style.band_color), round(255 * style.band_opacity)))
        image = Image.alpha_composite(image.convert("RGBA"), band).convert("RGB")
    draw = ImageDraw.Draw(image)
    y = top + pad + stroke / 2
    for line in lines:
        draw.text((width / 2, y), line, font=font, fill=_rgb(style.text_color), anchor="ma",
                  stroke_width=stroke, stroke_fill=_rgb(style.outline_color))
        y += line_height
    return image


def render_thumbnail(rgb: np.ndarray, *, title: str | None = None, style: ThumbnailStyle | None = None) -> Image.Image:
    """An RGB frame cover-cropped (centred, aspect kept) to its thumbnail size, with the title."""
    height, width = rgb.shape[:2]
    image = ImageOps.fit(Image.fromarray(rgb, "RGB"), thumbnail_size(width, height),
                         Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    if title and title.strip():
        style = style or load_thumbnail_style()
        image = draw_title(image, title_text(style.text, title), style)
    return image


def encode_jpeg(image: Image.Image, max_bytes: int = MAX_BYTES) -> bytes:
    """JPEG bytes at quality 90, lowered until under `max_bytes`; no EXIF, ICC or comments."""
    clean = Image.new("RGB", image.size)  # a fresh image carries no metadata of the source
    clean.paste(image.convert("RGB"))
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        clean.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue()
    raise ProcessingError(f"the thumbnail stays over {max_bytes} bytes even at JPEG quality {quality}")


def make_thumbnail(video_path: Path, out_path: Path, *, title: str | None = None,
                   style: ThumbnailStyle | None = None, samples: int = 24) -> Path:
    """Write a JPEG thumbnail of a rendered clip to `out_path` (atomically) and return it.

    Take it from the rendered, face-masked clip, never from the source: the thumbnail shows
    only what the clip shows. The title, if any, is drawn with `style` (default template).
    """
    out_path = Path(out_path)
    if out_path.suffix.lower() not in (".jpg", ".jpeg"):
        raise BadInputError(f"a thumbnail is a JPEG: name it .jpg, not {out_path.name}")
    _, rgb = pick_frame(Path(video_path), samples=samples)
    data = encode_jpeg(render_thumbnail(rgb, title=title, style=style))
    with atomic_path(out_path) as tmp:
        tmp.write_bytes(data)
    return out_path
