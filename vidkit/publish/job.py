"""`vidkit publish`: gates, ledger, quota, then the upload and its steps; plus --dry-run and --status.

Order of a real run (each state change committed to the ledger before the next network call):
already published? -> metadata validated -> gates -> ledger record -> quota for everything still
missing -> token -> upload (or resume) -> captions -> thumbnail -> playlist -> published.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from vidkit.config import Settings
from vidkit.console import Reporter
from vidkit.errors import BadInputError, ProcessingError, VidkitError
from vidkit.publish.client import YouTubeSettings, youtube_settings
from vidkit.publish.errors import GateRefused, QuotaRefused, UploadQueued
from vidkit.publish.gates import Gate, consent_gate, find_record, metadata_gate, privacy_gate
from vidkit.publish.outcome import AlreadyPublished, DryRun, Published
from vidkit.publish.ledger import Ledger, UploadRecord, body_sha256, default_ledger_path, utc_now
from vidkit.publish.package import (Package, caption_body, load_package, mimetype, playlist_body,
                                    record_subjects, video_body)
from vidkit.publish.quota import Limits, Quota, cost
from vidkit.publish.retry import Backoff
from vidkit.publish.steps import STEP_CALLS, planned_steps
from vidkit.hashing import file_sha256


@dataclass
class PublishOptions:
    privacy: str | None = None  # None = private
    publish_at: str | None = None
    playlist: str | None = None  # None = youtube.playlist
    subjects: tuple[str, ...] = ()
    no_subjects: bool = False
    allow_unverified: bool = False
    allow_unredacted: bool = False
    reason: str | None = None  # why an override was used: recorded with who and when
    update: bool = False  # apply changed metadata to a video already on YouTube (videos.update)
    ledger: Path | None = None
    lock_wait: float = 600.0  # seconds to wait for another publish on the same ledger
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
    roster: Any = None  # the roster when one is set: every text sent is scanned against it
    clinic: dict[str, Any] = field(default_factory=dict)


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
    roster = None
    if settings.get("privacy", "roster"):
        from vidkit.privacy.options import privacy_options

        roster = privacy_options(settings).roster
    _check_reason(options, roster)
    return Prepared(yts, package, sha256, package.video.stat().st_size, body, notes, playlist, subjects,
                    roster, settings.section("clinic"))


def _check_reason(options: PublishOptions, roster) -> None:
    reason = (options.reason or "").strip()
    if options.allow_unredacted and not reason:
        raise BadInputError("--allow-unredacted needs --reason TEXT: why this video may go out with names or "
                            "numbers in it (recorded in the ledger with your user name and the time)")
    if reason and roster is not None:
        from vidkit.privacy.identifying import refuse_identifying_text

        refuse_identifying_text(reason, roster, "--reason")  # it is kept in the ledger


def run_gates(prep: Prepared, ledger: Ledger | None, options: PublishOptions) -> list[Gate]:
    from vidkit.publish.word_gates import files_gate, text_gate, words_gate

    record, problem = find_record(prep.package, prep.sha256)
    snippet = prep.body["snippet"]
    return [privacy_gate(record, problem, options.allow_unverified),
            words_gate(record, options.allow_unredacted),
            consent_gate(ledger, prep.subjects, options.no_subjects, date.today().isoformat(),
                         record.kept_tracks if record else ()),
            metadata_gate(prep.package, snippet),
            text_gate(prep.package, snippet, record, prep.roster, prep.clinic, options.allow_unredacted),
            files_gate(prep.package, record)]


def changed_fields(record: UploadRecord | None, body: dict[str, Any]) -> list[str]:
    """What differs between `body` and what YouTube was last sent for this clip ("title",
    "privacyStatus", ...); [] when nothing was sent yet or nothing changed."""
    if record is None or not (record.video_id or record.state == "sent" or record.session_uri):
        return []
    if record.sent_body:
        sent = json.loads(record.sent_body)
    else:  # a ledger of an older vidkit kept only the title and privacy sent
        sent = {"snippet": {**body["snippet"], "title": record.title},
                "status": {**body["status"], "privacyStatus": record.privacy}}
    changed = []
    for part in ("snippet", "status"):
        old, new = sent.get(part) or {}, body.get(part) or {}
        changed += [key for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    return changed


def _refuse_change(record: UploadRecord, changed: list[str]) -> None:
    where = f"YouTube video {record.video_id}" if record.video_id else "YouTube (its upload finished)"
    raise BadInputError(f"this clip is already on {where} with other metadata ({', '.join(changed)} changed "
                        f"since): pass --update to send the change (videos.update, 50 quota units), or undo "
                        f"the edit; nothing was sent")


@contextlib.contextmanager
def connected(yts: YouTubeSettings, quota: Quota, sleep: Callable[[float], None] | None) -> Iterator[Any]:
    """An `Api` on the stored token; a token google-auth refreshed on the way is saved back."""
    from vidkit.publish.api import Api
    from vidkit.publish.auth import load_credentials, save_if_refreshed, token_store
    from vidkit.publish.client import authorized_http, build_client

    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # googleapiclient warns about every 403 it does not retry; vidkit says it once, clearly.
        logging.getLogger("googleapiclient.http").setLevel(logging.ERROR)
    store = token_store(yts)
    credentials = load_credentials(store)
    token_before = credentials.token
    backoff = Backoff(yts.retry_base, yts.retry_attempts)
    if sleep is not None:
        backoff.sleep = sleep
    http = authorized_http(yts, credentials)
    try:
        yield Api(build_client(yts, http), http, quota, backoff)
    finally:
        save_if_refreshed(store, credentials, token_before)


@contextlib.contextmanager
def publish_lock(ledger_path: Path, wait: float, say: Callable[[str], None]) -> Iterator[None]:
    """One `vidkit publish` at a time per ledger: two runs would interleave their state changes."""
    from filelock import FileLock, Timeout

    ledger_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(f"{ledger_path}.lock", mode=0o600)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        say("another vidkit publish is using this ledger: waiting for it to finish")
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise ProcessingError(f"another vidkit publish held the ledger {ledger_path.name} for {wait:.0f} s; "
                                  "try again when it has finished") from None
    try:
        yield
    finally:
        lock.release()


def _already(record: UploadRecord) -> AlreadyPublished:
    return AlreadyPublished(record.video_id, record.privacy, record.published_at)


def publish_job(target: Path, settings: Settings, reporter: Reporter, options: PublishOptions,
                env: Mapping[str, str] | None = None) -> Published | AlreadyPublished:
    prep = prepare(target, settings, options, env)
    path = options.ledger or default_ledger_path()
    with publish_lock(path, options.lock_wait, reporter.say), Ledger(path) as ledger:
        record = ledger.upload(prep.sha256)
        changed = changed_fields(record, prep.body)
        if record is not None and record.state == "published" and not changed:
            return _already(record)
        if changed and (record.video_id or record.state == "sent") and not options.update:
            _refuse_change(record, changed)
        gates = run_gates(prep, ledger, options)
        refused = [g for g in gates if not g.ok]
        if refused:
            more = f" (also refused by: {', '.join(g.name for g in refused[1:])})" if len(refused) > 1 else ""
            raise GateRefused(f"{refused[0].name} gate: {refused[0].detail}{more}")
        overrides = [g.override for g in gates if g.override]
        record = ledger.begin_upload(prep.sha256, size=prep.size, overrides=overrides, subjects=prep.subjects)
        for override in dict.fromkeys(overrides):
            ledger.note(prep.sha256, "override", None, {"override": override, "who": _who(),
                                                        "why": (options.reason or "").strip() or None})
        if changed and record.session_uri and record.state == "uploading":
            # The session carries the metadata it was opened with: a new body needs a new session.
            ledger.update(prep.sha256, "pending", session_uri=None, bytes_sent=0)
            ledger.note(prep.sha256, "new-session", body_sha256(prep.body), {"changed": changed})
            reporter.say(f"the metadata changed ({', '.join(changed)}) since the unfinished upload began: "
                         "starting a new upload session")
            record = ledger.upload(prep.sha256)
            assert record is not None
        try:
            result = _send(prep, ledger, record, reporter, options)
        except (VidkitError, KeyboardInterrupt) as exc:
            _record_failure(ledger, prep.sha256, exc)
            raise
        ledger.update(prep.sha256, "published", published_at=utc_now(), last_error=None)
        return _published_payload(prep, ledger, result, gates)


def _send(prep: Prepared, ledger: Ledger, record: UploadRecord, reporter: Reporter,
          options: PublishOptions) -> dict[str, Any]:
    from vidkit.publish.steps import Steps
    from vidkit.publish.upload import VideoUpload

    yts, package = prep.yts, prep.package
    quota = Quota(ledger, Limits(yts.daily_uploads, yts.daily_units))
    wanted = planned_steps(package.captions, package.thumbnail, prep.playlist)
    inserting = not record.video_id and not record.session_uri  # a stored session resumes for free
    updating = bool(record.video_id and changed_fields(record, prep.body))
    quota.check((["videos.insert"] if inserting else []) + (["videos.update"] if updating else [])
                + [STEP_CALLS[s] for s in wanted if not record.done(s)])
    with connected(yts, quota, options.sleep) as api:
        video_id, how, privacy_seen = record.video_id, "uploaded earlier", None
        if video_id is None:
            progress = reporter.stage("Uploading video", prep.size)
            upload = VideoUpload(api, ledger, prep.sha256, package.video, prep.body, yts.chunk_bytes, progress,
                                 reporter.say)
            result = upload.run()
            video_id, how, privacy_seen = result.video_id, result.how, result.privacy
        changed = changed_fields(ledger.upload(prep.sha256), prep.body)
        if changed:  # --update (checked before): the video on YouTube gets the metadata of this run
            _update_metadata(api, ledger, prep, video_id, changed)
            how += f"; metadata updated ({', '.join(changed)})"
        steps = Steps(api, ledger, prep.sha256, video_id, reporter.say)
        if package.captions is not None:
            steps.captions(package.captions, package.language)
        if package.thumbnail is not None:
            steps.thumbnail(package.thumbnail)
        if prep.playlist:
            steps.playlist(prep.playlist)
    return {"video_id": video_id, "how": how, "privacy_seen": privacy_seen, "quota": quota.summary()}


def _update_metadata(api, ledger: Ledger, prep: Prepared, video_id: str, changed: list[str]) -> None:
    body = {"id": video_id, **prep.body}
    api.call("videos.update", lambda yt: yt.videos().update(part="snippet,status", body=body),
             "updating the video's title, description and privacy")
    ledger.sent(prep.sha256, prep.body, "update", {"changed": changed, "video_id": video_id})


def _who() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on some service accounts
        return "unknown"


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


def _published_payload(prep: Prepared, ledger: Ledger, result: dict[str, Any], gates: list[Gate]) -> Published:
    record = ledger.upload(prep.sha256)
    assert record is not None
    sent_privacy = prep.body["status"]["privacyStatus"]
    notes = list(prep.notes)
    if result["privacy_seen"] and result["privacy_seen"] != sent_privacy:
        notes.append(f"YouTube set the video {result['privacy_seen']} (asked: {sent_privacy}); uploads of "
                     f"unverified API projects are locked private until the project is audited")
    return Published(video_id=result["video_id"], how=result["how"], privacy=sent_privacy,
                     publish_at=prep.body["status"].get("publishAt"),
                     steps={name: state for name, (state, _) in record.steps.items()}, overrides=record.overrides,
                     subjects=prep.subjects, notes=notes, gates=gates, quota=result["quota"])


def dry_run_job(target: Path, settings: Settings, options: PublishOptions,
                env: Mapping[str, str] | None = None) -> DryRun:
    """What a real run would send, computed offline: no token, no network, no ledger writes."""
    prep = prepare(target, settings, options, env)
    path = options.ledger or default_ledger_path()
    ledger = Ledger(path, read_only=True) if path.is_file() else None
    try:
        record = ledger.upload(prep.sha256) if ledger else None
        gates = run_gates(prep, ledger, options)
        quota = Quota(ledger, Limits(prep.yts.daily_uploads, prep.yts.daily_units))
        changed = changed_fields(record, prep.body)
        plan = _plan(prep, record, changed)
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
    if "videos.update" in plan:
        requests["videos.update"] = {"part": "snippet,status", "body": {"id": video_ref, **prep.body}}
    if "captions.insert" in plan:
        requests["captions.insert"] = {"part": "snippet", "body": caption_body(video_ref, package.language),
                                       "media": package.captions.name}
    if "thumbnails.set" in plan:
        requests["thumbnails.set"] = {"videoId": video_ref, "media": package.thumbnail.name}
    if "playlistItems.insert" in plan:
        requests["playlistItems.insert"] = {"part": "snippet", "body": playlist_body(prep.playlist, video_ref)}
    refused = [g for g in gates if not g.ok]
    if changed and record is not None and (record.video_id or record.state == "sent") and not options.update:
        refused.append(Gate("update", False, f"already on YouTube with other metadata ({', '.join(changed)} "
                                             f"changed): a real run needs --update to send the change"))
    already = record is not None and record.state == "published" and not changed
    quota_out = {bucket: {**usage[bucket], "this_upload": needed[bucket],
                          "fits": usage[bucket]["left"] >= needed[bucket]} for bucket in usage}
    return DryRun(endpoint=prep.yts.describe_endpoint(), privacy=prep.body["status"]["privacyStatus"],
                  requests=requests, files=files, quota=quota_out, gates=gates, refused=refused,
                  already_published=already, video_id=record.video_id if already else None, notes=prep.notes,
                  sha256=prep.sha256)


def _plan(prep: Prepared, record: UploadRecord | None, changed: list[str]) -> list[str]:
    update = ["videos.update"] if changed and record is not None and record.video_id else []
    if record is not None and record.state == "published":
        return update
    steps = planned_steps(prep.package.captions, prep.package.thumbnail, prep.playlist)
    calls = [] if record is not None and record.video_id else ["videos.insert"]
    return calls + update + [STEP_CALLS[s] for s in steps if record is None or not record.done(s)]


def _file(role: str, path: Path, sha256: str | None = None) -> dict[str, Any]:
    default = {"video": "video/mp4", "captions": "application/octet-stream", "thumbnail": "image/jpeg"}[role]
    return {"role": role, "name": path.name, "bytes": path.stat().st_size, "sha256": sha256 or file_sha256(path),
            "mimetype": mimetype(path, default)}


def status_job(settings: Settings, ledger_path: Path | None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every upload in the ledger and today's quota (read only; no network)."""
    yts = youtube_settings(settings, env)
    path = ledger_path or default_ledger_path()
    ledger = Ledger(path, read_only=True) if path.is_file() else None
    try:
        uploads = [r.to_dict() for r in ledger.uploads()] if ledger else []
        quota = Quota(ledger, Limits(yts.daily_uploads, yts.daily_units))
        usage, reset = quota.summary(), quota.reset_text()
    finally:
        if ledger:
            ledger.close()
    return {"command": "publish --status", "outputs": {}, "ledger": str(path), "uploads": uploads,
            "quota": usage, "quota_resets": reset}
