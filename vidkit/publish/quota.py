"""YouTube quota, counted locally so vidkit refuses before YouTube does.

Two buckets per Pacific day (YouTube resets both at midnight America/Los_Angeles):
`uploads` (videos.insert calls, 100/day by default) and `units` (10,000/day by default) for
everything else: captions.insert 400, thumbnails.set 50, playlistItems.insert 50, and 1 for each
list call. The limits are `[youtube] daily_uploads` / `daily_units` for projects granted more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from vidkit.publish.errors import QuotaRefused
from vidkit.publish.ledger import Ledger

PACIFIC = ZoneInfo("America/Los_Angeles")
UPLOADS = "uploads"
UNITS = "units"

COSTS: dict[str, tuple[str, int]] = {
    "videos.insert": (UPLOADS, 1),
    "captions.insert": (UNITS, 400),
    "thumbnails.set": (UNITS, 50),
    "videos.update": (UNITS, 50),
    "playlistItems.insert": (UNITS, 50),
    "captions.list": (UNITS, 50),
    "videos.list": (UNITS, 1),
    "channels.list": (UNITS, 1),
    "playlistItems.list": (UNITS, 1),
}

BUCKET_NAMES = {UPLOADS: "videos.insert bucket (uploads per day)", UNITS: "API units bucket"}


def day_key(now: datetime | None = None) -> str:
    """The quota day: today's date in America/Los_Angeles (YYYY-MM-DD)."""
    return (now or datetime.now(timezone.utc)).astimezone(PACIFIC).date().isoformat()


def resets_at(now: datetime | None = None) -> datetime:
    """The next midnight in America/Los_Angeles, as an aware datetime."""
    local = (now or datetime.now(timezone.utc)).astimezone(PACIFIC)
    tomorrow = local.date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=PACIFIC)


def cost(calls: Iterable[str]) -> dict[str, int]:
    """Units per bucket for these API calls (method names like "captions.insert")."""
    total = {UPLOADS: 0, UNITS: 0}
    for call in calls:
        bucket, units = COSTS[call]
        total[bucket] += units
    return total


@dataclass(frozen=True)
class Limits:
    uploads: int = 100
    units: int = 10_000

    def of(self, bucket: str) -> int:
        return self.uploads if bucket == UPLOADS else self.units


class Quota:
    """Today's usage in a ledger, checked before each call and charged after it."""

    def __init__(self, ledger: Ledger | None, limits: Limits,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.ledger = ledger
        self.limits = limits
        self.clock = clock

    def used(self) -> dict[str, int]:
        used = self.ledger.quota_used(day_key(self.clock())) if self.ledger else {}
        return {UPLOADS: used.get(UPLOADS, 0), UNITS: used.get(UNITS, 0)}

    def left(self) -> dict[str, int]:
        used = self.used()
        return {bucket: max(0, self.limits.of(bucket) - used[bucket]) for bucket in used}

    def check(self, calls: Iterable[str]) -> None:
        """Raise QuotaRefused when today's buckets cannot hold all of `calls`."""
        needed, used = cost(calls), self.used()
        for bucket, units in needed.items():
            limit = self.limits.of(bucket)
            if units and used[bucket] + units > limit:
                raise QuotaRefused(
                    f"today's YouTube quota is not enough: the {BUCKET_NAMES[bucket]} has {used[bucket]} of "
                    f"{limit} used and this needs {units} more; it resets {self.reset_text()}. "
                    f"The upload is queued: run the same command again then")

    def charge(self, call: str) -> None:
        if self.ledger is not None:
            bucket, units = COSTS[call]
            self.ledger.charge(day_key(self.clock()), bucket, units)

    def reset_text(self) -> str:
        now = self.clock()
        reset = resets_at(now)
        hours, rest = divmod(int((reset - now).total_seconds()) // 60, 60)
        return f"at midnight Pacific time ({reset:%Y-%m-%d %H:%M %Z}, in {hours} h {rest:02d} min)"

    def summary(self) -> dict[str, dict[str, int | str]]:
        used, day = self.used(), day_key(self.clock())
        return {bucket: {"day": day, "used": used[bucket], "limit": self.limits.of(bucket),
                         "left": max(0, self.limits.of(bucket) - used[bucket])} for bucket in used}
