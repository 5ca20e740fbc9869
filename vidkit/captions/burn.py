"""Burn captions into the picture with libass in a single encode; audio is stream-copied
(or, with a redaction filter, re-encoded in that same encode)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from vidkit.captions.cue import Cue
from vidkit.captions.styles import CaptionStyle
from vidkit.captions.writers import styled_file
from vidkit.errors import BadInputError
from vidkit.media.ffmpeg import run_ffmpeg
from vidkit.media.frames import MP4_AUDIO, even_size
from vidkit.media.output import atomic_path
from vidkit.media.probe import MediaInfo
from vidkit.resources import fonts_dir



def metadata_args() -> list[str]:
    """No identifying metadata: titles, dates, GPS, device, encoder strings (every output)."""
    return [
        "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1",
        "-map_chapters", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-flags:a", "+bitexact",
    ]


def video_args(crf: int, preset: str) -> list[str]:
    """H.264 encoding that keeps every frame and its timestamp (variable frame rate too)."""
    return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-fps_mode", "passthrough"]


def encode_args(info: MediaInfo, crf: int, preset: str, *, reencode_audio: bool = False) -> list[str]:
    """Video/audio/metadata arguments shared by every re-encoding output; `reencode_audio`
    makes AAC even from a codec MP4 could carry (needed when an audio filter runs)."""
    assert info.audio is None or info.audio.codec
    audio = []
    if info.audio is not None:
        copy = info.audio.codec in MP4_AUDIO and not reencode_audio
        audio = ["-c:a", "copy"] if copy else ["-c:a", "aac", "-b:a", "192k"]
    return [*video_args(crf, preset), *audio, *metadata_args(), "-movflags", "+faststart"]


def burn_captions(
    info: MediaInfo,
    cues: Sequence[Cue],
    style: CaptionStyle,
    max_line_chars: int,
    out_path: Path,
    *,
    crf: int = 20,
    preset: str = "veryfast",
    on_progress: Callable[[float], None] | None = None,
    audio_filter: str | None = None,
) -> Path:
    """Render `cues` onto `info.path`'s video; writes `out_path` atomically.

    `audio_filter` (an `ffmpeg -af` chain, e.g. a redaction bleep) runs in the same encode;
    the audio is then AAC instead of stream-copied."""
    if info.video is None:
        raise BadInputError(f"{info.path.name} has no video stream: --burn needs a video")
    width, height = even_size(info)  # H.264 4:2:0 needs even sides: pad, not crop
    subs = styled_file(cues, style, width, height, max_line_chars)
    with tempfile.TemporaryDirectory(prefix="vidkit-burn-") as work:
        # ffmpeg filter arguments have their own escaping; fixed names in a private folder
        # sidestep it for any input or install path (spaces, quotes, colons).
        workdir = Path(work)
        (workdir / "captions.ass").write_text(subs.to_string("ass"), encoding="utf-8")
        link_fonts(workdir / "fonts")
        pad = f"pad={width}:{height}:0:0:black," if (width, height) != info.video.display_size else ""
        audio = ["-af", audio_filter] if audio_filter and info.audio is not None else []
        with atomic_path(out_path) as tmp:
            run_ffmpeg(
                ["-y", "-i", str(info.path.resolve()), "-map", "0:v:0", "-map", "0:a:0?",
                 "-vf", f"{pad}ass=captions.ass:fontsdir=fonts", *audio,
                 *encode_args(info, crf, preset, reencode_audio=bool(audio)), str(tmp.resolve())],
                duration=info.duration, on_progress=on_progress, cwd=workdir,
            )
    return out_path


def link_fonts(target: Path) -> None:
    # Only font files: libass tries to load everything in fontsdir and logs errors for the rest.
    target.mkdir()
    for font in sorted(fonts_dir().iterdir()):
        if font.suffix.lower() in (".ttf", ".otf"):
            try:
                os.symlink(font, target / font.name)
            except OSError:  # no symlinks (some Windows setups): copy
                shutil.copyfile(font, target / font.name)
