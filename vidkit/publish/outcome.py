"""What one `vidkit publish` run did, typed: a video published, one published before, or a dry
run's account of what would be sent. Each says itself as rows for the terminal (`lines`), as
the `summary` object of `--json` (`to_json`), and names its outputs; `extra` holds a dry run's
other top-level `--json` keys (requests, files, quota, gates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from vidkit.publish.gates import Gate

WATCH_URL = "https://www.youtube.com/watch?v={}"


@dataclass
class Published:
    """A video sent (or resumed) and published by this run."""

    video_id: str
    how: str  # "uploaded", "resumed ...", "uploaded earlier; metadata updated (...)"
    privacy: str  # as sent
    publish_at: str | None
    steps: dict[str, str]  # captions / thumbnail / playlist -> state
    overrides: list[str]
    subjects: list[str]
    notes: list[str]
    gates: list[Gate]
    quota: dict[str, Any]

    @property
    def outputs(self) -> dict[str, str]:
        return {"video": WATCH_URL.format(self.video_id)}

    def lines(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("video", f"{self.video_id} ({self.how})"), ("privacy", self.privacy)]
        if self.publish_at:
            rows.append(("publish at", self.publish_at))
        rows.append(("steps", ", ".join(f"{k} {v}" for k, v in sorted(self.steps.items())) or "none"))
        if self.overrides:
            rows.append(("[yellow]overrides[/]", ", ".join(self.overrides)))
        return rows + [("note", note) for note in self.notes]

    def to_json(self) -> dict[str, Any]:
        return {"video_id": self.video_id, "how": self.how, "privacy": self.privacy, "publish_at": self.publish_at,
                "steps": self.steps, "overrides": self.overrides, "subjects": self.subjects, "notes": self.notes,
                "gates": [g.to_dict() for g in self.gates], "quota": self.quota}

    def extra(self) -> dict[str, Any]:
        return {}


@dataclass
class AlreadyPublished:
    """The same video with the same metadata is on YouTube: nothing was sent."""

    video_id: str
    privacy: str
    published_at: str | None

    @property
    def outputs(self) -> dict[str, str]:
        return {"video": WATCH_URL.format(self.video_id)}

    @property
    def gates(self) -> list[Gate]:
        return []

    def lines(self) -> list[tuple[str, Any]]:
        return [("already published", f"{self.video_id} ({self.privacy}, {self.published_at}); nothing sent")]

    def to_json(self) -> dict[str, Any]:
        return {"already_published": True, "video_id": self.video_id, "privacy": self.privacy,
                "published_at": self.published_at}

    def extra(self) -> dict[str, Any]:
        return {}


@dataclass
class DryRun:
    """What a real run would send, computed offline; `refused` names every gate that would
    refuse (the consent gate among them while consent is missing)."""

    endpoint: str
    privacy: str
    requests: dict[str, Any]
    files: list[dict[str, Any]]
    quota: dict[str, dict[str, Any]]  # bucket -> used, limit, left, day, this_upload, fits
    gates: list[Gate]  # every gate run
    refused: list[Gate]  # the gates that would refuse, with any refusal not among `gates`
    already_published: bool
    video_id: str | None  # when already published
    notes: list[str]
    sha256: str
    outputs: dict[str, str] = field(default_factory=dict)  # a dry run makes nothing

    def lines(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("dry run", "nothing sent; no token needed"), ("endpoint", self.endpoint),
                                       ("privacy", self.privacy)]
        if self.already_published:
            rows.insert(1, ("already published", f"{self.video_id}: a real run would do nothing"))
        rows += [(f["role"], f"{f['name']} ({f['bytes']:,} bytes, sha256 {f['sha256'][:16]}...)") for f in self.files]
        # Values are plain text (a file name may hold "[...]"); a Text carries the deliberate colour.
        rows += [(f"quota {bucket}", Text(f"this upload {q['this_upload']}; today {q['used']} of {q['limit']} used "
                                          f"({q['day']} Pacific)").append("" if q["fits"] else " not enough", "red"))
                 for bucket, q in self.quota.items()]
        shown = self.gates + [g for g in self.refused if g not in self.gates]
        rows += [(f"gate {g.name}", Text.assemble("ok: " if g.ok else ("would refuse:", "red"), "" if g.ok else " ",
                                                  g.detail))
                 for g in shown]
        return rows + [("note", note) for note in self.notes]

    def to_json(self) -> dict[str, Any]:
        return {"would_refuse": [g.name for g in self.refused], "already_published": self.already_published,
                "notes": self.notes, "sha256": self.sha256}

    def extra(self) -> dict[str, Any]:
        return {"dry_run": True, "requests": self.requests, "files": self.files, "quota": self.quota,
                "gates": [g.to_dict() for g in self.gates]}


PublishOutcome = Published | AlreadyPublished | DryRun
