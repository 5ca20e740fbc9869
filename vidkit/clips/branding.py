"""Clip branding: intro and outro cards and a logo watermark, as part of the clip's one encode.

Cards are drawn once with Pillow into PNGs; ffmpeg loops each for its frames, fades it and
concatenates intro + clip + outro, with silence under the cards. The logo is one RGBA frame
overlaid on the clip only. bench/branding.py measures this against moviepy.

Filter-graph contract (`branding_graph`): the caller's graph ends the captioned clip video at
`[vmain]` (yuv420p, W x H, constant rate R) and its audio at `[amain]` (48 kHz stereo); the
chains returned here consume both and end at `[vout]` and `[aout]`. Labels of their own start
with `brand_`. The extra inputs are numbered from `first_input_index` in the order given.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from vidkit.errors import BadInputError
from vidkit.resources import assets_dir, templates_dir

# Template names a card may use. Anything else (the source file's name above all, which may
# name a patient) is refused when the template is loaded.
CARD_FIELDS = ("clinic", "title", "contact")
CORNERS = ("top-right", "top-left", "bottom-right", "bottom-left")
SAFE_MARGIN = 0.10  # title-safe: text stays inside the central 80 % of each side
SUBTITLE_SCALE = 0.6  # subtitle size relative to the headline's
MIN_FONT_PX = 8
AUDIO_RATE = 48000
_FONTS, _LOGOS = "fonts", "branding"  # folders of assets/


@dataclass(frozen=True)
class Card:
    """An intro or outro card. Fonts are file names in assets/fonts/ or absolute paths."""

    enabled: bool = True
    seconds: float = 2.0  # on screen, fades included
    title: str = "{clinic}"  # headline template
    subtitle: str = "{title}"  # smaller lines, "\n"-separated
    background: str = "#0B3C5D"
    text_color: str = "#FFFFFF"
    title_font: str = "DejaVuSans-Bold.ttf"
    font: str = "DejaVuSans.ttf"
    size: float = 0.08  # headline height, fraction of the shorter video side
    fade: float = 0.4  # seconds from black at the start and to black at the end


@dataclass(frozen=True)
class Logo:
    """A watermark over the clip. `file` is a name in assets/branding/ or an absolute path."""

    enabled: bool = True
    file: str = "logo.png"
    corner: str = "top-right"
    width: float = 0.12  # fraction of the video width
    margin: float = 0.03  # fraction of the shorter video side
    opacity: float = 0.8


@dataclass(frozen=True)
class Branding:
    name: str = "default"
    description: str = ""
    intro: Card = field(default_factory=Card)
    outro: Card = field(default_factory=lambda: Card(seconds=3.0, subtitle="{contact}"))
    logo: Logo = field(default_factory=Logo)

    @property
    def enabled(self) -> bool:
        return self.intro.enabled or self.outro.enabled or self.logo.enabled

    @property
    def total_seconds(self) -> float:
        """Seconds the enabled cards add to a clip, before rounding to whole frames."""
        return sum(card.seconds for card in (self.intro, self.outro) if card.enabled)


@dataclass(frozen=True)
class BrandingGraph:
    """ffmpeg input arguments and filter_complex chains (join with ";") for one clip."""

    inputs: list[str]
    filters: list[str]
    intro_seconds: float = 0.0  # exact: whole frames at the clip's rate
    outro_seconds: float = 0.0

    @property
    def extra_seconds(self) -> float:
        """Seconds the cards add to the clip (shift progress by this, not captions)."""
        return self.intro_seconds + self.outro_seconds


# ---- loading -------------------------------------------------------------------------------

def available_brandings() -> list[str]:
    return sorted(p.stem for p in (templates_dir() / "branding").glob("*.toml"))


def load_branding(name_or_path: str | Path) -> Branding:
    """A branding by built-in name (`default`, `none`) or by path to a .toml file.

    A section left out switches that element off; keys left out take the built-in defaults.
    """
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        path = templates_dir() / "branding" / f"{name_or_path}.toml"
        if not path.is_file():
            raise BadInputError(f"unknown branding {str(name_or_path)!r}; built-in: "
                                f"{', '.join(available_brandings())}, or give a path to a .toml file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInputError(f"branding {path} cannot be read: {exc}") from None
    where = f"branding {path}"
    _refuse_unknown(data, ("name", "description", "intro", "outro", "logo"), where, "key")
    defaults = Branding()
    intro = _load_card(data, "intro", defaults.intro, where, path.parent)
    outro = _load_card(data, "outro", defaults.outro, where, path.parent)
    logo = _section(data, "logo", defaults.logo, where)
    _check_logo(logo, f"{where}: [logo]")
    logo = replace(logo, file=_resolve(logo.file, _LOGOS, path.parent, f"{where}: [logo] file"))
    return Branding(name=str(data.get("name", path.stem)), description=str(data.get("description", "")),
                    intro=intro, outro=outro, logo=logo)


def _load_card(data: dict[str, Any], label: str, default: Card, where: str, toml_folder: Path) -> Card:
    card = _section(data, label, default, where)
    where = f"{where}: [{label}]"
    _check_card(card, where)
    return replace(card, font=_resolve(card.font, _FONTS, toml_folder, f"{where} font"),
                   title_font=_resolve(card.title_font, _FONTS, toml_folder, f"{where} title_font"))


def _refuse_unknown(table: dict[str, Any], known: tuple[str, ...], where: str, what: str) -> None:
    for key in table:
        if key not in known:
            raise BadInputError(f"{where}: unknown {what} {key!r} (known: {', '.join(known)})")


def _section(data: dict[str, Any], name: str, default: Any, where: str) -> Any:
    if name not in data:
        return replace(default, enabled=False)
    table = data[name]
    if not isinstance(table, dict):
        raise BadInputError(f"{where}: [{name}] must be a table of settings")
    types = {f.name: type(getattr(default, f.name)) for f in fields(default)}
    _refuse_unknown(table, tuple(types), f"{where}: [{name}]", "setting")
    given = {}
    for key, value in table.items():
        expected = types[key]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise BadInputError(f"{where}: [{name}] {key} must be {expected.__name__}, got {value!r}")
        given[key] = value
    return replace(default, **given)


def _check_card(card: Card, where: str) -> None:
    _in_range(card.seconds, 0.5, 30.0, f"{where} seconds")
    _in_range(card.size, 0.02, 0.3, f"{where} size")
    _in_range(card.fade, 0.0, card.seconds / 2, f"{where} fade (at most half of seconds)")
    for key in ("background", "text_color"):
        _rgb(getattr(card, key), f"{where} {key}")
    for key in ("title", "subtitle"):
        template = getattr(card, key)
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
            template.format_map(_Blank(dict.fromkeys(CARD_FIELDS, "x")))
        except (ValueError, KeyError, IndexError, AttributeError) as exc:
            raise BadInputError(f"{where} {key} {template!r} is not a valid template: {exc}") from None
        unknown = sorted(names - set(CARD_FIELDS))
        if unknown:
            raise BadInputError(f"{where} {key} uses {{{unknown[0]}}}; a card may only use "
                                f"{', '.join('{' + f + '}' for f in CARD_FIELDS)}")


def _check_logo(logo: Logo, where: str) -> None:
    if logo.corner not in CORNERS:
        raise BadInputError(f"{where} corner must be one of {', '.join(CORNERS)}, got {logo.corner!r}")
    _in_range(logo.width, 0.02, 0.5, f"{where} width")
    _in_range(logo.margin, 0.0, 0.25, f"{where} margin")
    _in_range(logo.opacity, 0.0, 1.0, f"{where} opacity")


def _in_range(value: float, low: float, high: float, what: str) -> None:
    if not low <= value <= high:
        raise BadInputError(f"{what} must be between {low:g} and {high:g}, got {value:g}")


def _resolve(name: str, folder: str, toml_folder: Path, what: str) -> str:
    """A bare name found in vidkit's assets/<folder> as it is, else an absolute path (relative
    to the .toml file); the file must open as a font (fonts) or an image (branding)."""
    path = _asset(name, folder)
    if not path.is_file():
        path = (toml_folder / Path(name).expanduser()).resolve()
        if not path.is_file():
            raise BadInputError(f"{what}: {name!r} not found in {assets_dir() / folder} or next to the .toml file")
        name = str(path)
    try:
        if folder == _FONTS:
            ImageFont.truetype(str(path), 12)
        else:
            with Image.open(path) as image:
                image.verify()
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadInputError(f"{what}: {path} cannot be read ({exc})") from None
    return name


def _rgb(value: str, what: str = "colour") -> tuple[int, int, int]:
    hexa = value[1:] if value.startswith("#") else ""
    if len(hexa) != 6 or any(c not in string.hexdigits for c in hexa):
        raise BadInputError(f"{what} must be a colour like \"#0B3C5D\", got {value!r}")
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


def _asset(name: str, folder: str) -> Path:
    return Path(name) if Path(name).is_absolute() else assets_dir() / folder / name


# ---- cards ---------------------------------------------------------------------------------

class _Blank(dict):
    """format_map values where a missing name reads as empty text."""

    def __missing__(self, key: str) -> str:
        return ""


def card_text(card: Card, values: dict[str, Any]) -> list[str]:
    """The headline ("" if none), then the non-empty subtitle lines; only CARD_FIELDS are used."""
    known = _Blank({k: str(v) for k, v in values.items() if k in CARD_FIELDS and v is not None})
    title = " ".join(card.title.format_map(known).split())
    subtitle = card.subtitle.format_map(known).splitlines()
    return [title, *(" ".join(line.split()) for line in subtitle if line.strip())]


def render_card(text_lines: list[str], width: int, height: int, style: Card) -> Image.Image:
    """An RGB card of `width` x `height` pixels: `text_lines[0]` as the headline, the rest smaller.

    Text is centred, wrapped at spaces and shrunk until it fits the title-safe area
    (SAFE_MARGIN of each side); blank lines are skipped.
    """
    image = Image.new("RGB", (width, height), _rgb(style.background))
    draw = ImageDraw.Draw(image)
    rows = _layout(text_lines, width, height, style)
    colour = _rgb(style.text_color)
    for text, font, top in rows:
        draw.text((width / 2, top), text, font=font, fill=colour, anchor="ma")
    return image


Row = tuple[str, ImageFont.FreeTypeFont]


def _layout(text_lines: list[str], width: int, height: int, style: Card) -> list[tuple[str, ImageFont.FreeTypeFont, float]]:
    """Rows of (text, font, top y in pixels), centred vertically in the safe area."""
    box_w, box_h = width * (1 - 2 * SAFE_MARGIN), height * (1 - 2 * SAFE_MARGIN)
    headline = text_lines[0].strip() if text_lines else ""
    body = [line.strip() for line in text_lines[1:] if line.strip()]
    px = max(MIN_FONT_PX, style.size * min(width, height))
    while True:
        title_font = ImageFont.truetype(str(_asset(style.title_font, _FONTS)), round(px))
        body_font = ImageFont.truetype(str(_asset(style.font, _FONTS)), max(MIN_FONT_PX, round(px * SUBTITLE_SCALE)))
        rows = [(t, title_font) for t in _wrap(headline, title_font, box_w)]
        rows += [(t, body_font) for line in body for t in _wrap(line, body_font, box_w)]
        fits = all(font.getlength(text) <= box_w for text, font in rows)
        if (fits and _stack_height(rows) <= box_h) or px <= MIN_FONT_PX:
            break
        px = max(MIN_FONT_PX, px * 0.9)
    # Even the smallest size overflows only for absurd text: drop what falls outside.
    rows = [(_shorten(text, font, box_w), font) for text, font in rows]
    while rows and _stack_height(rows) > box_h:
        rows.pop()
    top = (height - _stack_height(rows)) / 2
    placed = []
    for i, (text, font) in enumerate(rows):
        placed.append((text, font, top))
        top += sum(font.getmetrics()) + _gap(rows, i)
    return placed


def _wrap(text: str, font: ImageFont.FreeTypeFont, box_w: float) -> list[str]:
    """Word wrap into as few rows as fit `box_w` pixels, of even lengths (no lone last word).

    A word wider than the box stays whole: the caller then shrinks the font.
    """
    rows = _greedy(text, font, box_w)
    low, high = 0.0, box_w
    for _ in range(10):  # narrowest width that still needs no more rows
        middle = (low + high) / 2
        if len(_greedy(text, font, middle)) <= len(rows):
            high = middle
        else:
            low = middle
    return _greedy(text, font, high) if len(rows) > 1 else rows


def _greedy(text: str, font: ImageFont.FreeTypeFont, box_w: float) -> list[str]:
    rows: list[str] = []
    for word in text.split():
        if rows and font.getlength(f"{rows[-1]} {word}") <= box_w:
            rows[-1] = f"{rows[-1]} {word}"
        else:
            rows.append(word)
    return rows


def _shorten(text: str, font: ImageFont.FreeTypeFont, box_w: float) -> str:
    while len(text) > 1 and font.getlength(text) > box_w:
        text = text[:-2] + "…"
    return text


def _gap(rows: list[Row], i: int) -> float:
    """Space below row i: a quarter line between rows, half a line after the headline block."""
    if i + 1 >= len(rows):
        return 0.0
    below = sum(rows[i + 1][1].getmetrics())
    return below * (0.5 if rows[i][1] is not rows[i + 1][1] else 0.25)


def _stack_height(rows: list[Row]) -> float:
    return sum(sum(font.getmetrics()) + _gap(rows, i) for i, (_, font) in enumerate(rows))


# ---- filter graph --------------------------------------------------------------------------

def branding_graph(branding: Branding, *, width: int, height: int, rate: str, first_input_index: int,
                   workdir: Path, values: dict[str, Any]) -> BrandingGraph:
    """The branding part of a clip's filter graph, for a `width` x `height` pixel clip at `rate`
    frames per second (a fraction string such as "30000/1001").

    Card PNGs are written into `workdir` as intro.png / outro.png; card text comes only from
    `values` (CARD_FIELDS). Card lengths are rounded to whole frames, so `extra_seconds` is exact.
    """
    fps = Fraction(rate)
    if fps <= 0:
        raise ValueError(f"frame rate must be positive, got {rate!r}")
    inputs: list[str] = []
    filters: list[str] = []
    index = first_input_index
    video = "[vmain]"
    if branding.logo.enabled:
        inputs += ["-i", str(_asset(branding.logo.file, _LOGOS))]
        filters += _logo_chains(branding.logo, index, width, height)
        video = "[brand_logo_on]"
        index += 1
    segments = {"intro": "", "main": f"{video}[amain]", "outro": ""}
    seconds = {"intro": Fraction(0), "outro": Fraction(0)}
    for label, card in (("intro", branding.intro), ("outro", branding.outro)):
        if not card.enabled:
            continue
        frames = max(1, round(card.seconds * fps))
        seconds[label] = frames / fps
        png = Path(workdir) / f"{label}.png"
        render_card(card_text(card, values), width, height, card).save(png)
        # A few frames of slack on the looped input; trim then cuts exactly `frames`.
        inputs += ["-loop", "1", "-framerate", rate, "-t", f"{float((frames + 2) / fps):.6f}", "-i", str(png)]
        filters += _card_chains(label, card, index, width, height, rate, frames, seconds[label])
        segments[label] = f"[brand_{label}_v][brand_{label}_a]"
        index += 1
    parts = [s for s in segments.values() if s]
    if len(parts) > 1:
        filters.append(f"{''.join(parts)}concat=n={len(parts)}:v=1:a=1[vout][aout]")
    else:
        filters += [f"{video}null[vout]", "[amain]anull[aout]"]
    return BrandingGraph(inputs=inputs, filters=filters, intro_seconds=float(seconds["intro"]),
                         outro_seconds=float(seconds["outro"]))


def _logo_chains(logo: Logo, index: int, width: int, height: int) -> list[str]:
    logo_w = max(2, 2 * round(logo.width * width / 2))
    margin = round(logo.margin * min(width, height))
    x = str(margin) if logo.corner.endswith("left") else f"W-w-{margin}"
    y = str(margin) if logo.corner.startswith("top") else f"H-h-{margin}"
    # One frame, prepared once: overlay repeats the last frame of its second input.
    return [f"[{index}:v]scale={logo_w}:-2,format=rgba,colorchannelmixer=aa={logo.opacity:.3f},"
            f"format=yuva420p[brand_logo]",
            f"[vmain][brand_logo]overlay=x={x}:y={y}:format=yuv420[brand_logo_on]"]


def _card_chains(label: str, card: Card, index: int, width: int, height: int, rate: str,
                 frames: int, seconds: Fraction) -> list[str]:
    fade = min(Fraction(card.fade), seconds / 2)
    fades = (f",fade=t=in:st=0:d={float(fade):.4f},fade=t=out:st={float(seconds - fade):.4f}:d={float(fade):.4f}"
             if fade > 0 else "")
    samples = round(frames * AUDIO_RATE / Fraction(rate))
    # No colour matrix named here: ffmpeg then converts the cards into the clip's colour space
    # (a named one made concat convert every clip frame instead; tests/clips/test_branding.py).
    return [f"[{index}:v]fps={rate},trim=end_frame={frames},setpts=PTS-STARTPTS,"
            f"scale={width}:{height},format=yuv420p,setsar=1{fades}[brand_{label}_v]",
            f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=end_sample={samples},asetpts=N/SR/TB[brand_{label}_a]"]
