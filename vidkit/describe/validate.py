"""YouTube's metadata rules, checked before anything is written or sent.

`validate_metadata` returns fixed copies of a video's `snippet` and `status` and one line per
fix, or raises BadInputError when something cannot be fixed (an unknown category, a
`publishAt` in the past, a title with nothing left). Pure: no IO, `now` is passed in.

The rules (YouTube Data API v3, see ../shared/DESIGN.md): title 1-100 characters; no `<` or
`>` in the title, description or tags; description at most 5,000 bytes of UTF-8; tags at most
500 characters counted YouTube's way (see `tags_length`); an assignable category; `publishAt`
only for private videos; `privacyStatus`, `selfDeclaredMadeForKids` and
`containsSyntheticMedia` always sent, because a missing `privacyStatus` means public.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from vidkit.errors import BadInputError

TITLE_MAX_CHARS = 100  # characters (code points)
DESCRIPTION_MAX_BYTES = 5000  # bytes of UTF-8
TAGS_MAX_CHARS = 500  # characters, counted by `tags_length`
DEFAULT_CATEGORY = "27"
# Categories a video can be put in for region US (videoCategories.list, assignable=true).
CATEGORIES = {
    "1": "Film & Animation", "2": "Autos & Vehicles", "10": "Music", "15": "Pets & Animals",
    "17": "Sports", "19": "Travel & Events", "20": "Gaming", "22": "People & Blogs", "23": "Comedy",
    "24": "Entertainment", "25": "News & Politics", "26": "Howto & Style", "27": "Education",
    "28": "Science & Technology", "29": "Nonprofits & Activism",
}
PRIVACY_STATUSES = ("private", "unlisted", "public")
DEFAULT_PRIVACY = "private"
FLAGS = ("selfDeclaredMadeForKids", "containsSyntheticMedia")

_BRACKETS = re.compile(r"[<>]")
_SPACES = re.compile(r"\s+")
# A cut may fall back this far (share of the limit) to reach a line break instead of a space.
_LINE_BREAK_REACH = 0.2


def tags_length(tags: Sequence[str]) -> int:
    """Characters YouTube counts for `tags`: each tag's length, one per comma between tags, and
    two more for a tag holding a space (YouTube puts it in quotes)."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def trim_title(title: str, limit: int = TITLE_MAX_CHARS) -> str:
    """At most `limit` characters, cut at the last space that fits (mid-word only when a
    single word is longer than the limit); nothing is added."""
    if len(title) <= limit:
        return title
    cut = title[:limit]
    if title[limit].isspace():
        return cut.rstrip()
    head = cut.rsplit(None, 1)[0] if any(c.isspace() for c in cut) else cut
    return head.rstrip() or cut


def trim_utf8(text: str, limit: int = DESCRIPTION_MAX_BYTES) -> str:
    """At most `limit` bytes of UTF-8, never splitting a character: cut at a line break near
    the limit, else at the last space, else (one huge word) at the last whole character."""
    if utf8_length(text) <= limit:
        return text
    cut = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    if text[len(cut)].isspace():
        return cut.rstrip()
    line = cut.rfind("\n")
    if line > 0 and utf8_length(cut[:line]) >= limit * (1 - _LINE_BREAK_REACH):
        return cut[:line].rstrip()
    space = max(cut.rfind(" "), cut.rfind("\t"), line)
    return cut[:space].rstrip() if space > 0 else cut


def _no_brackets(text: str, where: str, fixes: list[str]) -> str:
    found = len(_BRACKETS.findall(text))
    if found:
        fixes.append(f"{where}: removed {found} angle bracket{'s' if found > 1 else ''} (< >), which YouTube refuses")
    return _BRACKETS.sub("", text)


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInputError(f"{where} must be text, not {type(value).__name__}")
    return value


def _title(value: Any, fixes: list[str]) -> str:
    raw = _text(value, "the title")
    title = _no_brackets(raw, "title", fixes)
    single = _SPACES.sub(" ", title).strip()
    if single != title.strip():
        fixes.append("title: line breaks and repeated spaces became single spaces")
    if len(single) > TITLE_MAX_CHARS:
        trimmed = trim_title(single)
        fixes.append(f"title: cut from {len(single)} to {len(trimmed)} characters at a word boundary "
                     f"(YouTube allows {TITLE_MAX_CHARS})")
        single = trimmed
    if not single:
        raise BadInputError("the title is empty" + (" once the angle brackets are removed" if raw.strip() else "")
                            + ": give a title with --title or in the template's title block")
    return single


def _description(value: Any, fixes: list[str]) -> str:
    description = _no_brackets(_text(value, "the description"), "description", fixes)
    size = utf8_length(description)
    if size > DESCRIPTION_MAX_BYTES:
        description = trim_utf8(description)
        fixes.append(f"description: cut from {size} to {utf8_length(description)} bytes at a word or "
                     f"line boundary (YouTube allows {DESCRIPTION_MAX_BYTES} bytes of UTF-8)")
    return description


def _tags(value: Any, fixes: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise BadInputError("tags must be a list of words or phrases")
    tags: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(value, 1):
        tag = _no_brackets(_text(raw, f"tag {number}"), f"tag {raw!r}", fixes)
        if "," in tag:
            fixes.append(f"tag {tag!r}: commas removed (YouTube reads a comma as the end of a tag)")
            tag = tag.replace(",", " ")
        tag = _SPACES.sub(" ", tag).strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    dropped = []
    while tags and tags_length(tags) > TAGS_MAX_CHARS:
        dropped.insert(0, tags.pop())
    if dropped:
        fixes.append(f"tags: dropped {', '.join(repr(t) for t in dropped)} to fit YouTube's "
                     f"{TAGS_MAX_CHARS} characters (a tag with a space counts 2 more, each comma 1)")
    return tags


def _category(value: Any, fixes: list[str]) -> str:
    if value is None or value == "":
        fixes.append(f"categoryId: not given, set to {DEFAULT_CATEGORY} ({CATEGORIES[DEFAULT_CATEGORY]})")
        return DEFAULT_CATEGORY
    category = str(value).strip()
    if isinstance(value, bool) or category not in CATEGORIES:
        known = ", ".join(f"{k} {v}" for k, v in CATEGORIES.items())
        raise BadInputError(f"category {value!r} cannot be assigned to a video; use one of: {known}")
    return category


def parse_time(value: str) -> datetime:
    """An ISO 8601 date-time with a time zone ("2027-01-31T09:00:00Z", "...+01:00"), as UTC."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadInputError(f"publishAt {value!r} is not an ISO 8601 date-time; write it like "
                            f"2027-01-31T09:00:00Z") from None
    if moment.tzinfo is None:
        raise BadInputError(f"publishAt {value!r} has no time zone; add Z (UTC) or an offset like +01:00")
    return moment.astimezone(timezone.utc)


def _status(status: dict[str, Any], now: datetime | None, fixes: list[str]) -> dict[str, Any]:
    fixed = dict(status)
    privacy = fixed.get("privacyStatus")
    if privacy in (None, ""):
        fixes.append(f"privacyStatus: not given, set to {DEFAULT_PRIVACY} (YouTube would make it public)")
        privacy = DEFAULT_PRIVACY
    if privacy not in PRIVACY_STATUSES:
        raise BadInputError(f"privacyStatus {privacy!r} is not one of {', '.join(PRIVACY_STATUSES)}")
    fixed["privacyStatus"] = privacy
    for flag in FLAGS:
        value = fixed.get(flag)
        if value is None:
            fixes.append(f"{flag}: not given, set to false")
            value = False
        if not isinstance(value, bool):
            raise BadInputError(f"{flag} must be true or false, not {value!r}")
        fixed[flag] = value
    publish_at = fixed.get("publishAt")
    if publish_at not in (None, ""):
        if privacy != "private":
            raise BadInputError(f"publishAt needs privacyStatus private (YouTube makes the video public at "
                                f"that time), not {privacy}; drop publishAt or keep the video private")
        if not isinstance(publish_at, str):
            raise BadInputError(f"publishAt must be an ISO 8601 date-time text, not {publish_at!r}")
        moment = parse_time(publish_at)
        now = now or datetime.now(timezone.utc)
        if moment <= now:
            raise BadInputError(f"publishAt {publish_at} is not in the future (it is now "
                                f"{now.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}); choose a later time")
        fixed["publishAt"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif "publishAt" in fixed:
        fixed["publishAt"] = None
    return fixed


def validate_metadata(snippet: dict[str, Any], status: dict[str, Any], *,
                      now: datetime | None = None) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Fixed copies of `snippet` and `status` and the fixes made, one human-readable line each.

    Fixed: angle brackets removed, the title cut at a word boundary, the description cut to
    5,000 bytes at a line or word boundary, tags deduplicated and dropped from the end to fit,
    defaults filled in (category 27, private, both flags false). Refused with BadInputError:
    an empty title, an unknown category or privacy status, a flag that is not a boolean, and a
    `publishAt` that is unparsable, without a time zone, not in the future (relative to `now`,
    default the current time) or set on a video that is not private."""
    fixes: list[str] = []
    fixed_snippet = dict(snippet)
    fixed_snippet["title"] = _title(snippet.get("title"), fixes)
    fixed_snippet["description"] = _description(snippet.get("description"), fixes)
    fixed_snippet["tags"] = _tags(snippet.get("tags"), fixes)
    fixed_snippet["categoryId"] = _category(snippet.get("categoryId"), fixes)
    return fixed_snippet, _status(status, now, fixes), fixes
