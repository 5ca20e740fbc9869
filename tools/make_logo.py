"""Draw the placeholder clinic logo, assets/branding/logo.png: a figure walking inside a ring
(the CAREN treadmill seen from the side) above the letters CAREN.

    python tools/make_logo.py [--out assets/branding/logo.png]

Drawn at 4x and scaled down for smooth edges; a white rim keeps it readable on dark and light
video alike. Replace the file with the clinic's own logo (any RGBA PNG) to rebrand.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
TEAL = (0, 122, 135, 255)
WHITE = (255, 255, 255, 255)
SIZE = (360, 440)  # pixels of the final logo
SCALE = 4  # supersampling factor


def stroke(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], width: float) -> None:
    """A limb: a white rim first, then the teal line, with round joints."""
    for colour, extra in ((WHITE, 0.5), (TEAL, 0.0)):
        w = round(width * (1 + extra))
        draw.line(points, fill=colour, width=w, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=colour)


def walker(draw: ImageDraw.ImageDraw, cx: float, cy: float, unit: float) -> None:
    """A figure in mid-stride, centred on (cx, cy); `unit` is the head radius in pixels."""
    def at(dx: float, dy: float) -> tuple[float, float]:
        return cx + dx * unit, cy + dy * unit

    limb = unit * 0.75
    hip, shoulder = at(-0.3, 1.2), at(0.2, -1.6)
    stroke(draw, [shoulder, hip], limb * 1.2)  # torso, leaning into the walk
    stroke(draw, [hip, at(1.2, 2.9), at(1.5, 4.6)], limb)  # front leg
    stroke(draw, [hip, at(-1.1, 2.9), at(-2.4, 4.1)], limb)  # back leg, pushing off
    stroke(draw, [at(0.1, -1.2), at(1.3, -0.2), at(2.2, -0.8)], limb * 0.85)  # front arm
    stroke(draw, [at(0.1, -1.2), at(-1.0, 0.0), at(-1.9, 0.9)], limb * 0.85)  # back arm
    hx, hy = at(0.6, -3.0)
    for colour, r in ((WHITE, unit * 1.25), (TEAL, unit)):
        draw.ellipse((hx - r, hy - r, hx + r, hy + r), fill=colour)


def ring(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, width: float) -> float:
    """An open ring with a belt across the gap at the bottom; returns the belt's top y."""
    start, end = 115, 65 + 360  # degrees, clockwise from 3 o'clock; the gap is at the bottom
    for colour, grow in ((WHITE, width * 0.25), (TEAL, 0.0)):
        # Pillow draws an arc's width inward from its box: grow the box to rim both edges.
        r = radius + grow
        draw.arc((cx - r, cy - r, cx + r, cy + r), start, end, fill=colour, width=round(width + 2 * grow))
    belt_y = cy + radius * 0.93
    half = radius * 0.62
    rim = width * 0.25
    draw.rounded_rectangle((cx - half - rim, belt_y - rim, cx + half + rim, belt_y + width * 0.6 + rim),
                           radius=rim * 2, fill=WHITE)
    draw.rectangle((cx - half, belt_y, cx + half, belt_y + width * 0.6), fill=TEAL)
    return belt_y - rim


def draw_logo() -> Image.Image:
    w, h = SIZE[0] * SCALE, SIZE[1] * SCALE
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    cx, cy, radius = w / 2, w / 2, w * 0.44
    belt_top = ring(draw, cx, cy, radius, w * 0.05)
    unit = w * 0.06
    # Feet (4.6 units below the figure's centre, plus half a limb) rest on the belt.
    walker(draw, cx - w * 0.01, belt_top - unit * (4.6 + 0.4), unit)
    font = ImageFont.truetype(str(REPO / "assets" / "fonts" / "DejaVuSans-Bold.ttf"), round(h * 0.14))
    draw.text((w / 2, h * 0.985), "CAREN", font=font, fill=TEAL, anchor="md",
              stroke_width=round(h * 0.008), stroke_fill=WHITE)
    return image.resize(SIZE, Image.Resampling.LANCZOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "assets" / "branding" / "logo.png")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # A 64-colour palette with alpha keeps the file a few KB without visible banding.
    logo = draw_logo().quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    logo.save(args.out, optimize=True)
    print(f"{args.out}: {args.out.stat().st_size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
