"""Output names: what each output of a recording is called, and the way back from an output
to the stem of the recording it was made from.

Every output is `<recording stem><suffix>` in the output folder (`session.transcript.json`,
`session.clip01.mp4`, `session.publish.json`); clips and the publishable video have outputs of
their own named the same way after their own stem (`session.clip01.upload.json`). Writers,
readers, gates and tests take the names from here.
"""

from __future__ import annotations

import re
from pathlib import Path

TRANSCRIPT = ".transcript.json"
REDACTED_TRANSCRIPT = ".redacted.transcript.json"
TEXT = ".txt"
SRT, VTT, ASS = ".srt", ".vtt", ".ass"
CAPTIONS_QC = ".captions-qc.json"
CAPTIONED = ".captioned.mp4"
BLURRED = ".blurred.mp4"
PRIVACY_REPORT = ".privacy.json"
REVIEW_SHEET = ".review.png"
REDACTION_REPORT = ".redaction.json"
REDACTED_MEDIA = (".redacted.mp4", ".redacted.m4a", ".redacted.wav")
CANDIDATES = ".clips.json"
EXPORTS = (".clips.edl", ".clips.fcpxml")
CLIP_RECORD = ".clip.json"  # after a clip's stem: session.clip01.clip.json
UPLOAD = ".upload.json"  # after a clip's (or the publishable video's) stem
THUMBNAIL = ".jpg"
PUBLISH = ".publish"  # `vidkit render`: session.publish.mp4, its record session.publish.json

# The parts vidkit adds to a stem: clip numbers, and the whole-video outputs.
_OUTPUT_PARTS = re.compile(r"(\.(clip\d+|blurred|captioned|redacted|publish))+$")
_CLIP_PART = re.compile(r"^\.clip(\d{2,})$")


def output_path(input_path: Path, out_dir: Path | None, suffix: str) -> Path:
    """`<out_dir or the input's folder>/<input stem><suffix>`."""
    folder = Path(out_dir) if out_dir else Path(input_path).parent
    return folder / f"{Path(input_path).stem}{suffix}"


def clip_part(number: int) -> str:
    """".clip01" for clip 1: the part a clip's outputs carry after the recording's stem."""
    return f".clip{number:02d}"


def clip_number(video: Path) -> int | None:
    """1 for session.clip01.mp4; None for a video that is not a vidkit clip."""
    match = _CLIP_PART.match(Path(video).suffixes[-2] if len(Path(video).suffixes) >= 2 else "")
    return int(match.group(1)) if match else None


def source_stem(video: Path) -> str:
    """The recording's stem a vidkit output was named after ("session" for session.clip01.mp4,
    session.blurred.mp4 or session.publish.mp4)."""
    return _OUTPUT_PARTS.sub("", Path(video).stem)


def beside(video: Path, suffix: str) -> Path:
    """The file named after `video`'s own stem: beside(session.clip01.mp4, UPLOAD) is
    session.clip01.upload.json."""
    video = Path(video)
    return video.with_name(video.stem + suffix)


def record_of(video: Path) -> Path:
    """The record vidkit writes beside an output video: X.clipNN.clip.json for a clip,
    X.publish.json for the publishable video, X.privacy.json for a blurred one."""
    video = Path(video)
    if video.stem.endswith(PUBLISH):
        return video.with_name(video.stem + ".json")
    if video.name.endswith(BLURRED):
        return video.with_name(source_stem(video) + PRIVACY_REPORT)
    return beside(video, CLIP_RECORD)


def stem_outputs() -> tuple[str, ...]:
    """Every suffix vidkit writes after a recording's stem (besides the per-clip ones)."""
    return (TRANSCRIPT, TEXT, SRT, VTT, ASS, CAPTIONS_QC, CAPTIONED, REDACTION_REPORT, BLURRED, PRIVACY_REPORT,
            REVIEW_SHEET, CANDIDATES, *EXPORTS, REDACTED_TRANSCRIPT, *REDACTED_MEDIA, CLIP_RECORD, UPLOAD,
            f"{PUBLISH}.mp4", f"{PUBLISH}.json", f"{PUBLISH}{SRT}", f"{PUBLISH}{VTT}", f"{PUBLISH}{TRANSCRIPT}",
            f"{PUBLISH}{UPLOAD}")
