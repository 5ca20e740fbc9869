"""The gates on words: what a clip says and every text that leaves with it.

- words: the clip's record (`.clip.json` or `.privacy.json`) has a `words` block saying that
  names and identifying numbers were redacted (with a roster), bleeped where they were said,
  and that the second listen heard none of them (`verified: true`). `--allow-unredacted` with
  a reason lets a clip through; who, when and why go into the ledger.
- text: the title, description, tags, chapter titles, caption track and the text drawn on the
  thumbnail and intro card are scanned again, at publish time, against the roster (when one is
  set), the identifying-number rules and the parts of the recording's file name
  (`jan_smit_2024` -> jan, smit). A hit refuses and names the place, never the words.
- files: the caption track and thumbnail sent are the ones made with the clip (their sha256 is
  in its record): a swapped JPEG or an edited SRT is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vidkit.privacy.identifying import file_name_roster, identifies, names_in_text
from vidkit.privacy.roster import Roster
from vidkit.privacy.spoken import NO_AUDIO, WordsRecord
from vidkit.artifacts import source_stem
from vidkit.publish.gates import Gate, OutputRecord
from vidkit.publish.package import Package
from vidkit.hashing import file_sha256

_CUE_TIMING = re.compile(r"-->")
_CUE_TAGS = re.compile(r"<[^>]*>|\{[^}]*\}")


def words_gate(record: OutputRecord | None, allow_unredacted: bool) -> Gate:
    problem = _words_problem(record)
    if problem is None:
        return Gate("words", True, "names and identifying numbers redacted, bleeped and not heard again")
    if allow_unredacted:
        return Gate("words", True, f"{problem}; let through by --allow-unredacted", override="allow-unredacted")
    return Gate("words", False, f"{problem}: make the clip again with --roster FILE (names are then redacted "
                                "from captions, bleeped and listened for again), or pass --allow-unredacted "
                                "--reason TEXT after checking it yourself (who, when and why are recorded)")


def _words_problem(record: OutputRecord | None) -> str | None:
    if record is None:
        return "no record of this video says whether names were redacted"
    words = WordsRecord.from_dict(record.data.get("words"))
    if words is None:
        return f"{record.path.name} does not say whether names were redacted (made by an older vidkit?)"
    if not words.redacted:
        return "names said in it were not redacted (it was made without a roster)"
    if sum(words.counts.values()) and not words.audio_bleeped:
        return "redacted names or numbers are still in its audio (not bleeped)"
    if words.verified is False:
        return f"the second listen still heard {len(words.heard)} redacted item(s) in its audio"
    if words.verified is None and words.note != NO_AUDIO:
        return f"its audio was not listened to again ({words.note or 'no result'})"
    return None


def text_gate(package: Package, snippet: dict[str, Any], record: OutputRecord | None, roster: Roster | None,
              clinic: dict[str, Any], allow_unredacted: bool) -> Gate:
    """Every text that leaves with the clip, scanned again; the clinic's own name and contact
    (in every description's ending) are not the patient's and are left out of the scan."""
    stem_roster = file_name_roster(source_stem(package.video))
    against = roster or Roster(())
    for place, text in _texts(package, snippet, record):
        text = _without_clinic(text, clinic)
        if identifies(text, against):
            why = "a name from the roster or an identifying number" if roster else "an identifying number"
        elif stem_roster is not None and names_in_text(text, stem_roster):
            why = "a part of the recording's file name (it may be the patient's name)"
        else:
            continue
        detail = f"the {place} holds {why}"
        if allow_unredacted:
            return Gate("text", True, f"{detail}; let through by --allow-unredacted", override="allow-unredacted")
        return Gate("text", False, f"{detail}: edit it (the upload.json, or make the clip again) and publish again")
    scope = "the roster, identifying numbers" if roster else "identifying numbers (no roster given)"
    return Gate("text", True, f"title, description, tags, chapters, captions and card text hold no names "
                              f"({scope} and the file name checked)")


def _texts(package: Package, snippet: dict[str, Any], record: OutputRecord | None) -> Iterator[tuple[str, str]]:
    yield "title", str(snippet.get("title") or "")
    yield "description", str(snippet.get("description") or "")
    for number, tag in enumerate(snippet.get("tags") or [], 1):
        yield f"tag {number}", str(tag)
    for number, chapter in enumerate(package.data.get("chapters") or [], 1):
        if isinstance(chapter, dict):
            yield f"chapter {number} title", str(chapter.get("title") or "")
    if package.captions is not None:
        yield "caption track", caption_text(package.captions)
    if record is not None and record.data.get("title"):
        yield "thumbnail and intro card text", str(record.data["title"])


def caption_text(path: Path) -> str:
    """The words of an SRT/VTT file, one cue per line (numbers, timings and tags left out)."""
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return ""
    kept, cue = [], []
    for line in lines + [""]:
        line = line.strip()
        if not line:
            if cue:
                kept.append(" ".join(cue))
            cue = []
        elif not (_CUE_TIMING.search(line) or line.isdigit() or line.startswith(("WEBVTT", "NOTE", "STYLE"))):
            cue.append(_CUE_TAGS.sub("", line))
    return "\n".join(kept)


def _without_clinic(text: str, clinic: dict[str, Any]) -> str:
    for value in (clinic.get("contact"), clinic.get("name")):
        if value and str(value).strip():
            text = text.replace(str(value).strip(), " ")
    return text


def files_gate(package: Package, record: OutputRecord | None) -> Gate:
    """The caption track and thumbnail are the files made with the verified clip."""
    bound = (record.data.get("files") if record is not None else None) or {}
    if not isinstance(bound, dict):
        bound = {}
    for role, path, kinds in (("caption track", package.captions, ("srt", "vtt")),
                              ("thumbnail", package.thumbnail, ("thumbnail",))):
        if path is None:
            continue
        wanted = {bound.get(kind) for kind in kinds} - {None}
        if not wanted:
            return Gate("files", False, f"the {role} {path.name} is not one the clip's record knows: only files "
                                        f"made with the clip are published with it (make the clip again)")
        if file_sha256(path) not in wanted:
            return Gate("files", False, f"the {role} {path.name} changed after the clip was made (its sha256 differs "
                                        f"from the clip's record): make the clip again, or publish without it")
    return Gate("files", True, "caption track and thumbnail are the clip's own")
