"""What one publish sends: the `<clip stem>.upload.json` from `vidkit describe` and its files.

`vidkit publish` takes the clip video (its `<stem>.upload.json` is looked up beside it) or the
upload.json itself; file names inside are relative to the upload.json's folder. The metadata is
checked with `vidkit.describe.validate` before anything is sent, and the privacy settings of the
publish command (not of the file) decide what YouTube is told: private unless asked otherwise.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vidkit import artifacts
from vidkit.errors import BadInputError

UPLOAD_SCHEMA = "vidkit.upload/1"
UPLOAD_SUFFIX = artifacts.UPLOAD
SNIPPET_KEYS = ("title", "description", "tags", "categoryId", "defaultLanguage", "defaultAudioLanguage")
STATUS_KEYS = ("privacyStatus", "selfDeclaredMadeForKids", "containsSyntheticMedia", "publishAt")
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "de": "Deutsch", "fr": "Français", "es": "Español",
                  "it": "Italiano", "pt": "Português", "da": "Dansk", "sv": "Svenska", "no": "Norsk"}


@dataclass
class Package:
    upload_json: Path
    video: Path
    captions: Path | None
    thumbnail: Path | None
    clip_record: Path | None
    declared_sha256: str | None
    snippet: dict[str, Any]
    status: dict[str, Any]
    subjects: list[str]
    data: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def language(self) -> str:
        return str(self.snippet.get("defaultLanguage") or self.snippet.get("defaultAudioLanguage") or "en")


def find_upload_json(target: Path) -> Path:
    """`target` itself when it is an upload.json, else `<stem>.upload.json` beside the video."""
    target = Path(target)
    if target.name.endswith(UPLOAD_SUFFIX):
        if not target.is_file():
            raise BadInputError(f"{target} does not exist: run `vidkit describe CLIP` to write it")
        return target
    if not target.is_file():
        raise BadInputError(f"{target} does not exist: give a clip video or its .upload.json")
    found = target.with_name(target.stem + UPLOAD_SUFFIX)
    if not found.is_file():
        raise BadInputError(f"no {found.name} beside {target.name}: run `vidkit describe {target}` first "
                            f"(or give the .upload.json path)")
    return found


def load_package(target: Path) -> Package:
    path = find_upload_json(target)
    from vidkit.records import RecordError, UploadDescription

    try:
        data = UploadDescription.load(path).data
    except RecordError as exc:
        raise BadInputError(f"{exc}; run `vidkit describe` again") from None
    folder = path.parent

    def file(key: str, required: bool = False) -> Path | None:
        name = data.get(key)
        if name in (None, ""):
            if required:
                raise BadInputError(f"{path.name} names no {key}")
            return None
        if not isinstance(name, str):
            raise BadInputError(f"{path.name}: {key} must be a file name")
        found = folder / name
        if not found.is_file():
            raise BadInputError(f"{path.name} names the {key} file {name}, which does not exist next to it")
        return found

    snippet, status = data.get("snippet"), data.get("status")
    if not isinstance(snippet, dict) or not isinstance(status, dict):
        raise BadInputError(f"{path.name} has no snippet/status objects: run `vidkit describe` again")
    subjects = data.get("subjects") or []
    if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
        raise BadInputError(f"{path.name}: subjects must be a list of ids")
    return Package(upload_json=path, video=file("video", required=True), captions=file("captions"),
                   thumbnail=file("thumbnail"), clip_record=file("clip_record"),
                   declared_sha256=data.get("video_sha256"), snippet=snippet, status=status,
                   subjects=list(subjects), data=data)


def record_subjects(package: Package) -> list[str]:
    """Subjects named in the clip record too: an upload.json edited by hand cannot drop them."""
    if package.clip_record is None:
        return []
    try:
        data = json.loads(package.clip_record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []  # the privacy gate reports an unreadable record
    subjects = data.get("subjects") if isinstance(data, dict) else None
    return [s for s in subjects if isinstance(s, str)] if isinstance(subjects, list) else []


def mimetype(path: Path, default: str) -> str:
    return mimetypes.guess_type(path.name)[0] or default


def video_body(package: Package, *, privacy: str | None, publish_at: str | None,
               now: datetime | None = None) -> tuple[dict[str, Any], list[str]]:
    """The videos.insert body (snippet + status) and the notes/fixes made on the way.

    privacyStatus comes from `privacy` (the --privacy flag), default private: an upload.json
    asking for unlisted/public or a publishAt is not followed without the flag saying so."""
    from vidkit.describe.validate import validate_metadata

    notes: list[str] = []
    wanted = package.status.get("privacyStatus")
    if privacy is None and wanted not in (None, "", "private"):
        notes.append(f"{package.upload_json.name} asks for {wanted}; sent as private "
                     f"(pass --privacy {wanted} to publish it that way)")
    if publish_at is None and package.status.get("publishAt"):
        notes.append(f"{package.upload_json.name} has publishAt {package.status['publishAt']}; not sent "
                     f"(pass --publish-at to schedule the video)")
    status = {key: package.status.get(key) for key in STATUS_KEYS}
    status["privacyStatus"] = privacy or "private"
    status["publishAt"] = publish_at
    snippet = {key: package.snippet.get(key) for key in SNIPPET_KEYS}
    snippet, status, fixes = validate_metadata(snippet, status, now=now)
    snippet = {key: value for key, value in snippet.items() if value not in (None, "")}
    status = {key: value for key, value in status.items() if key in STATUS_KEYS and value is not None}
    return {"snippet": snippet, "status": status}, notes + fixes


def caption_body(video_id: str, language: str) -> dict[str, Any]:
    name = LANGUAGE_NAMES.get(language.split("-")[0].lower(), language)
    return {"snippet": {"videoId": video_id, "language": language, "name": name, "isDraft": False}}


def playlist_body(playlist_id: str, video_id: str) -> dict[str, Any]:
    return {"snippet": {"playlistId": playlist_id, "resourceId": {"kind": "youtube#video", "videoId": video_id}}}
