"""`vidkit publish --set-private`: make videos already on YouTube private again.

Used when a person withdraws consent (`vidkit consent revoke` lists their videos and points
here) or a clip must come down at once. Each change is a `videos.update` of the status part
(50 quota units) with the status YouTube was last sent, privacy set to private and any
scheduled publishing removed; the ledger records the new body and who did it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError
from vidkit.publish.client import youtube_settings
from vidkit.publish.ledger import Ledger, UploadRecord, default_ledger_path
from vidkit.publish.quota import Limits, Quota


def on_youtube(ledger: Ledger, subject: str) -> list[UploadRecord]:
    """Uploads that declared `subject` and reached YouTube, newest first."""
    return ledger.by_subject(subject)


def sent_body(record: UploadRecord) -> dict[str, Any]:
    if record.sent_body:
        return json.loads(record.sent_body)
    return {"snippet": {"title": record.title}, "status": {"privacyStatus": record.privacy}}


def set_private_job(settings: Settings, reporter: Reporter, *, subjects: Sequence[str] = (),
                    clip: Path | None = None, ledger_path: Path | None = None, reason: str | None = None,
                    sleep: Callable[[float], None] | None = None,
                    env: Mapping[str, str] | None = None) -> dict[str, Any]:
    from vidkit.publish.job import _who, connected, publish_lock
    from vidkit.hashing import file_sha256

    if not subjects and clip is None:
        raise BadInputError("--set-private needs the clip (its video or .upload.json) or --subject ID")
    yts = youtube_settings(settings, env)
    path = ledger_path or default_ledger_path()
    if not path.is_file():
        raise BadInputError(f"no publish ledger at {path}: nothing was published from this machine")
    wanted_sha = None
    if clip is not None:
        from vidkit.publish.package import load_package

        wanted_sha = file_sha256(load_package(clip).video)
    changed, kept = [], []
    with publish_lock(path, 600.0, reporter.say), Ledger(path) as ledger:
        records = [r for r in ledger.uploads() if r.video_id and (
            (wanted_sha is not None and r.sha256 == wanted_sha) or any(s in r.subjects for s in subjects))]
        if not records:
            raise BadInputError("no video of " + (f"subject {', '.join(subjects)}" if subjects else "this clip")
                                + " is on YouTube according to the ledger")
        todo = [r for r in records if sent_body(r)["status"].get("privacyStatus") != "private"]
        kept = [r.video_id for r in records if r not in todo]
        if todo:
            quota = Quota(ledger, Limits(yts.daily_uploads, yts.daily_units))
            quota.check(["videos.update"] * len(todo))
            with connected(yts, quota, sleep) as api:
                for record in todo:
                    body = sent_body(record)
                    status = {k: v for k, v in (body.get("status") or {}).items() if k != "publishAt"}
                    status["privacyStatus"] = "private"
                    api.call("videos.update", lambda yt, r=record, st=status: yt.videos().update(
                        part="status", body={"id": r.video_id, "status": st}), f"making {record.video_id} private")
                    ledger.sent(record.sha256, {**body, "status": status}, "set-private",
                                {"video_id": record.video_id, "who": _who(), "why": (reason or "").strip() or None})
                    changed.append(record.video_id)
    lines = [("made private", ", ".join(changed) or "none")]
    if kept:
        lines.append(("already private", ", ".join(kept)))
    return {"command": "publish --set-private", "outputs": {},
            "summary": {"made_private": changed, "already_private": kept}, "summary_lines": lines}
