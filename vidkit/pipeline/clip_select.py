"""Which clips to make: --range/--ranges, --find, --auto (ranked, written to <stem>.clips.json)
and --from <stem>.clips.json; plus --export of the chosen ranges for a video editor."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.clips.ranges import ClipRange, parse_range, parse_ranges_text
from vidkit.errors import BadInputError
from vidkit.media import MediaInfo
from vidkit.media.output import output_path, write_text
from vidkit.transcript import Transcript

EXPORTS = ("edl", "fcpxml")


@dataclass(frozen=True)
class ClipRequest:
    """What the user asked for on the command line."""

    ranges: tuple[str, ...] = ()
    ranges_file: Path | None = None
    find: tuple[str, ...] = ()
    auto: int | None = None
    from_file: Path | None = None
    fast: bool = False
    trim_silence: bool = False
    plan_only: bool = False  # choose (and write clips.json / exports) but render nothing
    export: tuple[str, ...] = ()
    title: str | None = None
    subjects: tuple[str, ...] = ()  # pseudonymous ids of the people in the clips (for consent)


@dataclass
class Chosen:
    ranges: list[ClipRange]
    candidates: list[Any] = field(default_factory=list)


def _read(path: Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read the {what} {path}: {exc}") from None


def choose_ranges(input_path: Path, info: MediaInfo, transcript: Transcript | None, request: ClipRequest,
                  section: dict[str, Any], glossary: str, out_dir: Path | None,
                  outputs: dict[str, Path]) -> Chosen:
    """The clip ranges in the order given: --range, --ranges, --from, --find, then --auto.
    `transcript` should already be redacted: clips.json quotes it."""
    bad = [e for e in request.export if e not in EXPORTS]
    if bad:
        raise BadInputError(f"unknown --export {bad[0]!r}; use {' or '.join(EXPORTS)}")
    chosen = Chosen([parse_range(text) for text in request.ranges])
    if request.ranges_file is not None:
        chosen.ranges += parse_ranges_text(_read(request.ranges_file, "ranges file"), Path(request.ranges_file).name)
    if request.from_file is not None:
        from vidkit.clips.select import read_candidates

        chosen.ranges += read_candidates(_read(request.from_file, "clips file"), Path(request.from_file).name)
    if request.find:
        from vidkit.clips.select import find_phrase

        for phrase in request.find:
            found = find_phrase(transcript, phrase, padding=section["padding"], video_duration=info.duration)
            chosen.ranges += [c.to_range() for c in found]
    if request.auto:
        from vidkit.clips.select import rank_candidates, write_candidates
        from vidkit.hashing import file_sha256
        from vidkit.transcribe.glossary import load_glossary

        if section["auto_min"] >= section["auto_max"]:
            raise BadInputError("clip.auto_min must be shorter than clip.auto_max")
        candidates = rank_candidates(transcript, count=request.auto, min_seconds=section["auto_min"],
                                     max_seconds=section["auto_max"], video_duration=info.duration,
                                     terms=load_glossary(glossary or "rehab"))
        chosen.candidates = candidates
        outputs["candidates"] = write_text(output_path(input_path, out_dir, artifacts.CANDIDATES),
                                           write_candidates(candidates, file_sha256(input_path)))
        chosen.ranges += [c.to_range() for c in candidates]
    if not chosen.ranges:
        raise BadInputError("no clips chosen: give --range START-END, --ranges FILE, --find PHRASE, "
                            "--auto N or --from <stem>.clips.json")
    for kind in request.export:
        outputs[f"export.{kind}"] = write_text(output_path(input_path, out_dir, f".clips.{kind}"),
                                               export_text(kind, chosen.ranges, info, input_path))
    return chosen


def export_text(kind: str, ranges: list[ClipRange], info: MediaInfo, input_path: Path) -> str:
    """The ranges as an editor timeline. The source is named by its file name: an editor has
    to find the media, and the export stays with the clinic (it is never uploaded)."""
    from vidkit.clips.export import file_uri, to_edl, to_fcpxml

    fps = info.video.fps if info.video else 25.0
    audio = info.audio is not None
    if kind == "edl":
        return to_edl(ranges, fps, title="vidkit clips", source_name=Path(input_path).name, audio=audio)
    width, height = info.video.display_size
    return to_fcpxml(ranges, fps, width, height, info.duration, source_uri=file_uri(Path(input_path).name),
                     title="vidkit clips", has_audio=audio,
                     audio_channels=info.audio.channels if audio else 2,
                     audio_rate=info.audio.sample_rate if audio else 48000)
