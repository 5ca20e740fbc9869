"""The JSON records vidkit writes beside its outputs, one typed class per kind, with a schema
version, load/save and validation used by the writers, the readers, the gates and the tests.

| class             | file                         | schema              |
|-------------------|------------------------------|---------------------|
| ClipRecord        | `<stem>.clipNN.clip.json`    | vidkit.clip/3       |
| PublishRecord     | `<stem>.publish.json`        | vidkit.publish/1    |
| PrivacyReport     | `<stem>.privacy.json`        | vidkit.privacy/1    |
| RedactionReport   | `<stem>.redaction.json`      | vidkit.redaction/1  |
| CandidatesRecord  | `<stem>.clips.json`          | vidkit.clips/1      |
| UploadDescription | `<clip stem>.upload.json`    | vidkit.upload/1     |

A record of an older version of the same kind is read (its missing fields are absent); a newer
major version is refused ("made by a newer vidkit"). Records never hold file names of
recordings or roster text: recordings are named by sha256.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from vidkit.errors import BadInputError


class RecordError(BadInputError):
    """A record file is unreadable, of another kind, or not what its schema says."""


@dataclass
class Record:
    """A record's data (as written) and where it was read from."""

    KIND: ClassVar[str]  # "vidkit.clip"
    VERSION: ClassVar[int]  # the version this vidkit writes
    # key -> type(s) every record of this kind has (checked on load and before save)
    REQUIRED: ClassVar[dict[str, type | tuple[type, ...]]] = {}

    data: dict[str, Any]
    path: Path | None = field(default=None, compare=False)

    @property
    def schema(self) -> str:
        return f"{self.KIND}/{self.VERSION}"

    @classmethod
    def new(cls, **data: Any) -> Record:
        record = cls({"schema": f"{cls.KIND}/{cls.VERSION}", **data})
        record.validate()
        return record

    @classmethod
    def load(cls, path: Path) -> Record:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RecordError(f"{path.name} is not a readable record ({exc}); make it again") from None
        record = cls(data if isinstance(data, dict) else {}, path)
        record.validate()
        return record

    def validate(self) -> None:
        name = self.path.name if self.path else f"a {self.KIND} record"
        schema = self.data.get("schema")
        kind, _, version = str(schema or "").partition("/")
        if kind != self.KIND or not version.isdigit():
            raise RecordError(f"{name} is not a {self.KIND} record (schema {schema!r})")
        if int(version) > self.VERSION:
            raise RecordError(f"{name} was written by a newer vidkit ({schema}; this one reads up to "
                              f"{self.schema}): upgrade vidkit")
        for key, kinds in self.REQUIRED.items():
            if key not in self.data:
                if int(version) < self.VERSION:
                    continue  # an older record may lack what was added since
                raise RecordError(f"{name} has no {key!r}: make it again")
            if not isinstance(self.data[key], kinds) or isinstance(self.data[key], bool) and bool not in _tuple(kinds):
                raise RecordError(f"{name}: {key!r} is not {_names(kinds)}")

    def save(self, path: Path) -> Path:
        """Write atomically, owner-only (records describe a session)."""
        from vidkit.media.output import write_text

        self.validate()
        self.path = Path(path)
        return write_text(self.path, json.dumps(self.data, indent=2, ensure_ascii=False) + "\n")

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _names(kinds: type | tuple[type, ...]) -> str:
    return " or ".join("null" if k is type(None) else k.__name__ for k in _tuple(kinds))


_SHA = str
_OPT = type(None)


class _VideoRecord(Record):
    """A record about one output video: it names the video by sha256 and says how its faces
    and words were made safe, and which files belong to it."""

    @property
    def video_sha256(self) -> str | None:
        return self.data.get("video_sha256")

    @property
    def privacy(self) -> dict[str, Any]:
        value = self.data.get("privacy")
        return value if isinstance(value, dict) else {}

    @property
    def words(self):
        from vidkit.privacy.spoken import WordsRecord

        return WordsRecord.from_dict(self.data.get("words"))

    @property
    def files(self) -> dict[str, str]:
        value = self.data.get("files")
        return value if isinstance(value, dict) else {}

    @property
    def subjects(self) -> list[str]:
        value = self.data.get("subjects")
        return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []


class ClipRecord(_VideoRecord):
    KIND, VERSION = "vidkit.clip", 3  # 3 added the words block and the bound files
    REQUIRED = {"index": int, "mode": str, "source": dict, "requested": dict, "actual": dict, "spans": list,
                "frames": int, "captions": int, "privacy": dict, "subjects": list, "video_sha256": _SHA,
                "words": dict, "files": dict}


class PublishRecord(_VideoRecord):
    KIND, VERSION = "vidkit.publish", 1
    REQUIRED = {"source": dict, "privacy": dict, "video_sha256": _SHA, "words": dict, "files": dict}


class PrivacyReport(_VideoRecord):
    KIND, VERSION = "vidkit.privacy", 1
    REQUIRED = {"input_sha256": _SHA, "output_sha256": _SHA, "verified": (bool, _OPT), "frames": int,
                "settings": dict, "tracks": list, "verification": dict, "words": dict}

    @property
    def video_sha256(self) -> str | None:
        return self.data.get("output_sha256")

    @property
    def privacy(self) -> dict[str, Any]:
        return {"masked": True, "verified": self.data.get("verified")}

    @property
    def kept_tracks(self) -> list[int]:
        kept = (self.data.get("settings") or {}).get("kept_tracks")
        return [k for k in kept if isinstance(k, int)] if isinstance(kept, list) else []


class RedactionReport(Record):
    KIND, VERSION = "vidkit.redaction", 1
    REQUIRED = {"counts": dict, "items": list}


class CandidatesRecord(Record):
    KIND, VERSION = "vidkit.clips", 1
    REQUIRED = {"source": dict, "clips": list}


class UploadDescription(Record):
    KIND, VERSION = "vidkit.upload", 1
    REQUIRED = {"video": str, "video_sha256": _SHA, "snippet": dict, "status": dict, "subjects": list}


KINDS: dict[str, type[Record]] = {cls.KIND: cls for cls in (ClipRecord, PublishRecord, PrivacyReport, RedactionReport,
                                                            CandidatesRecord, UploadDescription)}


def load_record(path: Path) -> Record:
    """Any vidkit record, as its class (by its schema)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"{path.name} is not a readable record ({exc})") from None
    kind = str(data.get("schema", "")).partition("/")[0] if isinstance(data, dict) else ""
    if kind not in KINDS:
        raise RecordError(f"{path.name} is not a vidkit record (schema {data.get('schema') if isinstance(data, dict) else None!r})")
    return KINDS[kind].load(path)
