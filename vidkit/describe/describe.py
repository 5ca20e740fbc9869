"""`vidkit describe CLIP`: the YouTube metadata of a clip, as `<clip stem>.upload.json`.

Reads the files `vidkit clip` wrote beside the video (`X.clip01.mp4` → `X.clip01.transcript.json`,
`.srt`, `.jpg`, `.clip.json`; any video with a `<stem>.transcript.json` works), redacts the
transcript, summarises it (offline, or through `--llm`), finds key terms and chapters, fills a
description template, validates the result as YouTube would and writes it atomically.
Nothing is sent anywhere except the redacted text to an `--llm` endpoint the user names.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.records import UploadDescription
from vidkit.text.sentences import Sentence, split_sentences
from vidkit.config import Settings
from vidkit.describe import keywords, llm
from vidkit.describe.chapters import chapter_lines, make_chapters, segment_title
from vidkit.describe.summary import summarize
from vidkit.describe.templates import Rendered, boilerplate, check_boilerplate, find_template, render
from vidkit.describe.validate import validate_metadata
from vidkit.errors import BadInputError
from vidkit.media import probe
from vidkit.transcript import Transcript, load_transcript

log = logging.getLogger(__name__)

UPLOAD_SCHEMA = "vidkit.upload/1"
UPLOAD_SUFFIX = artifacts.UPLOAD
TRANSCRIPT_SUFFIX = artifacts.TRANSCRIPT
RECORD_SUFFIX = artifacts.CLIP_RECORD
SHORTS_MAX_SECONDS = 180.0  # as vidkit.pipeline.clip_render: longer vertical videos are not Shorts
TITLE_TERMS = 3
# Pseudonymous subject ids as `vidkit clip --subject` takes them: letters, digits, . _ - (no spaces).
_SUBJECT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class ClipFiles:
    """The files of one clip, found beside its video; None when absent."""

    video: Path
    transcript: Path | None
    captions: Path | None
    thumbnail: Path | None
    record: Path | None


@dataclass
class DescribeResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    upload: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def clip_files(video: Path) -> ClipFiles:
    """The transcript, SRT captions, JPEG thumbnail and clip record named after `video`'s stem."""
    video = Path(video)

    def beside(suffix: str) -> Path | None:
        path = video.with_name(video.stem + suffix)
        return path if path.is_file() else None

    # `vidkit render` names its record after the video: X.publish.mp4 -> X.publish.json
    record = beside(RECORD_SUFFIX) or (beside(".json") if video.stem.endswith(artifacts.PUBLISH) else None)
    return ClipFiles(video, beside(TRANSCRIPT_SUFFIX), beside(".srt"), beside(".jpg"), record)


def read_record(path: Path | None) -> dict[str, Any]:
    """A `.clip.json` record (or render's `.publish.json`, read alike) as a dict ({} when there is none)."""
    from vidkit.records import ClipRecord, PublishRecord, RecordError, load_record

    if path is None:
        return {}
    try:
        record = load_record(path)
    except RecordError as exc:
        raise BadInputError(f"{exc} (a vidkit clip record: make the clip again)") from None
    if not isinstance(record, (ClipRecord, PublishRecord)):
        raise BadInputError(f"{path.name} is not a vidkit clip record (schema vidkit.clip/...)")
    return record.data


def redacted_transcript(transcript: Transcript, settings: Settings) -> Transcript:
    """Roster names (when a roster is configured) and phone numbers, dates of birth and record
    numbers taken out before any text is summarised, shown or sent."""
    from vidkit.privacy.redact import redact_transcript
    from vidkit.privacy.roster import Roster

    roster = _roster(settings) or Roster(())
    return redact_transcript(transcript, roster)[0]


def _roster(settings: Settings):
    if not settings.get("privacy", "roster"):
        return None
    from vidkit.privacy.options import privacy_options

    return privacy_options(settings).roster


def _check_title(text: str | None, video: Path, roster, what: str) -> None:
    """A title (--title, the clip's, the --llm one) is sent to YouTube: see `refuse_title`."""
    from vidkit.artifacts import source_stem
    from vidkit.privacy.identifying import refuse_title

    refuse_title(text, source_stem(video), roster, what)


def check_subjects(subjects: Sequence[str], roster) -> list[str]:
    """Subject ids, deduplicated in order; refused when one is not a pseudonymous id or holds a
    roster name (the id travels with the upload record)."""
    from vidkit.privacy.names import fold

    ids = list(dict.fromkeys(s.strip() for s in subjects if s and s.strip()))
    for subject in ids:
        if not _SUBJECT_ID.match(subject):
            raise BadInputError("a subject must be a pseudonymous code such as P017 (letters, digits, . _ -, "
                                "no spaces), never a name")
        if roster is not None:
            folded = fold(subject)
            parts = {fold(p) for person in roster.people for name in person.names for p in name.split()}
            if any(len(p) >= 3 and p in folded for p in parts):
                raise BadInputError("a subject id holds a name from the roster; use a pseudonymous code such as P017")
    return ids


def topic_title(terms: Sequence[str], sentences: Sequence[Sentence], skip: set[str] = frozenset()) -> str:
    """A title from the first key terms ("Gait, step length and balance"), else the first
    words said (without the names in `skip`); never from a file name."""
    chosen = list(terms[:TITLE_TERMS])
    if chosen:
        text = chosen[0] if len(chosen) == 1 else ", ".join(chosen[:-1]) + " and " + chosen[-1]
        return text[:1].upper() + text[1:]
    if sentences:
        return segment_title(sentences[:1], (), set(), skip)
    raise BadInputError("nothing to make a title from: the transcript has no words; give one with --title")


def _is_short(record: dict[str, Any], info) -> bool:
    if record.get("aspect"):
        vertical = record["aspect"] == "9:16"
    else:
        width, height = info.video.display_size
        vertical = height > width
    return vertical and info.duration <= SHORTS_MAX_SECONDS + 1e-6


def _relative(path: Path | None, folder: Path) -> str | None:
    if path is None:
        return None
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(folder))).as_posix()


def _text_proposal(sentences: Sequence[Sentence], text: str, section: dict[str, Any], llm_url: str | None,
                   language: str, warnings: list[str], *, roster) -> tuple[list[str], str, str | None]:
    """(summary sentences, "extractive" or "llm", the LLM's title or None). The LLM sees only
    `text`, which is already redacted; any failure of it falls back with a warning. Its reply
    is redacted with `roster` and the number rules too: a model may echo or invent a name."""
    summary = summarize(sentences, section["summary_sentences"])
    llm_url = llm_url or section["llm_url"] or None
    if not llm_url:
        return summary, "extractive", None
    llm.completions_url(llm_url)  # a malformed address is the user's to fix, not a fallback
    try:
        proposal = llm.propose(llm_url, text, model=section["llm_model"], timeout=section["llm_timeout"],
                               language=language or "en")
    except llm.LlmError as exc:
        warnings.append(f"--llm: {exc}; used the offline summary instead")
        log.warning("%s", warnings[-1])
        return summary, "extractive", None
    proposal, hidden = llm.redact_proposal(proposal, roster)
    if hidden:
        warnings.append(f"--llm: the model's title or summary held {hidden} name(s) or identifying number(s); "
                        "they are redacted, check the wording")
    return proposal.summary, "llm", proposal.title


def _check_inputs(files: ClipFiles, clinic: dict[str, Any]) -> None:
    if not files.video.is_file():
        raise BadInputError(f"video not found: {files.video}")
    if files.transcript is None:
        raise BadInputError(f"no transcript beside {files.video.name} (looked for {files.video.stem}{TRANSCRIPT_SUFFIX}); "
                            f"run vidkit transcribe or vidkit clip first")
    if not clinic["disclaimer"].strip():
        raise BadInputError("clinic.disclaimer is empty: every description must say the video is educational "
                            "and not medical advice; set it in vidkit.toml [clinic]")


def describe_clip(clip_video: Path, settings: Settings, *, template: str | None = None, llm_url: str | None = None,
                  subjects: Sequence[str] = (), title: str | None = None, out_dir: Path | None = None,
                  now: datetime | None = None) -> DescribeResult:
    """Write `<clip stem>.upload.json` (schema "vidkit.upload/1") for `clip_video` into `out_dir`
    (default: beside the clip) and return it with a summary for the CLI. `template` is a name
    or a .j2 path (default: `describe.template`, else "short" for a Short, else "default");
    `title` overrides the proposed title; `now` is for testing `publishAt` checks."""
    from vidkit.hashing import file_sha256
    from vidkit.transcribe.glossary import load_glossary

    files = clip_files(clip_video)
    section, clinic = settings.section("describe"), settings.section("clinic")
    _check_inputs(files, clinic)
    record = read_record(files.record)
    info = probe(files.video)
    if info.video is None:
        raise BadInputError(f"{files.video.name} has no video stream: YouTube takes videos")
    roster = _roster(settings)
    if roster is None:
        raise BadInputError("describe needs the roster (--roster FILE or privacy.roster in vidkit.toml): the "
                            "description is made from what was said, and names in it must be redacted")
    from vidkit.privacy.identifying import refuse_named_file

    refuse_named_file(files.video.name, roster, "the clip's file name")  # upload.json names it
    _check_title(title, files.video, roster, "--title")
    recorded = record.get("subjects") or []
    if not isinstance(recorded, list) or not all(isinstance(s, str) for s in recorded):
        raise BadInputError(f"{files.record.name if files.record else 'the clip record'}: subjects must be a list of ids")
    subject_ids = check_subjects([*recorded, *subjects], roster)
    original = load_transcript(files.transcript)
    from vidkit.origin import refuse_other_transcript

    refuse_other_transcript(original.provenance, files.transcript, files.video,
                            f"make the clip again with vidkit clip, or delete it and run vidkit transcribe "
                            f"on {files.video.name}")
    warnings: list[str] = []
    transcript = redacted_transcript(original, settings)
    sentences = split_sentences(transcript)
    text = " ".join(s.text for s in sentences)
    glossary = load_glossary(settings.get("transcribe", "glossary"))
    unknown = keywords.unknown_names(text, glossary)  # never titles, tags or hashtags
    terms = keywords.key_terms(text, glossary, skip=unknown)
    summary, source, proposed_title = _text_proposal(sentences, text, section, llm_url, transcript.language, warnings,
                                                     roster=roster)
    if proposed_title:
        _check_title(proposed_title, files.video, roster, "the title the --llm endpoint proposed")
    _check_title(str(record.get("title") or ""), files.video, roster, "the clip's --title")
    # A branded clip starts with its intro card: chapters are times in the video as published.
    lead = float(record.get("intro_seconds") or 0.0)
    timed = [replace(s, start=s.start + lead, end=s.end + lead) for s in sentences] if lead else sentences
    chapters, chapters_note = make_chapters(timed, info.duration, glossary, section["chapter_min_seconds"],
                                            skip=unknown)
    short = _is_short(record, info)
    template_path = find_template(template or section["template"] or ("short" if short else "default"))
    ending = boilerplate(clinic)
    lines = chapter_lines(chapters)
    context = {
        # --title, else the title given to `vidkit clip --title`, else a proposal
        "title": (title or "").strip() or str(record.get("title") or "").strip() or proposed_title
                 or topic_title(terms, sentences, unknown),
        "summary": summary, "key_terms": terms, "tags": keywords.make_tags(terms, section["tags"]),
        "hashtags": keywords.make_hashtags(terms), "chapters": lines, "clinic": clinic,
        "boilerplate": ending, "duration": round(info.duration, 3), "short": short,
        "language": transcript.language,
    }
    rendered = render(template_path, context)
    check_boilerplate(rendered, ending)
    if lines and not all(line in rendered.description.splitlines() for line in lines):
        chapters, chapters_note = [], f"the {rendered.template} template lists no chapters"
    language = section["language"] or transcript.language or None
    snippet, status, fixes = validate_metadata(
        {"title": rendered.title, "description": rendered.description, "tags": context["tags"],
         "categoryId": section["category"], "defaultLanguage": language, "defaultAudioLanguage": transcript.language or None},
        {"privacyStatus": "private", "selfDeclaredMadeForKids": section["made_for_kids"],
         "containsSyntheticMedia": section["synthetic_media"], "publishAt": None},
        now=now)
    # Validation cuts an over-long description from the end: never through the disclaimer.
    check_boilerplate(Rendered(rendered.template, snippet["title"], snippet["description"]), ending)
    if not clinic["name"].strip():
        warnings.append("clinic.name is not set (vidkit.toml [clinic]): the description names no clinic")
    folder = Path(out_dir) if out_dir else files.video.parent
    upload = {
        "schema": UPLOAD_SCHEMA,
        "video": _relative(files.video, folder),
        "captions": _relative(files.captions, folder),
        "thumbnail": _relative(files.thumbnail, folder),
        "clip_record": _relative(files.record, folder),
        "video_sha256": file_sha256(files.video),
        "snippet": snippet,
        "status": status,
        "chapters": [{"start": c.start, "title": c.title} for c in chapters],
        "subjects": subject_ids,
        "privacy": record.get("privacy"),
        "fixes": fixes,
        "template": rendered.template,
        "summary_source": source,
    }
    path = UploadDescription(upload).save(folder / f"{files.video.stem}{UPLOAD_SUFFIX}")
    summary_out = {"title": snippet["title"], "tags": snippet["tags"], "hashtags": context["hashtags"],
                   "chapters": chapter_lines(chapters), "chapters_note": chapters_note, "fixes": fixes,
                   "template": rendered.template, "summary_source": source, "subjects": subject_ids,
                   "short": short, "warnings": warnings}
    return DescribeResult({"upload": path}, upload, summary_out)
