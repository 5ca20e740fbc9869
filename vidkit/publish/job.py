"""`vidkit publish`: gates, ledger, quota, then the upload and its steps; plus --dry-run and --status.

Order of a real run (each state change committed to the ledger before the next network call):
already published? -> metadata validated -> gates -> ledger record -> quota for everything still
missing -> token -> upload (or resume) -> captions -> thumbnail -> playlist -> published.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError, VidkitError
from vidkit.publish.client import YouTubeSettings, youtube_settings
from vidkit.publish.errors import GateRefused, QuotaRefused, UploadQueued
from vidkit.publish.gates import Gate, consent_gate, metadata_gate, privacy_gate
from vidkit.publish.ledger import Ledger, UploadRecord, default_ledger_path, utc_now
from vidkit.publish.package import (Package, caption_body, load_package, mimetype, playlist_body,
                                    record_subjects, video_body)
from vidkit.publish.quota import Limits, Quota, cost
from vidkit.publish.retry import Backoff
from vidkit.publish.steps import STEP_CALLS, planned_steps
from vidkit.transcribe.models import file_sha256

WATCH_URL = "https://www.youtube.com/watch?v={}"


@dataclass
class PublishOptions:
    privacy: str | None = None  # None = private
    publish_at: str | None = None
    playlist: str | None = None  # None = youtube.playlist
    subjects: tuple[str, ...] = ()
    no_subjects: bool = False
    allow_unverified: bool = False
    ledger: Path | None = None
    sleep: Callable[[float], None] | None = field(default=None, repr=False)  # tests: no waiting


@dataclass
class Prepared:
    yts: YouTubeSettings
    package: Package
    sha256: str
    size: int
    body: dict[str, Any]
    notes: list[str]
    playlist: str
    subjects: list[str]


def prepare(target: Path, settings: Settings, options: PublishOptions, env: Mapping[str, str] | None) -> Prepared:
    """Everything decided before the ledger or the network: files, hash, validated metadata."""
    yts = youtube_settings(settings, env)
    package = load_package(target)
    sha256 = file_sha256(package.video)
    if package.declared_sha256 and package.declared_sha256 != sha256:
        raise BadInputError(f"{package.video.name} changed after `vidkit describe` (its sha256 differs from "
                            f"{package.upload_json.name}): run `vidkit describe` again")
    body, notes = video_body(package, privacy=options.privacy, publish_at=options.publish_at)
    subjects = list(dict.fromkeys([*package.subjects, *record_subjects(package), *options.subjects]))
    playlist = options.playlist if options.playlist is not None else yts.playlist
    return Prepared(yts, package, sha256, package.video.stat().st_size, body, notes, playlist, subjects)


def run_gates(prep: Prepared, ledger: Ledger | None, options: PublishOptions) -> list[Gate]:
    return [privacy_gate(prep.package, prep.sha256, options.allow_unverified),
            consent_gate(ledger, prep.subjects, options.no_subjects, date.today().isoformat()),
            metadata_gate(prep.package, prep.body["snippet"])]


def _already(record: UploadRecord) -> dict[str, Any]:
    url = WATCH_URL.format(record.video_id)
    return {"command": "publish", "outputs": {"video": url},
            "summary": {"already_published": True, "video_id": record.video_id, "privacy": record.privacy,
                        "published_at": record.published_at},
            "summary_lines": [("already published", f"{record.video_id} ({record.privacy}, {record.published_at}); "
                                                    f"nothing sent")]}


def publish_job(target: Path, settings: Settings, reporter: Reporter, options: PublishOptions,
                env: Mapping[str, str] | None = None) -> dict[str, Any]:
    prep = prepare(target, settings, options, env)
    with Ledger(options.ledger) as ledger:
        record = ledger.upload(prep.sha256)
        if record is not None and record.state == "published":
            return _already(record)
        gates = run_gates(prep, ledger, options)
        refused = [g for g in gates if not g.ok]
        if refused:
            more = f" (also refused by: {', '.join(g.name for g in refused[1:])})" if len(refused) > 1 else ""
            raise GateRefused(f"{refused[0].name} gate: {refused[0].detail}{more}")
        overrides = [g.override for g in gates if g.override]
        record = ledger.begin_upload(prep.sha256, size=prep.size, title=prep.body["snippet"]["title"],
                                     privacy=prep.body["status"]["privacyStatus"], overrides=overrides,
                                     subjects=prep.subjects)
        try:
            result = _send(prep, ledger, record, reporter, options)
        except (VidkitError, KeyboardInterrupt) as exc:
            _record_failure(ledger, prep.sha256, exc)
            raise
        ledger.update(prep.sha256, "published", published_at=utc_now(), last_error=None)
        return _published_payload(prep, ledger, result, gates)


def _send(prep: Prepared, ledger: Ledger, record: UploadRecord, reporter: Reporter,
          options: PublishOptions) -> dict[str, Any]:
    from vidkit.publish.api import Api
    from vidkit.publish.auth import load_credentials, save_if_refreshed, token_store
    from vidkit.publish.client import authorized_http, build_client
    from vidkit.publish.steps import Steps
    from vidkit.publish.upload import VideoUpload

    yts, package = prep.yts, prep.package
    quota = Quota(ledger, Limits(yts.daily_uploads, yts.daily_units))
    wanted = planned_steps(package.captions, package.thumbnail, prep.playlist)
    inserting = not record.video_id and not record.session_uri  # a stored session resumes for free
    quota.check((["videos.insert"] if inserting else []) + [STEP_CALLS[s] for s in wanted if not record.done(s)])
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # googleapiclient warns about every 403 it does not retry; vidkit says it once, clearly.
        logging.getLogger("googleapiclient.http").setLevel(logging.ERROR)
    store = token_store(yts)
    credentials = load_credentials(store)
    token_before = credentials.token
    backoff = Backoff(yts.retry_base, yts.retry_attempts)
    if options.sleep is not None:
        backoff.sleep = options.sleep
    http = authorized_http(yts, credentials)
    api = Api(build_client(yts, http), http, quota, backoff)
    try:
        video_id, how, privacy_seen = record.video_id, "uploaded earlier", None
        if video_id is None:
            progress = reporter.stage("Uploading video", prep.size)
            upload = VideoUpload(api, ledger, prep.sha256, package.video, prep.body, yts.chunk_bytes, progress,
                                 reporter.say)
            result = upload.run()
            video_id, how, privacy_seen = result.video_id, result.how, result.privacy
        steps = Steps(api, ledger, prep.sha256, video_id, reporter.say)
        if package.captions is not None:
            steps.captions(package.captions, package.language)
        if package.thumbnail is not None:
            steps.thumbnail(package.thumbnail)
        if prep.playlist:
            steps.playlist(prep.playlist)
    finally:
        save_if_refreshed(store, credentials, token_before)
    return {"video_id": video_id, "how": how, "privacy_seen": privacy_seen, "quota": quota.summary()}


def _record_failure(ledger: Ledger, sha256: str, exc: BaseException) -> None:
    record = ledger.upload(sha256)
    if record is None:
        return
    message = str(exc) if isinstance(exc, VidkitError) else "interrupted"
    if record.state in ("uploading", "sent") or isinstance(exc, KeyboardInterrupt):
        ledger.update(sha256, last_error=message)  # keep what the next run needs to resume
    elif isinstance(exc, (UploadQueued, QuotaRefused)):
        ledger.update(sha256, "queued", last_error=message)
    else:
        ledger.update(sha256, "failed", last_error=message)


def _published_payload(prep: Prepared, ledger: Ledger, result: dict[str, Any], gates: list[Gate]) -> dict[str, Any]:
    record = ledger.upload(prep.sha256)
    assert record is not None
    sent_privacy = prep.body["status"]["privacyStatus"]
    notes = list(prep.notes)
    if result["privacy_seen"] and result["privacy_seen"] != sent_privacy:
        notes.append(f"YouTube set the video {result['privacy_seen']} (asked: {sent_privacy}); uploads of "
                     f"unverified API projects are locked private until the project is audited")
    steps = {name: state for name, (state, _) in record.steps.items()}
    lines = [("video", f"{result['video_id']} ({result['how']})"), ("privacy", sent_privacy)]
    if prep.body["status"].get("publishAt"):
        lines.append(("publish at", prep.body["status"]["publishAt"]))
    lines.append(("steps", ", ".join(f"{k} {v}" for k, v in sorted(steps.items())) or "none"))
    if record.overrides:
        lines.append(("[yellow]overrides[/]", ", ".join(record.overrides)))
    lines += [("note", note) for note in notes]
    return {"command": "publish", "outputs": {"video": WATCH_URL.format(result["video_id"])},
            "summary": {"video_id": result["video_id"], "how": result["how"], "privacy": sent_privacy,
                        "publish_at": prep.body["status"].get("publishAt"), "steps": steps,
                        "overrides": record.overrides, "subjects": prep.subjects, "notes": notes,
                        "gates": [g.to_dict() for g in gates], "quota": result["quota"]},
            "summary_lines": lines}


def dry_run_job(target: Path, settings: Settings, options: PublishOptions,
                env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What a real run would send, computed offline: no token, no network, no ledger writes."""
    prep = prepare(target, settings, options, env)
    path = options.ledger or default_ledger_path()
    ledger = Ledger(path) if path.is_file() else None
    try:
        record = ledger.upload(prep.sha256) if ledger else None
        gates = run_gates(prep, ledger, options)
        quota = Quota(ledger, Limits(prep.yts.daily_uploads, prep.yts.daily_units))
        plan = _plan(prep, record)
        needed = cost(plan)
        usage = quota.summary()
    finally:
        if ledger:
            ledger.close()
    package = prep.package
    video_ref = record.video_id if record and record.video_id else "<id from videos.insert>"
    files = [_file("video", package.video, prep.sha256)] + [_file(role, path) for role, path in
                                               (("captions", package.captions), ("thumbnail", package.thumbnail)) if path]
    requests: dict[str, Any] = {}
    if "videos.insert" in plan:
        requests["videos.insert"] = {"part": "snippet,status", "body": prep.body, "media": package.video.name,
                                     "upload": f"resumable, chunks of {prep.yts.chunk_bytes // 1024} KiB"}
    if "captions.insert" in plan:
        requests["captions.insert"] = {"part": "snippet", "body": caption_body(video_ref, package.language),
                                       "media": package.captions.name}
    if "thumbnails.set" in plan:
        requests["thumbnails.set"] = {"videoId": video_ref, "media": package.thumbnail.name}
    if "playlistItems.insert" in plan:
        requests["playlistItems.insert"] = {"part": "snippet", "body": playlist_body(prep.playlist, video_ref)}
    refused = [g for g in gates if not g.ok]
    already = record is not None and record.state == "published"
    quota_out = {bucket: {**usage[bucket], "this_upload": needed[bucket],
                          "fits": usage[bucket]["left"] >= needed[bucket]} for bucket in usage}
    lines = [("dry run", "nothing sent; no token needed"), ("endpoint", prep.yts.describe_endpoint()),
             ("privacy", prep.body["status"]["privacyStatus"])]
    lines += [(f"{f['role']}", f"{f['name']} ({f['bytes']:,} bytes, sha256 {f['sha256'][:16]}...)") for f in files]
    lines += [(f"quota {b}", f"this upload {q['this_upload']}; today {q['used']} of {q['limit']} used ({q['day']} Pacific)"
               + ("" if q["fits"] else " [red]not enough[/]")) for b, q in quota_out.items()]
    lines += [(f"gate {g.name}", ("ok: " if g.ok else "[red]would refuse:[/] ") + g.detail) for g in gates]
    if already:
        lines.insert(1, ("already published", f"{record.video_id}: a real run would do nothing"))
    lines += [("note", note) for note in prep.notes]
    return {"command": "publish", "dry_run": True, "outputs": {}, "requests": requests, "files": files,
            "quota": quota_out, "gates": [g.to_dict() for g in gates],
            "summary": {"would_refuse": [g.name for g in refused], "already_published": already,
                        "notes": prep.notes, "sha256": prep.sha256},
            "summary_lines": lines}


def _plan(prep: Prepared, record: UploadRecord | None) -> list[str]:
    if record is not None and record.state == "published":
        return []
    steps = planned_steps(prep.package.captions, prep.package.thumbnail, prep.playlist)
    calls = [] if record is not None and record.video_id else ["videos.insert"]
    return calls + [STEP_CALLS[s] for s in steps if record is None or not record.done(s)]


def _file(role: str, path: Path, sha256: str | None = None) -> dict[str, Any]:
    default = {"video": "video/mp4", "captions": "application/octet-stream", "thumbnail": "image/jpeg"}[role]
    return {"role": role, "name": path.name, "bytes": path.stat().st_size, "sha256": sha256 or file_sha256(path),
            "mimetype": mimetype(path, default)}


def status_job(settings: Settings, ledger_path: Path | None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every upload in the ledger and today's quota (read only; no network)."""
    yts = youtube_settings(settings, env)
    path = ledger_path or default_ledger_path()
    ledger = Ledger(path) if path.is_file() else None
    try:
        uploads = [r.to_dict() for r in ledger.uploads()] if ledger else []
        quota = Quota(ledger, Limits(yts.daily_uploads, yts.daily_units))
        usage, reset = quota.summary(), quota.reset_text()
    finally:
        if ledger:
            ledger.close()
    return {"command": "publish --status", "outputs": {}, "ledger": str(path), "uploads": uploads,
            "quota": usage, "quota_resets": reset}
