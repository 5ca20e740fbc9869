"""YouTube's rules, as the fake in :mod:`tests.support.fake_youtube` enforces them.

Pure functions without any server state: metadata validation for ``videos.insert`` /
``videos.update``, the Google error-body format, quota costs, ``multipart/related`` parsing
and ``Content-Range`` parsing.  Kept apart so the server module stays readable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

__all__ = [
    "ASSIGNABLE_CATEGORIES", "CHUNK_GRANULARITY", "QUOTA_UNITS", "SCOPE_FORCE_SSL",
    "SCOPE_UPLOAD", "ApiError", "ContentRange", "error_body", "parse_content_range",
    "parse_multipart_related", "tags_length", "validate_video_metadata",
]

SCOPE_UPLOAD = "https://www.googleapis.com/auth/youtube.upload"
SCOPE_FORCE_SSL = "https://www.googleapis.com/auth/youtube.force-ssl"
SCOPE_YOUTUBE = "https://www.googleapis.com/auth/youtube"

# Upload chunks other than the last must be multiples of this (Google resumable protocol).
CHUNK_GRANULARITY = 256 * 1024

# videoCategories.list regionCode=US, assignable=true.
ASSIGNABLE_CATEGORIES = frozenset(
    {"1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28", "29"}
)
DEFAULT_CATEGORY = "22"  # "People & Blogs": what YouTube assigns when none is sent

# Units of the 10,000/day bucket (../shared/DESIGN.md). videos.insert has its own
# bucket of 100 calls/day and costs nothing here.
QUOTA_UNITS = {
    "videos.insert": 0,
    "captions.insert": 400,
    "thumbnails.set": 50,
    "playlistItems.insert": 50,
    "videos.update": 50,
    "videos.delete": 50,
    "captions.list": 50,
    "videos.list": 1,
}
DEFAULT_UNITS = 1

VIDEO_PARTS = frozenset({
    "id", "snippet", "status", "contentDetails", "fileDetails", "liveStreamingDetails",
    "localizations", "player", "processingDetails", "recordingDetails", "statistics",
    "suggestions", "topicDetails",
})
PRIVACY_VALUES = ("private", "unlisted", "public")

TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX_CHARS = 500


class ApiError(Exception):
    """An error response in Google's JSON format; raised by validators and handlers."""

    def __init__(self, code: int, reason: str, message: str, domain: str = "youtube.video",
                 headers: dict[str, str] | None = None):
        super().__init__(f"{code} {reason}: {message}")
        self.code, self.reason, self.message, self.domain = code, reason, message, domain
        self.headers = headers or {}

    def body(self) -> dict:
        return error_body(self.code, self.reason, self.message, self.domain)


def error_body(code: int, reason: str, message: str, domain: str = "youtube.video") -> dict:
    return {"error": {"code": code, "message": message,
                      "errors": [{"domain": domain, "reason": reason, "message": message}]}}


def bad_request(reason: str, message: str, domain: str = "youtube.video") -> ApiError:
    return ApiError(400, reason, message, domain)


def tags_length(tags: list[str]) -> int:
    """Length of a tag list as YouTube counts it against its 500-character limit.

    The tags are joined with commas, and a tag containing a space is quoted, which adds two.
    """
    if not tags:
        return 0
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + len(tags) - 1


def _check_no_brackets(value: str, reason: str, what: str) -> None:
    if "<" in value or ">" in value:
        raise bad_request(reason, f"The request metadata specifies an invalid {what}: "
                                  "'<' and '>' are not allowed.")


def validate_snippet(snippet: object, *, require_category: bool = False) -> dict:
    """Check a video snippet as YouTube does; return the snippet to store (a copy)."""
    if not isinstance(snippet, dict):
        raise bad_request("invalidVideoMetadata", "The request metadata is invalid: "
                                                  "snippet must be an object.")
    out = dict(snippet)
    title = snippet.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX_CHARS:
        raise bad_request("invalidTitle", "The request metadata specifies an invalid or empty "
                                          f"video title (1-{TITLE_MAX_CHARS} characters).")
    _check_no_brackets(title, "invalidTitle", "video title")
    description = snippet.get("description", "")
    if not isinstance(description, str):
        raise bad_request("invalidDescription", "The request metadata specifies an invalid "
                                                "video description.")
    _check_no_brackets(description, "invalidDescription", "video description")
    if len(description.encode("utf-8")) > DESCRIPTION_MAX_BYTES:
        raise bad_request("invalidDescription", "The request metadata specifies a video "
                                                f"description over {DESCRIPTION_MAX_BYTES} bytes.")
    out["description"] = description
    if "tags" in snippet:
        tags = snippet["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise bad_request("invalidTags", "The request metadata specifies invalid video "
                                             "keywords: tags must be a list of strings.")
        for tag in tags:
            _check_no_brackets(tag, "invalidTags", "video keyword")
        if tags_length(tags) > TAGS_MAX_CHARS:
            raise bad_request("invalidTags", "The request metadata specifies invalid video "
                                             f"keywords: more than {TAGS_MAX_CHARS} characters.")
    if "categoryId" in snippet:
        category = snippet["categoryId"]
        if isinstance(category, int) and not isinstance(category, bool):
            category = str(category)
        if category not in ASSIGNABLE_CATEGORIES:
            raise bad_request("invalidCategoryId", "The snippet.categoryId property specifies "
                                                   "an invalid category ID.")
        out["categoryId"] = category
    elif require_category:
        raise bad_request("invalidCategoryId", "The snippet.categoryId property is required "
                                               "when updating the snippet.")
    else:
        out["categoryId"] = DEFAULT_CATEGORY
    return out


def _parse_rfc3339(value: object) -> datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def validate_status(status: object, *, now: datetime | None = None) -> dict:
    """Check a video status as YouTube does; return the status to store (a copy)."""
    if status is None:
        status = {}
    if not isinstance(status, dict):
        raise bad_request("invalidVideoMetadata", "The request metadata is invalid: "
                                                  "status must be an object.")
    out = dict(status)
    privacy = status.get("privacyStatus", "public")  # omitted means public (YouTube's default)
    if privacy not in PRIVACY_VALUES:
        raise bad_request("invalidVideoMetadata", "The request metadata specifies an invalid "
                                                  f"privacyStatus {privacy!r}.")
    out["privacyStatus"] = privacy
    if "publishAt" in status:
        when = _parse_rfc3339(status["publishAt"])
        if privacy != "private":
            raise bad_request("invalidPublishAt", "The request metadata specifies a scheduled "
                                                  "publishing time, but the video is not private.")
        if when is None or when <= (now or datetime.now(timezone.utc)):
            raise bad_request("invalidPublishAt", "The request metadata specifies an invalid "
                                                  "scheduled publishing time.")
    for flag in ("selfDeclaredMadeForKids", "containsSyntheticMedia", "embeddable",
                 "publicStatsViewable"):
        if flag in status and not isinstance(status[flag], bool):
            raise bad_request("invalidVideoMetadata", f"status.{flag} must be a boolean.")
    if status.get("license", "youtube") not in ("youtube", "creativeCommon"):
        raise bad_request("invalidVideoMetadata", "status.license is invalid.")
    return out


def parse_parts(values: list[str], allowed: frozenset[str] = VIDEO_PARTS) -> list[str]:
    """The ``part`` parameter: comma-separated and/or repeated; unknown names are errors."""
    parts: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if not name:
                continue
            if name not in allowed:
                raise ApiError(400, "unknownPart", f"'{name}'", domain="youtube.part")
            if name not in parts:
                parts.append(name)
    if not parts:
        raise ApiError(400, "required", "Required parameter: part", domain="global")
    return parts


def validate_video_metadata(parts: list[str], metadata: object) -> tuple[dict, dict]:
    """videos.insert: return ``(snippet, status)`` to store, or raise :class:`ApiError`.

    Stricter than YouTube in one place: YouTube silently ignores resource properties whose
    part is not named in ``part`` (so a forgotten ``status`` part would make the video
    public); the fake refuses such a request with ``invalidPart`` instead.
    """
    if not isinstance(metadata, dict):
        raise bad_request("invalidVideoMetadata", "The request metadata is invalid.")
    missing = [p for p in ("snippet", "status") if p not in parts]
    if missing:
        raise bad_request("invalidPart", "part must include snippet and status (the fake is "
                                         f"stricter than YouTube here); missing {missing}",
                          domain="youtube.part")
    return validate_snippet(metadata.get("snippet")), validate_status(metadata.get("status"))


@dataclass(frozen=True)
class ContentRange:
    """``Content-Range`` of a resumable PUT: ``bytes a-b/N``, ``bytes a-b/*`` or ``bytes */N``."""

    first: int | None  # None for a status query (``bytes */N``)
    last: int | None
    total: int | None  # None when ``*``

    @property
    def is_query(self) -> bool:
        return self.first is None

    @property
    def length(self) -> int:
        return 0 if self.first is None else self.last - self.first + 1


_RANGE_RE = re.compile(r"^bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)$")


def parse_content_range(value: str | None) -> ContentRange | None:
    """Parse a ``Content-Range`` header; ``None`` when absent or malformed."""
    if value is None:
        return None
    match = _RANGE_RE.match(value.strip())
    if not match:
        return None
    first, last, total = match.groups()
    total_n = None if total == "*" else int(total)
    if first is None:
        return ContentRange(None, None, total_n)
    first_n, last_n = int(first), int(last)
    if last_n < first_n:
        return None
    return ContentRange(first_n, last_n, total_n)


def _split_headers(block: bytes) -> dict[str, str]:
    headers = {}
    for line in re.split(rb"\r?\n", block):
        if b":" in line:
            key, _, value = line.partition(b":")
            headers[key.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return headers


def parse_multipart_related(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Split a ``multipart/related`` body into ``(headers, payload)`` parts.

    googleapiclient writes LF line endings; other clients write CRLF. Both are accepted.
    Payloads are returned byte-exact (the line break before a delimiter belongs to it).
    """
    match = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not content_type.lower().startswith("multipart/related") or not match:
        raise bad_request("badContent", "Expected a multipart/related body with a boundary.",
                          domain="global")
    delimiter = b"--" + match.group(1).encode("latin-1")
    # Every delimiter starts a line: at the very start of the body or after CRLF/LF.
    pieces = re.split(rb"(?:^|\r?\n)" + re.escape(delimiter), body)
    parts = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break  # close delimiter
        piece = piece[2:] if piece.startswith(b"\r\n") else piece[1:] if piece[:1] == b"\n" else piece
        head, sep, payload = piece.partition(b"\r\n\r\n")
        if not sep or b"\n\n" in head:
            head, sep, payload = piece.partition(b"\n\n")
        if not sep:
            raise bad_request("badContent", "Malformed multipart body.", domain="global")
        parts.append((_split_headers(head), payload))
    if not parts:
        raise bad_request("badContent", "Empty multipart body.", domain="global")
    return parts


def parse_json_body(body: bytes) -> object:
    if not body.strip():
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "parseError", "Parse Error", domain="global") from None


def image_type(data: bytes) -> str | None:
    """``"image/jpeg"`` / ``"image/png"`` by magic bytes, else ``None``."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None
