"""Subset matplotlib's bundled DejaVu Sans fonts into assets/fonts/.

Usage (needs matplotlib and fonttools installed):
    python tools/subset_fonts.py

Only Latin text is captioned, so the subsets keep Basic Latin, Latin-1
Supplement, Latin Extended-A, General Punctuation and the euro sign, which
shrinks each font from ~700 KB to ~70 KB (TrueType hinting kept). The name table is kept intact
so libass/fontconfig still match the family "DejaVu Sans".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "assets" / "fonts"
SRC_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]

UNICODES = [
    *range(0x0020, 0x007F),  # Basic Latin (printable)
    *range(0x00A0, 0x0100),  # Latin-1 Supplement (printable)
    *range(0x0100, 0x0180),  # Latin Extended-A
    *range(0x2000, 0x2070),  # General Punctuation
    0x20AC,  # euro sign
]


def subset_font(src: Path, dst: Path) -> None:
    options = subset.Options()
    options.layout_features = ["*"]  # keep kerning and ligatures
    options.name_IDs = ["*"]  # keep family/style/licence names
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]  # FontForge timestamp; fonttools cannot subset it
    font = TTFont(src, recalcTimestamp=False)  # reproducible output
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    font.save(dst)


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name in FONTS:
        dst = OUT_DIR / name
        subset_font(SRC_DIR / name, dst)
        family = TTFont(dst)["name"].getDebugName(1)
        print(f"{dst.relative_to(ROOT)}: {dst.stat().st_size / 1024:.1f} KB, family {family!r}")
    shutil.copyfile(SRC_DIR / "LICENSE_DEJAVU", OUT_DIR / "LICENSE-DejaVu.txt")


if __name__ == "__main__":
    main()
