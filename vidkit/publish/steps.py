"""What follows the upload: captions, thumbnail, playlist. Each is a ledger step, so a re-run
does only what is missing. A step whose answer was lost (started, never done) is looked up
before it is repeated, so a crash never adds a second caption track or playlist entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidkit.publish.api import Api
from vidkit.publish.ledger import Ledger
from vidkit.publish.package import caption_body, playlist_body


def media(path: Path, mime: str):
    from googleapiclient.http import MediaFileUpload

    return MediaFileUpload(str(path), mimetype=mime, resumable=False)


def planned_steps(captions: Path | None, thumbnail: Path | None, playlist: str) -> list[str]:
    return [step for step, wanted in (("captions", captions), ("thumbnail", thumbnail), ("playlist", playlist))
            if wanted]


STEP_CALLS = {"captions": "captions.insert", "thumbnail": "thumbnails.set", "playlist": "playlistItems.insert"}


class Steps:
    def __init__(self, api: Api, ledger: Ledger, sha256: str, video_id: str, say: Callable[[str], None]):
        self.api, self.ledger, self.sha256, self.video_id, self.say = api, ledger, sha256, video_id, say

    def _run(self, step: str, already: Callable[[], str | None], do: Callable[[], str]) -> str:
        record = self.ledger.upload(self.sha256)
        assert record is not None
        state, result = record.steps.get(step, ("", None))
        if state == "done":
            return result or ""
        found = already() if state == "started" else None
        if found is None:
            self.ledger.step(self.sha256, step, "started")
            found = do()
        self.ledger.step(self.sha256, step, "done", found)
        return found

    def captions(self, srt: Path, language: str) -> str:
        body = caption_body(self.video_id, language)

        def already() -> str | None:
            listed = self.api.call("captions.list", lambda yt: yt.captions().list(part="snippet", videoId=self.video_id),
                                   "checking the video's caption tracks")
            for track in listed.get("items") or []:
                snippet = track.get("snippet") or {}
                if snippet.get("language") == language and snippet.get("name") == body["snippet"]["name"]:
                    return track.get("id", "")
            return None

        def do() -> str:
            made = self.api.call("captions.insert", lambda yt: yt.captions().insert(
                part="snippet", body=body, media_body=media(srt, "application/octet-stream")), "adding the captions")
            return made.get("id", "")

        return self._run("captions", already, do)

    def thumbnail(self, jpg: Path) -> str:
        def do() -> str:
            self.api.call("thumbnails.set", lambda yt: yt.thumbnails().set(
                videoId=self.video_id, media_body=media(jpg, "image/jpeg")), "setting the thumbnail")
            return "set"

        return self._run("thumbnail", lambda: None, do)  # setting it twice is harmless

    def playlist(self, playlist_id: str) -> str:
        def already() -> str | None:
            listed = self.api.call("playlistItems.list", lambda yt: yt.playlistItems().list(
                part="id,contentDetails", playlistId=playlist_id, videoId=self.video_id, maxResults=50),
                "checking the playlist")
            for item in listed.get("items") or []:
                if (item.get("contentDetails") or {}).get("videoId") == self.video_id:
                    return item.get("id", "")
            return None

        def do() -> str:
            made = self.api.call("playlistItems.insert", lambda yt: yt.playlistItems().insert(
                part="snippet", body=playlist_body(playlist_id, self.video_id)), "adding the video to the playlist")
            return made.get("id", "")

        return self._run("playlist", already, do)


def step_summary(steps: dict[str, tuple[str, Any]]) -> str:
    return ", ".join(f"{name} {state}" for name, (state, _) in sorted(steps.items())) or "none"
