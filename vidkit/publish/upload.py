"""The resumable video upload, crash-safe and without duplicates.

Protocol (Google resumable upload, driven by google-api-python-client's `next_chunk`): a POST
creates a session (its URI goes into the ledger the moment it arrives), chunks of N x 256 KiB
are PUT with `Content-Range`, YouTube answers 308 + `Range` until the last one, which answers
the video resource. After a dropped connection or a 5xx, `next_chunk` asks the session where it
stopped (`Content-Range: bytes */N`) and carries on from there.

Across runs: when the ledger holds a session URI, this module asks it first. 200/201 means the
upload had finished (the answer carries the video id); 308 + Range resumes the same session; 404
means the session expired. Then, if the ledger says the last chunk had gone out (state `sent`),
the final answer may have been lost with the video created: the channel's uploads are searched
(channels.list mine -> uploads playlist -> playlistItems.list -> videos.list snippet,fileDetails,
matching title and file size) before a new session is created.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidkit.errors import VidkitError
from vidkit.publish.api import Api
from vidkit.publish.ledger import Ledger
from vidkit.publish.package import mimetype
from vidkit.publish.retry import describe_failure, explain, http_status, is_transient, response_json, with_retries

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_EXPIRED = (404, 410)


@dataclass
class UploadResult:
    video_id: str
    privacy: str | None  # what YouTube says it set, when it answered with the resource
    how: str  # "uploaded", "resumed", "finished earlier", "found after a lost answer"


class _WatchedHttp:
    """The authorised transport, watched: records a new session URI the moment YouTube answers
    the POST, and marks the upload `sent` just before the chunk that ends the file leaves."""

    def __init__(self, http: Any, on_session: Callable[[str], None], on_final_chunk: Callable[[], None]):
        self.http = http
        self.on_session = on_session
        self.on_final_chunk = on_final_chunk

    def request(self, uri, method="GET", body=None, headers=None, **kwargs):
        match = _CONTENT_RANGE.match((headers or {}).get("Content-Range", ""))
        if method == "PUT" and match and int(match[2]) + 1 == int(match[3]):
            self.on_final_chunk()
        resp, content = self.http.request(uri, method, body=body, headers=headers, **kwargs)
        if method == "POST" and resp.status == 200 and "location" in resp:
            self.on_session(resp["location"])
        return resp, content


class VideoUpload:
    def __init__(self, api: Api, ledger: Ledger, sha256: str, video: Path, body: dict[str, Any],
                 chunk_bytes: int, progress: Callable[[float], None], say: Callable[[str], None]):
        self.api, self.ledger, self.sha256 = api, ledger, sha256
        self.video, self.body, self.chunk_bytes = video, body, chunk_bytes
        self.size = video.stat().st_size
        self.progress, self.say = progress, say
        self.http = _WatchedHttp(api.http, self._session_created, self._final_chunk)

    # ledger hooks ---------------------------------------------------------------------------

    def _session_created(self, uri: str) -> None:
        self.ledger.update(self.sha256, "uploading", session_uri=uri, bytes_sent=0, last_error=None)
        self.ledger.sent(self.sha256, self.body, "session")  # the metadata travels with the session
        self.api.quota.charge("videos.insert")

    def _final_chunk(self) -> None:
        self.ledger.update(self.sha256, "sent")

    # the upload ----------------------------------------------------------------------------

    def run(self) -> UploadResult:
        record = self.ledger.upload(self.sha256)
        assert record is not None
        request, how = None, "uploaded"
        if record.session_uri:
            outcome = self._resume(record.session_uri)
            if isinstance(outcome, UploadResult):
                return outcome
            request = outcome
            how = "resumed" if outcome is not None else how
        failures = 0
        while True:
            if request is None:
                request = self._new_request()
            try:
                if request.resumable_uri is None:
                    self.api.quota.check(["videos.insert"])
                status, response = request.next_chunk(http=self.http)
            except VidkitError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below
                if http_status(exc) in _EXPIRED and request.resumable_uri is not None:
                    found = self._session_expired()
                    if found is not None:
                        return found
                    request, failures = None, 0
                    continue
                failures += 1
                if not is_transient(exc) or failures >= self.api.backoff.attempts:
                    raise explain(exc, "the video upload") from exc
                self.api.backoff.wait(failures, f"upload chunk: {describe_failure(exc)}")
                continue
            failures = 0
            if response is not None:
                return self._finished(response, how)
            self.ledger.update(self.sha256, "uploading", bytes_sent=status.resumable_progress)
            self.progress(status.resumable_progress)

    def _new_request(self):
        from googleapiclient.http import MediaFileUpload

        media = MediaFileUpload(str(self.video), mimetype=mimetype(self.video, "video/mp4"),
                                chunksize=self.chunk_bytes, resumable=True)
        return self.api.youtube.videos().insert(part="snippet,status", body=self.body, media_body=media)

    def _resume(self, uri: str):
        """Ask the stored session where it stopped: an UploadResult when it had finished, a
        request positioned at the server's offset, or None after an expired session."""
        answer = with_retries(lambda: self._status_query(uri), self.api.backoff,
                              "asking YouTube where the upload stopped")
        if answer is None:
            return self._session_expired()
        if isinstance(answer, dict):
            return self._finished(answer, "finished earlier")
        request = self._new_request()
        request.resumable_uri, request.resumable_progress = uri, answer
        self.ledger.update(self.sha256, "uploading", bytes_sent=answer)
        self.progress(answer)
        self.say(f"resuming the upload session at {answer:,} of {self.size:,} bytes")
        return request

    def _status_query(self, uri: str):
        """`Content-Range: bytes */N`: the offset (308), the video (200/201) or None (expired)."""
        from googleapiclient.errors import HttpError

        resp, content = self.http.request(uri, "PUT", body=b"",
                                          headers={"Content-Range": f"bytes */{self.size}", "Content-Length": "0"})
        if resp.status == 308:
            ranges = resp.get("range", "")
            return int(ranges.rsplit("-", 1)[1]) + 1 if ranges else 0
        if resp.status in (200, 201):
            return response_json(content)
        if resp.status in _EXPIRED:
            return None
        raise HttpError(resp, content, uri=uri)

    def _session_expired(self) -> UploadResult | None:
        record = self.ledger.upload(self.sha256)
        assert record is not None
        if record.state == "sent":
            self.say("the upload session expired after the last chunk went out: looking for the video on the channel")
            found = self.find_existing()
            if found is not None:
                self.ledger.update(self.sha256, "uploaded", video_id=found, session_uri=None, bytes_sent=self.size)
                self.progress(self.size)
                return UploadResult(found, None, "found after a lost answer")
        self.say("the upload session expired: starting a new one")
        self.ledger.update(self.sha256, "pending", session_uri=None, bytes_sent=0)
        self.progress(0)
        return None

    def _finished(self, response: dict[str, Any], how: str) -> UploadResult:
        video_id = response.get("id")
        if not video_id:
            raise explain(RuntimeError("YouTube's answer has no video id"), "the video upload")
        self.ledger.update(self.sha256, "uploaded", video_id=video_id, session_uri=None, bytes_sent=self.size,
                           last_error=None)
        self.progress(self.size)
        return UploadResult(video_id, (response.get("status") or {}).get("privacyStatus"), how)

    def find_existing(self) -> str | None:
        """The id of a video on the channel with this title and file size (the newest 50 uploads)."""
        record = self.ledger.upload(self.sha256)
        sent = json.loads(record.sent_body) if record is not None and record.sent_body else self.body
        title = sent["snippet"]["title"]  # the video has the title its session was opened with
        channels = self.api.call("channels.list", lambda yt: yt.channels().list(part="contentDetails", mine=True),
                                 "looking up the channel")
        items = channels.get("items") or []
        if not items:
            return None
        uploads = items[0].get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")
        if not uploads:
            return None
        listed = self.api.call("playlistItems.list", lambda yt: yt.playlistItems().list(
            part="snippet,contentDetails", playlistId=uploads, maxResults=50), "listing the channel's uploads")
        ids = [(item.get("contentDetails") or {}).get("videoId")
               or ((item.get("snippet") or {}).get("resourceId") or {}).get("videoId")
               for item in listed.get("items") or []]
        ids = [i for i in ids if i]
        if not ids:
            return None
        videos = self.api.call("videos.list", lambda yt: yt.videos().list(part="snippet,fileDetails", id=",".join(ids)),
                               "looking up the channel's videos")
        for video in videos.get("items") or []:
            size = (video.get("fileDetails") or {}).get("fileSize")
            if (video.get("snippet") or {}).get("title") == title and size is not None and int(size) == self.size:
                return video["id"]
        return None
