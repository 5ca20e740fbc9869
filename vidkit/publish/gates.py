"""The gates a clip must pass before anything is sent to YouTube. They fail closed.

- privacy: a privacy report (the clip's `.clip.json`, or `vidkit blur`'s `.privacy.json`) must
  exist, be about this very file (its sha256) and say `verified: true`; `--allow-unverified`
  lets an unverified clip through and is recorded in the ledger; a video made with
  `blur --keep-track` is verified except the kept faces, so its people need consent;
- consent: every subject declared for the clip (upload.json "subjects" or `--subject`) needs a
  consent for scope youtube that is neither revoked nor expired; no subjects at all is refused
  unless `--no-subjects` says that nobody identifiable is in it (also recorded);
- metadata: the video's container may carry only technical tags (no creation time, GPS,
  device, title...), the thumbnail no EXIF; the title and description must not contain the
  source recording's file name stem (it may name a patient; a stem that is one everyday word,
  like "session", is not looked for).
The gates on words (redaction, the texts sent, the bound caption and thumbnail files) are in
`vidkit.publish.word_gates`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidkit.artifacts import CLIP_RECORD, PRIVACY_REPORT, PUBLISH, beside, record_of, source_stem
from vidkit.records import ClipRecord, PrivacyReport, PublishRecord, Record, RecordError, load_record
from vidkit.publish.ledger import Ledger
from vidkit.publish.package import Package

SCOPE = "youtube"

# Container tags that say nothing about who, where or when (PyAV format and stream metadata).
_TECHNICAL_TAGS = {"major_brand", "minor_version", "compatible_brands", "language", "handler_name",
                   "vendor_id", "encoder", "rotate", "duration"}
_GENERIC_HANDLERS = {"", "VideoHandler", "SoundHandler", "SubtitleHandler", "Core Media Video",
                     "Core Media Audio", "ISO Media file produced by Google Inc."}
# Names vidkit gives its outputs after the source's stem: session.clip01.mp4, session.blurred.mp4,
# session.publish.mp4.
_MIN_STEM_CHARS = 4  # shorter stems ("a", "v1") would match ordinary words


@dataclass(frozen=True)
class Gate:
    name: str
    ok: bool
    detail: str
    override: str | None = None  # recorded in the ledger when a flag let the clip through

    def to_dict(self) -> dict[str, Any]:
        return {"gate": self.name, "ok": self.ok, "detail": self.detail, "override": self.override}


@dataclass(frozen=True)
class OutputRecord:
    """The record vidkit wrote for the video: a clip's `.clip.json`, render's `.publish.json`
    (read like a clip's) or blur's `.privacy.json`."""

    record: Record

    @property
    def path(self) -> Path:
        assert self.record.path is not None
        return self.record.path

    @property
    def kind(self) -> str:
        return "blur" if isinstance(self.record, PrivacyReport) else "clip"  # clips and renders

    @property
    def data(self) -> dict[str, Any]:
        return self.record.data

    @property
    def kept_tracks(self) -> list[int]:
        """Faces left unmasked on purpose (`blur --keep-track`)."""
        return self.record.kept_tracks if isinstance(self.record, PrivacyReport) else []


def find_record(package: Package, sha256: str) -> tuple[OutputRecord | None, str | None]:
    """(the record about this very file, None) or (None, what is wrong)."""
    video = package.video
    candidates = [package.clip_record] if package.clip_record is not None else []
    candidates += [record_of(video), beside(video, CLIP_RECORD), beside(video, PRIVACY_REPORT),
                   video.with_name(source_stem(video) + PRIVACY_REPORT)]
    seen: set[Path] = set()
    mismatched = None
    for path in candidates:
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:  # a record that is not what its schema says is refused, not half-read
            record = load_record(path)
        except RecordError as exc:
            return None, f"the privacy report is unusable: {exc}"
        if not isinstance(record, (ClipRecord, PublishRecord, PrivacyReport)):
            return None, f"{path.name} is not a privacy report ({record.schema})"
        if record.video_sha256 != sha256:
            mismatched = path.name
            continue
        return OutputRecord(record), None
    if mismatched:
        return None, f"the privacy report {mismatched} is about another file (its sha256 differs from this video)"
    render = f"{video.stem}.json, " if video.stem.endswith(PUBLISH) else ""
    return None, f"no privacy report for {video.name} (looked for {render}{video.stem}.clip.json and .privacy.json)"


def privacy_gate(record: OutputRecord | None, problem: str | None, allow_unverified: bool) -> Gate:
    problem = problem or _privacy_problem(record)
    if problem is None:
        assert record is not None
        kept = record.kept_tracks
        if kept:
            return Gate("privacy", True, f"faces masked and verified except the kept track(s) "
                                         f"{', '.join(map(str, kept))}, shown on purpose ({record.path.name})")
        return Gate("privacy", True, f"faces masked and verified ({record.path.name})")
    if allow_unverified:
        return Gate("privacy", True, f"{problem}; let through by --allow-unverified", override="allow-unverified")
    return Gate("privacy", False, f"{problem}: run `vidkit clip`/`vidkit blur` with verification, or pass "
                                  f"--allow-unverified after checking every frame yourself (it is recorded)")


def _privacy_problem(record: OutputRecord | None) -> str | None:
    assert record is not None
    data, name = record.data, record.path.name
    privacy = data.get("privacy") if record.kind == "clip" else data
    if not isinstance(privacy, dict):
        return f"{name} has no privacy result"
    if record.kind == "clip" and not privacy.get("masked"):
        return f"faces in this clip were not masked ({name}: masked false)"
    if privacy.get("verified") is not True:
        why = "verification was off" if privacy.get("verified") is None else "a face was still found"
        return f"the clip is not verified free of faces ({name}: {why})"
    return None


def consent_gate(ledger: Ledger | None, subjects: Sequence[str], no_subjects: bool, day: str,
                 kept_faces: Sequence[int] = ()) -> Gate:
    """Every subject needs a valid youtube consent on `day` (YYYY-MM-DD, local date). A video
    that shows faces on purpose (`blur --keep-track`) has someone identifiable in it."""
    if kept_faces and (no_subjects or not subjects):
        return Gate("consent", False, f"the video shows {len(kept_faces)} face(s) left unmasked with --keep-track: "
                                      f"name each person shown with --subject ID and record their consent "
                                      f"(--no-subjects cannot be true for it)")
    if no_subjects and subjects:
        return Gate("consent", False, f"--no-subjects contradicts the subjects declared ({', '.join(subjects)})")
    if not subjects:
        if no_subjects:
            return Gate("consent", True, "no subjects: --no-subjects states nobody identifiable is in the clip",
                        override="no-subjects")
        return Gate("consent", False, "no subjects are declared for this clip: name each person in it with "
                                      "--subject ID (or \"subjects\" in the upload.json), or pass --no-subjects "
                                      "to state that nobody identifiable is in it (it is recorded)")
    missing = []
    for subject in subjects:
        if ledger is None or ledger.valid_consent(subject, SCOPE, day) is None:
            missing.append(f"{subject} ({_why_no_consent(ledger, subject, day)})")
    if missing:
        return Gate("consent", False, f"no valid consent for {SCOPE} from {'; '.join(missing)}: record it with "
                                      f"`vidkit consent add --subject ID --scope {SCOPE} [--expires DATE]`")
    return Gate("consent", True, f"consent for {SCOPE} on file for {', '.join(subjects)}")


def _why_no_consent(ledger: Ledger | None, subject: str, day: str) -> str:
    found = [c for c in (ledger.consents(subject) if ledger else []) if c.scope == SCOPE]
    if not found:
        return "none recorded"
    if all(c.revoked_at for c in found):
        return "revoked"
    expired = [c.expires for c in found if not c.revoked_at and c.expires and c.expires < day]
    return f"expired on {max(expired)}" if expired else "not valid"


def metadata_gate(package: Package, snippet: dict[str, Any]) -> Gate:
    problems = container_tags(package.video)
    if problems:
        return Gate("metadata", False, f"{package.video.name} still carries identifying metadata "
                                       f"({', '.join(problems)}): upload only vidkit outputs, which strip it")
    thumbnail_problem = _thumbnail_problem(package.thumbnail) if package.thumbnail is not None else None
    if thumbnail_problem:
        return Gate("metadata", False, f"the thumbnail {package.thumbnail.name} {thumbnail_problem}: "
                                       f"make it again with `vidkit clip`")
    text = f"{snippet.get('title', '')}\n{snippet.get('description', '')}".casefold()
    for stem in {source_stem(package.video), package.video.stem}:
        if _telling(stem) and stem.casefold() in text:
            return Gate("metadata", False, f"the title or description contains the recording's file name "
                                           f"{stem!r}, which may identify a patient: edit the upload.json")
    return Gate("metadata", True, "no identifying container tags; no file name in the title or description")


def _telling(stem: str) -> bool:
    """A stem worth looking for: long enough, and not one everyday word ("session", "walk")."""
    from vidkit.privacy.common_words import COMMON_WORDS

    return len(stem) >= _MIN_STEM_CHARS and stem.casefold() not in COMMON_WORDS


def container_tags(video: Path) -> list[str]:
    """Names of format/stream tags that may identify a person, place, time or device."""
    import av

    found: list[str] = []
    try:
        with av.open(str(video), metadata_errors="ignore") as container:
            tagged = [("format", container.metadata)] + [(f"stream {s.index}", s.metadata) for s in container.streams]
    except av.FFmpegError as exc:
        return [f"unreadable video: {exc}"]
    for where, tags in tagged:
        for key, value in tags.items():
            if _identifying(key, str(value)):
                found.append(f"{where}: {key}")
    return found


def _identifying(key: str, value: str) -> bool:
    name = key.lower()
    if name not in _TECHNICAL_TAGS:
        return True  # creation_time, location, com.apple.*, title, make, model, comment, ...
    if name == "encoder":
        return not value.startswith(("Lavf", "Lavc", "Lavc libx264"))
    if name == "handler_name":
        return value not in _GENERIC_HANDLERS
    return False


def _thumbnail_problem(image: Path) -> str | None:
    from PIL import Image

    try:
        with Image.open(image) as picture:
            if len(picture.getexif()) > 0 or "exif" in picture.info:
                return "carries EXIF metadata"
    except OSError:
        return "is not a readable image"
    return None
