"""Caption styles from templates/captions/*.toml, turned into pysubs2 styles for a video size."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pysubs2

from vidkit.errors import BadInputError
from vidkit.resources import templates_dir

# Average advance of DejaVu Sans Bold glyphs in English text, in ems; sizes a full line to fit.
_AVG_CHAR_EM = 0.62


@dataclass(frozen=True)
class CaptionStyle:
    name: str
    font_name: str
    bold: bool
    size: float  # fraction of the shorter video side
    text: str
    highlight: str
    outline_color: str
    box_color: str
    alignment: int
    margin_v: float
    margin_h: float
    box: bool
    outline: float
    shadow: float
    karaoke: bool
    rules: dict[str, Any] = field(default_factory=dict)

    def font_px(self, width: int, height: int, max_line_chars: int) -> int:
        """Font size in pixels: the style's size, shrunk until a full line fits the width."""
        wanted = self.size * min(width, height)
        usable = width * (1 - 2 * self.margin_h)
        fits = usable / (max_line_chars * _AVG_CHAR_EM)
        return max(8, round(min(wanted, fits)))

    def to_ssastyle(self, width: int, height: int, max_line_chars: int) -> pysubs2.SSAStyle:
        px = self.font_px(width, height, max_line_chars)
        # BorderStyle 3 draws an opaque box in OutlineColour, padded by Outline pixels.
        return pysubs2.SSAStyle(
            fontname=self.font_name,
            fontsize=px,
            bold=self.bold,
            primarycolor=_color(self.highlight if self.karaoke else self.text),
            secondarycolor=_color(self.text),
            outlinecolor=_color(self.box_color if self.box else self.outline_color),
            backcolor=_color(self.outline_color, alpha_override=0x80),
            borderstyle=3 if self.box else 1,
            outline=round(self.outline * px, 1),
            shadow=round(self.shadow * px, 1),
            alignment=pysubs2.Alignment(self.alignment),
            marginl=round(self.margin_h * width),
            marginr=round(self.margin_h * width),
            marginv=round(self.margin_v * height),
        )


def _color(value: str, alpha_override: int | None = None) -> pysubs2.Color:
    hexa = value.lstrip("#")
    if len(hexa) not in (6, 8) or any(c not in "0123456789abcdefABCDEF" for c in hexa):
        raise BadInputError(f"bad colour {value!r} in caption style; use #RRGGBB or #RRGGBBAA")
    r, g, b = int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)
    opacity = int(hexa[6:8], 16) if len(hexa) == 8 else 255
    alpha = 255 - opacity  # ASS alpha is transparency
    if alpha_override is not None:
        alpha = alpha_override
    return pysubs2.Color(r, g, b, alpha)


def available_styles() -> list[str]:
    return sorted(p.stem for p in (templates_dir() / "captions").glob("*.toml"))


def load_style(spec: str) -> CaptionStyle:
    """A style by built-in name (`standard`, `shorts`) or by path to a .toml file."""
    path = Path(spec).expanduser()
    if not path.is_file():
        path = templates_dir() / "captions" / f"{spec}.toml"
        if not path.is_file():
            raise BadInputError(
                f"unknown caption style {spec!r}; built-in: {', '.join(available_styles())}, "
                "or give a path to a .toml style"
            )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        font, colors, layout = data["font"], data["colors"], data["layout"]
        return CaptionStyle(
            name=data.get("name", path.stem),
            font_name=font["name"], bold=bool(font.get("bold", False)), size=float(font["size"]),
            text=colors["text"], highlight=colors.get("highlight", colors["text"]),
            outline_color=colors.get("outline", "#000000"), box_color=colors.get("box", "#00000080"),
            alignment=int(layout.get("alignment", 2)), margin_v=float(layout.get("margin_v", 0.06)),
            margin_h=float(layout.get("margin_h", 0.05)), box=bool(layout.get("box", False)),
            outline=float(layout.get("outline", 0.1)), shadow=float(layout.get("shadow", 0.0)),
            karaoke=bool(layout.get("karaoke", False)), rules=dict(data.get("rules", {})),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"caption style {path} is invalid: {exc}") from None
