"""The API methods of the fake YouTube (``tests.support.fake_youtube``), as a mixin.

Each route handler takes ``(exchange, scopes)`` and returns ``(status, json_or_None,
headers_or_None)`` or raises :class:`ApiError`. Media methods are split in two: a ``prepare``
step validates the metadata (and checks or charges quota) when the upload starts, and returns
a ``finish`` callable that checks the media and creates the resource once the last byte has
arrived -- in the same request for uploadType=multipart/media, or on the last chunk of a
resumable session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tests.support.fake_youtube_rules import (
    DEFAULT_UNITS, QUOTA_UNITS, SCOPE_FORCE_SSL, SCOPE_UPLOAD, SCOPE_YOUTUBE, ApiError,
    image_type, parse_json_body, parse_multipart_related, parse_parts, validate_snippet,
    validate_status, validate_video_metadata,
)

__all__ = ["ApiMethods", "FakeSession", "FakeVideo"]

UPLOAD_SCOPES = frozenset({SCOPE_UPLOAD, SCOPE_YOUTUBE, SCOPE_FORCE_SSL})
MANAGE_SCOPES = frozenset({SCOPE_YOUTUBE, SCOPE_FORCE_SSL})
CAPTION_SCOPES = frozenset({SCOPE_FORCE_SSL})  # not even .../auth/youtube
READ_SCOPES = MANAGE_SCOPES | {"https://www.googleapis.com/auth/youtube.readonly"}
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024
CHANNEL_TITLE = "Fake Clinic"


@dataclass
class FakeVideo:
    """A completed upload. ``snippet``/``status`` are what was sent after YouTube's defaults
    (``privacyStatus`` "public" when omitted, ``categoryId`` "22"); ``metadata`` is the raw
    JSON body as received, for asserting what the client actually sent."""

    id: str
    snippet: dict
    status: dict
    body: bytes
    metadata: dict = field(default_factory=dict)
    captions: list[tuple[dict, bytes]] = field(default_factory=list)
    thumbnail: bytes | None = None
    playlists: list[str] = field(default_factory=list)
    media_type: str = ""
    published_at: str = ""
    caption_ids: list[str] = field(default_factory=list)
    seq: int = 0  # upload order

    @property
    def file_size(self) -> int:
        return len(self.body)


@dataclass
class FakeSession:
    """A resumable upload session (``yt.sessions[uri]`` holds snapshots of these)."""

    uri: str
    method: str  # "videos.insert", "captions.insert" or "thumbnails.set"
    total: int | None  # X-Upload-Content-Length, or the total once a chunk named it
    data: bytearray = field(default_factory=bytearray)
    chunks: int = 0  # accepted data PUTs
    expired: bool = False
    completed: bool = False
    result: tuple[int, dict] | None = None  # the final (status, JSON) once completed
    video_id: str | None = None
    finish: object = field(default=None, repr=False)  # callable(media) -> (status, JSON)

    @property
    def received(self) -> int:
        return len(self.data)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _etag() -> str:
    return secrets.token_urlsafe(20)


def _thumbnails(video_id: str) -> dict:
    base = f"https://i.ytimg.com/vi/{video_id}/"
    return {"default": {"url": base + "default.jpg", "width": 120, "height": 90},
            "medium": {"url": base + "mqdefault.jpg", "width": 320, "height": 180},
            "high": {"url": base + "hqdefault.jpg", "width": 480, "height": 360}}


def _missing(name: str) -> ApiError:
    return ApiError(400, "missingRequiredParameter", f"No filter selected. Expected: {name}",
                    "youtube.parameter")


def _not_found(reason: str, what: str, domain: str) -> ApiError:
    return ApiError(404, reason, f"The {what} could not be found.", domain)


def _list(kind: str, items: list, **extra) -> dict:
    page = {"totalResults": extra.pop("total", len(items)),
            "resultsPerPage": extra.pop("per_page", len(items))}
    return {"kind": kind, "etag": _etag(), **extra, "pageInfo": page, "items": items}


class ApiMethods:
    """Route handlers; mixed into FakeYouTube, whose state (``_lock``, ``_videos``, ...) they use."""

    ROUTES = {
        ("POST", "/upload/youtube/v3/videos"): "_videos_insert",
        ("POST", "/youtube/v3/videos"): "_videos_insert_without_media",
        ("GET", "/youtube/v3/videos"): "_videos_list",
        ("PUT", "/youtube/v3/videos"): "_videos_update",
        ("DELETE", "/youtube/v3/videos"): "_videos_delete",
        ("POST", "/upload/youtube/v3/captions"): "_captions_insert",
        ("GET", "/youtube/v3/captions"): "_captions_list",
        ("POST", "/upload/youtube/v3/thumbnails/set"): "_thumbnails_set",
        ("GET", "/youtube/v3/channels"): "_channels_list",
        ("GET", "/youtube/v3/playlists"): "_playlists_list",
        ("GET", "/youtube/v3/playlistItems"): "_playlist_items_list",
        ("POST", "/youtube/v3/playlistItems"): "_playlist_items_insert",
    }

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _require(scopes, allowed: frozenset[str]) -> None:
        if not allowed & set(scopes):
            raise ApiError(403, "insufficientPermissions",
                           "Request had insufficient authentication scopes.", "global")

    def _charge(self, method: str, *, check_only: bool = False) -> None:
        """Charge a call to the quota, or refuse it with quotaExceeded. videos.insert is
        charged when its upload starts; media methods check when the upload starts and are
        charged when it succeeds; other calls when they succeed."""
        units = QUOTA_UNITS.get(method, DEFAULT_UNITS)
        with self._lock:
            over_bucket = method == "videos.insert" and \
                self._quota["videos.insert"] >= self.insert_quota
            if over_bucket or self._quota["units"] + units > self.unit_quota:
                raise self._quota_error()
            if check_only:
                return
            if method == "videos.insert":
                self._quota["videos.insert"] += 1
            self._quota["units"] += units
            self._calls[method] = self._calls.get(method, 0) + 1

    @staticmethod
    def _quota_error() -> ApiError:
        return ApiError(403, "quotaExceeded", "The request cannot be completed because you "
                                              "have exceeded your quota.", "youtube.quota")

    def _insert_fault(self, method: str) -> None:
        fault = self._take_fault("server_error_on_insert", method=method)
        if fault:
            raise ApiError(fault.params.get("status", 503), "backendError", "Backend Error",
                           "global")

    def _video(self, video_id: str | None, domain: str) -> FakeVideo:
        video = self._videos.get(video_id or "")
        if video is None:
            raise _not_found("videoNotFound", f"video {video_id!r}", domain)
        return video

    def _upload(self, ex, method: str, prepare) -> tuple:
        """Dispatch on uploadType; ``prepare(metadata, size, media_type) -> finish``."""
        upload_type = ex.param("uploadType")
        if upload_type == "resumable":
            metadata = parse_json_body(ex.body)
            size = ex.headers.get("X-Upload-Content-Length", "")
            size = int(size) if size.isdigit() else None
            finish = prepare(metadata, size, ex.headers.get("X-Upload-Content-Type", ""))
            uri = self._new_session(ex, method, size, finish)
            return 200, None, {"Location": uri}
        if upload_type == "multipart":
            parts = parse_multipart_related(ex.headers.get("Content-Type", ""), ex.body)
            if len(parts) != 2:
                raise ApiError(400, "badContent", "Expected metadata and media parts", "global")
            (_, meta), (media_headers, media) = parts
            finish = prepare(parse_json_body(meta), len(media),
                             media_headers.get("content-type", ""))
            return (*finish(media), None)
        if upload_type == "media":
            finish = prepare(None, len(ex.body), ex.headers.get("Content-Type", ""))
            return (*finish(ex.body), None)
        raise ApiError(400, "badRequest", f"Invalid uploadType {upload_type!r}", "global")

    @staticmethod
    def _finishing(work):
        """Wrap a finish step so that ApiErrors become a (status, JSON) result."""
        def finish(media: bytes) -> tuple[int, dict]:
            try:
                return work(media)
            except ApiError as err:
                return err.code, err.body()
        return finish

    # ------------------------------------------------------------------ videos

    def _videos_insert(self, ex, scopes):
        self._require(scopes, UPLOAD_SCOPES)
        parts = ex.query.get("part", [])

        def prepare(metadata, size, media_type):
            with self._lock:
                if self._take_fault("quota_exceeded"):
                    raise self._quota_error()
                if self._take_fault("upload_limit_exceeded"):
                    raise ApiError(400, "uploadLimitExceeded", "The user has exceeded the "
                                                               "number of videos they may upload.")
                self._insert_fault("videos.insert")
            names = parse_parts(parts)
            snippet, status = validate_video_metadata(names, metadata)
            if size == 0:
                raise ApiError(400, "mediaBodyRequired", "The request does not include the "
                                                         "video content.")
            self._charge("videos.insert")

            def work(media: bytes):
                if not media:
                    raise ApiError(400, "mediaBodyRequired", "The request does not include "
                                                             "the video content.")
                with self._lock:
                    self._seq += 1
                    video = FakeVideo(secrets.token_urlsafe(8)[:11], snippet, status, media,
                                      metadata=metadata, media_type=media_type,
                                      published_at=_now(), seq=self._seq)
                    self._videos[video.id] = video
                    return 200, self._video_resource(video, names)
            return self._finishing(work)
        return self._upload(ex, "videos.insert", prepare)

    def _videos_insert_without_media(self, ex, scopes):
        self._require(scopes, UPLOAD_SCOPES)
        raise ApiError(400, "mediaBodyRequired", "The request does not include the video "
                                                 "content.")

    def _video_resource(self, v: FakeVideo, parts: list[str]) -> dict:
        res = {"kind": "youtube#video", "etag": _etag(), "id": v.id}
        for part in parts:
            if part == "snippet":
                snippet = {"publishedAt": v.published_at, "channelId": self.channel_id,
                           "title": v.snippet["title"], "description": v.snippet["description"],
                           "thumbnails": _thumbnails(v.id), "channelTitle": CHANNEL_TITLE}
                snippet.update({k: val for k, val in v.snippet.items() if k not in snippet})
                snippet.setdefault("liveBroadcastContent", "none")
                snippet["localized"] = {"title": v.snippet["title"],
                                        "description": v.snippet["description"]}
                res["snippet"] = snippet
            elif part == "status":
                res["status"] = {"uploadStatus": "processed", "license": "youtube",
                                 "embeddable": True, "publicStatsViewable": True, **v.status}
                if "selfDeclaredMadeForKids" in v.status:
                    res["status"]["madeForKids"] = v.status["selfDeclaredMadeForKids"]
            elif part == "fileDetails":  # owner only; uint64 values are JSON strings
                res["fileDetails"] = {"fileSize": str(v.file_size), "fileType": "video"}
            elif part == "processingDetails":
                res["processingDetails"] = {"processingStatus": "succeeded"}
            elif part == "contentDetails":
                res["contentDetails"] = {"duration": "PT0S", "dimension": "2d",
                                         "definition": "sd", "licensedContent": False,
                                         "caption": "true" if v.captions else "false"}
            elif part != "id":
                res[part] = {}
        return res

    def _videos_list(self, ex, scopes):
        self._require(scopes, READ_SCOPES)
        names = parse_parts(ex.query.get("part", []))
        ids = [i for value in ex.query.get("id", []) for i in value.split(",") if i]
        if "id" not in ex.query:
            raise _missing("id, chart or myRating")
        self._charge("videos.list")
        with self._lock:
            items = [self._video_resource(self._videos[i], names) for i in ids
                     if i in self._videos]
        return 200, _list("youtube#videoListResponse", items), None

    def _videos_update(self, ex, scopes):
        self._require(scopes, MANAGE_SCOPES)
        names = parse_parts(ex.query.get("part", []))
        body = parse_json_body(ex.body)
        if not isinstance(body, dict) or not body.get("id"):
            raise ApiError(400, "invalidVideoMetadata", "The request must identify the video.")
        with self._lock:
            video = self._video(body["id"], "youtube.video")
        snippet = validate_snippet(body.get("snippet"), require_category=True) \
            if "snippet" in names else None
        status = validate_status(body.get("status")) if "status" in names else None
        self._charge("videos.update")
        with self._lock:
            video.snippet = snippet if snippet is not None else video.snippet
            video.status = status if status is not None else video.status
            return 200, self._video_resource(video, names), None

    def _videos_delete(self, ex, scopes):
        self._require(scopes, MANAGE_SCOPES)
        with self._lock:
            video = self._video(ex.param("id"), "youtube.video")
            self._charge("videos.delete")
            del self._videos[video.id]
            for items in self._playlist_items.values():
                items[:] = [i for i in items if i["videoId"] != video.id]
        return 204, None, None

    # ------------------------------------------------------------------ captions

    def _captions_insert(self, ex, scopes):
        self._require(scopes, CAPTION_SCOPES)
        names = parse_parts(ex.query.get("part", []), frozenset({"id", "snippet"}))

        def prepare(metadata, size, media_type):
            self._insert_fault("captions.insert")
            snippet = metadata.get("snippet") if isinstance(metadata, dict) else None
            if not isinstance(snippet, dict) or not snippet.get("language"):
                raise ApiError(400, "invalidMetadata", "The request contains invalid caption "
                                                       "metadata (snippet.language).",
                               "youtube.caption")
            snippet = dict(snippet, name=snippet.get("name", ""))

            def check():
                video = self._video(snippet.get("videoId"), "youtube.caption")
                if any(s["language"] == snippet["language"] and s["name"] == snippet["name"]
                       for s, _ in video.captions):
                    raise ApiError(409, "captionExists", "The video already has a caption "
                                                         "track with this language and name.",
                                   "youtube.caption")
                return video
            with self._lock:
                check()
            if size == 0:
                raise ApiError(400, "contentRequired", "The caption track has no content.",
                               "youtube.caption")
            self._charge("captions.insert", check_only=True)

            def work(media: bytes):
                if not media.strip():
                    raise ApiError(400, "contentRequired", "The caption track has no content.",
                                   "youtube.caption")
                with self._lock:
                    video = check()
                    self._charge("captions.insert")
                    video.captions.append((snippet, media))
                    video.caption_ids.append("AUieDa" + secrets.token_urlsafe(24))
                    return 200, self._caption_resource(video, len(video.captions) - 1, names)
            return self._finishing(work)
        return self._upload(ex, "captions.insert", prepare)

    def _caption_resource(self, video: FakeVideo, index: int, parts: list[str]) -> dict:
        sent = video.captions[index][0]
        res = {"kind": "youtube#caption", "etag": _etag(), "id": video.caption_ids[index]}
        if "snippet" in parts:
            res["snippet"] = {"videoId": video.id, "lastUpdated": _now(),
                              "trackKind": "standard", "language": sent["language"],
                              "name": sent["name"], "audioTrackType": "unknown",
                              "isCC": False, "isLarge": False, "isEasyReader": False,
                              "isDraft": bool(sent.get("isDraft", False)),
                              "isAutoSynced": False, "status": "serving"}
        return res

    def _captions_list(self, ex, scopes):
        self._require(scopes, CAPTION_SCOPES)
        names = parse_parts(ex.query.get("part", []), frozenset({"id", "snippet"}))
        if not ex.param("videoId"):
            raise _missing("videoId")
        with self._lock:
            video = self._video(ex.param("videoId"), "youtube.caption")
            self._charge("captions.list")
            items = [self._caption_resource(video, i, names) for i in range(len(video.captions))]
        return 200, _list("youtube#captionListResponse", items), None

    # ------------------------------------------------------------------ thumbnails

    def _thumbnails_set(self, ex, scopes):
        self._require(scopes, UPLOAD_SCOPES)
        video_id = ex.param("videoId")
        too_large = ApiError(400, "mediaBodyTooLarge", "The thumbnail is larger than 2 MB.",
                             "youtube.thumbnail")

        def prepare(metadata, size, media_type):
            self._insert_fault("thumbnails.set")
            if not video_id:
                raise _missing("videoId")
            with self._lock:
                self._video(video_id, "youtube.thumbnail")
            if size is not None and size > THUMBNAIL_MAX_BYTES:
                raise too_large
            self._charge("thumbnails.set", check_only=True)

            def work(media: bytes):
                if not media:
                    raise ApiError(400, "mediaBodyRequired", "No image.", "youtube.thumbnail")
                if len(media) > THUMBNAIL_MAX_BYTES:
                    raise too_large
                if image_type(media) is None:
                    raise ApiError(400, "invalidImage", "The provided image content is "
                                                        "invalid (JPEG or PNG expected).",
                                   "youtube.thumbnail")
                with self._lock:
                    video = self._video(video_id, "youtube.thumbnail")
                    self._charge("thumbnails.set")
                    video.thumbnail = media
                return 200, {"kind": "youtube#thumbnailSetResponse", "etag": _etag(),
                             "items": [_thumbnails(video_id)]}
            return self._finishing(work)
        return self._upload(ex, "thumbnails.set", prepare)

    # ------------------------------------------------------------------ channels, playlists

    def _channels_list(self, ex, scopes):
        self._require(scopes, READ_SCOPES)
        names = parse_parts(ex.query.get("part", []), frozenset(
            {"id", "snippet", "contentDetails", "status", "statistics", "brandingSettings",
             "localizations", "topicDetails"}))
        mine, ids = ex.param("mine") == "true", ",".join(ex.query.get("id", [])).split(",")
        if not mine and "id" not in ex.query:
            raise _missing("mine, id or forHandle")
        self._charge("channels.list")
        items = []
        if mine or self.channel_id in ids:
            channel = {"kind": "youtube#channel", "etag": _etag(), "id": self.channel_id}
            parts = {"snippet": {"title": CHANNEL_TITLE, "description": "",
                                 "customUrl": "@fakeclinic", "publishedAt": "2020-01-01T00:00:00Z"},
                     "contentDetails": {"relatedPlaylists": {
                         "likes": "LL", "uploads": self.uploads_playlist_id}},
                     "status": {"privacyStatus": "public", "isLinked": True,
                                "longUploadsStatus": "allowed"},
                     "statistics": {"videoCount": str(len(self._videos))}}
            channel.update({n: parts.get(n, {}) for n in names if n != "id"})
            items.append(channel)
        return 200, _list("youtube#channelListResponse", items), None

    def _playlists_list(self, ex, scopes):
        self._require(scopes, READ_SCOPES)
        names = parse_parts(ex.query.get("part", []), frozenset(
            {"id", "snippet", "status", "contentDetails", "player", "localizations"}))
        ids = ",".join(ex.query.get("id", [])).split(",")
        if ex.param("mine") != "true" and "id" not in ex.query:
            raise _missing("mine, id or channelId")
        self._charge("playlists.list")
        items = []
        if ex.param("mine") == "true" or self.playlist_id in ids:
            with self._lock:
                count = len(self._playlist_items[self.playlist_id])
            playlist = {"kind": "youtube#playlist", "etag": _etag(), "id": self.playlist_id}
            parts = {"snippet": {"title": "Clinic education", "description": "",
                                 "channelId": self.channel_id, "channelTitle": CHANNEL_TITLE},
                     "status": {"privacyStatus": "public"},
                     "contentDetails": {"itemCount": count}}
            playlist.update({n: parts.get(n, {}) for n in names if n != "id"})
            items.append(playlist)
        return 200, _list("youtube#playlistListResponse", items), None

    def _playlist_entries(self, playlist_id: str) -> list[tuple[dict, FakeVideo]]:
        """(item record, video) in playlist order; the uploads playlist is newest first."""
        if playlist_id == self.uploads_playlist_id:
            videos = sorted(self._videos.values(), key=lambda v: v.seq, reverse=True)
            return [({"id": hashlib.sha1(f"{playlist_id}/{v.id}".encode()).hexdigest()[:32],
                      "videoId": v.id, "addedAt": v.published_at}, v) for v in videos]
        if playlist_id not in self._playlist_items:
            raise _not_found("playlistNotFound", f"playlist {playlist_id!r}",
                             "youtube.playlistItem")
        return [(item, self._videos[item["videoId"]]) for item in
                self._playlist_items[playlist_id] if item["videoId"] in self._videos]

    def _playlist_item_resource(self, playlist_id: str, position: int, item: dict,
                                video: FakeVideo, parts: list[str]) -> dict:
        res = {"kind": "youtube#playlistItem", "etag": _etag(), "id": item["id"]}
        full = {"snippet": {"publishedAt": item["addedAt"], "channelId": self.channel_id,
                            "title": video.snippet["title"],
                            "description": video.snippet["description"],
                            "thumbnails": _thumbnails(video.id), "channelTitle": CHANNEL_TITLE,
                            "playlistId": playlist_id, "position": position,
                            "resourceId": {"kind": "youtube#video", "videoId": video.id},
                            "videoOwnerChannelTitle": CHANNEL_TITLE,
                            "videoOwnerChannelId": self.channel_id},
                "contentDetails": {"videoId": video.id, "videoPublishedAt": video.published_at},
                "status": {"privacyStatus": video.status["privacyStatus"]}}
        res.update({n: full.get(n, {}) for n in parts if n != "id"})
        return res

    def _playlist_items_list(self, ex, scopes):
        self._require(scopes, READ_SCOPES)
        names = parse_parts(ex.query.get("part", []), frozenset(
            {"id", "snippet", "contentDetails", "status"}))
        playlist_id = ex.param("playlistId")
        if not playlist_id:
            raise _missing("playlistId or id")
        per_page = ex.param("maxResults") or "5"
        if not per_page.isdigit() or int(per_page) > 50:
            raise ApiError(400, "invalidValue", "maxResults must be 0-50", "youtube.parameter")
        per_page, token = int(per_page), ex.param("pageToken") or "page0"
        if not (token.startswith("page") and token[4:].isdigit()):
            raise ApiError(400, "invalidPageToken", "Invalid page token", "youtube.parameter")
        start = int(token[4:])
        with self._lock:
            entries = self._playlist_entries(playlist_id)
            self._charge("playlistItems.list")
            page = [self._playlist_item_resource(playlist_id, start + i, item, video, names)
                    for i, (item, video) in enumerate(entries[start:start + per_page])]
        extra = {"nextPageToken": f"page{start + per_page}"} \
            if start + per_page < len(entries) else {}
        if start:
            extra["prevPageToken"] = f"page{max(0, start - per_page)}"
        return 200, _list("youtube#playlistItemListResponse", page, total=len(entries),
                          per_page=per_page, **extra), None

    def _playlist_items_insert(self, ex, scopes):
        self._require(scopes, MANAGE_SCOPES)
        names = parse_parts(ex.query.get("part", []), frozenset(
            {"id", "snippet", "contentDetails", "status"}))
        self._insert_fault("playlistItems.insert")
        body = parse_json_body(ex.body)
        snippet = body.get("snippet") if isinstance(body, dict) else None
        if not isinstance(snippet, dict) or not snippet.get("playlistId"):
            raise ApiError(400, "playlistIdRequired", "The request does not specify a playlist.",
                           "youtube.playlistItem")
        resource = snippet.get("resourceId")
        if not isinstance(resource, dict) or resource.get("kind") != "youtube#video" \
                or not resource.get("videoId"):
            raise ApiError(400, "invalidResourceId", "snippet.resourceId must name a video "
                                                     "(kind youtube#video, videoId).",
                           "youtube.playlistItem")
        playlist_id = snippet["playlistId"]
        with self._lock:
            if playlist_id == self.uploads_playlist_id:
                raise ApiError(403, "playlistOperationUnsupported", "The uploads playlist "
                                                                    "cannot be edited.",
                               "youtube.playlistItem")
            if playlist_id not in self._playlist_items:
                raise _not_found("playlistNotFound", f"playlist {playlist_id!r}",
                                 "youtube.playlistItem")
            video = self._video(resource["videoId"], "youtube.playlistItem")
            self._charge("playlistItems.insert")
            # YouTube allows the same video twice in a playlist: a client must not re-add.
            item = {"id": "UEx" + secrets.token_urlsafe(24), "videoId": video.id,
                    "addedAt": _now()}
            items = self._playlist_items[playlist_id]
            position = snippet.get("position", len(items))
            position = min(max(int(position), 0), len(items))
            items.insert(position, item)
            video.playlists.append(playlist_id)
            return 200, self._playlist_item_resource(playlist_id, position, item, video,
                                                     names), None
