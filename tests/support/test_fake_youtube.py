"""The YouTube fake, driven by the real google-api-python-client (and httplib2, google-auth).

These tests pin down both the fake's protocol and what the real client does against it --
which exceptions it raises for each fault -- so vidkit's publish code knows what to catch.
"""

from __future__ import annotations

import gc
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import google_auth_httplib2
import httplib2
import pytest
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError, ResumableUploadError
from googleapiclient.http import MediaFileUpload, MediaIoBaseUpload

from tests.support.fake_youtube import FakeYouTube
from tests.support.fake_youtube_rules import tags_length

REPO = Path(__file__).resolve().parents[2]
CHUNK = 256 * 1024
SIZE = 1_300_000  # five chunks, the last one short
INSERT = "/upload/youtube/v3/videos?part=snippet%2Cstatus&alt=json&uploadType=resumable"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")
SRT = b"1\n00:00:00,000 --> 00:00:02,000\nHello and welcome.\n"


def metadata(**status) -> dict:
    return {"snippet": {"title": "Shoulder exercises", "description": "Educational.",
                        "tags": ["physio", "shoulder"], "categoryId": "27"},
            "status": {"privacyStatus": "private", "selfDeclaredMadeForKids": False, **status}}


_OPEN: list[httplib2.Http] = []


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    while _OPEN:
        _OPEN.pop().close()


def make_http(yt: FakeYouTube, timeout: float = 10) -> httplib2.Http:
    http = httplib2.Http(ca_certs=str(yt.ca_file), timeout=timeout)
    _OPEN.append(http)
    # httplib2 follows 308 as a redirect unless told otherwise (googleapiclient's own
    # build_http() does the same); for resumable uploads 308 means "Resume Incomplete".
    http.redirect_codes = http.redirect_codes - {308}
    return http


def make_client(yt: FakeYouTube, token: Path):
    info = json.loads(token.read_text())
    # google-auth's from_authorized_user_info() ignores the file's token_uri (it always uses
    # oauth2.googleapis.com), so the token endpoint must be set explicitly.
    creds = Credentials.from_authorized_user_info(info).with_token_uri(info["token_uri"])
    return build("youtube", "v3", static_discovery=True,
                 http=google_auth_httplib2.AuthorizedHttp(creds, http=make_http(yt)),
                 client_options={"api_endpoint": yt.root_url})


class ChunkBytes(MediaIoBaseUpload):
    """Chunks as bytes rather than a slice of the stream: httplib2 can then resend a chunk
    itself after a dropped connection (with a stream, its resend has an empty body)."""

    def has_stream(self):
        return False


def media(data: bytes, *, stream: bool = True):
    cls = MediaIoBaseUpload if stream else ChunkBytes
    return cls(io.BytesIO(data), mimetype="video/mp4", chunksize=CHUNK, resumable=True)


def insert(youtube, data: bytes, body: dict | None = None, *, stream: bool = True):
    return youtube.videos().insert(part="snippet,status", body=body or metadata(),
                                   media_body=media(data, stream=stream))


def finish(request, *, max_errors: int = 5):
    """Drive ``next_chunk`` to the end as a careful client would; return (resource, errors)."""
    errors = []
    while True:
        try:
            _, response = request.next_chunk()
        except HttpError as exc:
            if exc.resp.status not in (500, 502, 503, 504) or len(errors) >= max_errors:
                raise
            errors.append(exc)
            continue
        except (OSError, httplib2.HttpLib2Error) as exc:
            if len(errors) >= max_errors:
                raise
            errors.append(exc)
            continue
        if response is not None:
            return response, errors


def reason(exc: HttpError) -> str:
    return exc.error_details[0]["reason"]


def inserts(yt: FakeYouTube) -> list[tuple[str, str, int]]:
    return [r for r in yt.requests if r[0] == "POST" and r[1].startswith("/upload/youtube/v3/videos")]


@pytest.fixture
def yt(tmp_path):
    with FakeYouTube(tmp_path / "fake", body_timeout=1.0) as fake:
        yield fake


@pytest.fixture
def token(yt, tmp_path) -> Path:
    return yt.write_token(tmp_path / "token.json")


@pytest.fixture
def youtube(yt, token):
    return make_client(yt, token)


@pytest.fixture(scope="module")
def data() -> bytes:
    return os.urandom(SIZE)


def only_video(yt: FakeYouTube):
    videos = yt.videos
    assert len(videos) == 1, videos.keys()
    return next(iter(videos.values()))


# ---------------------------------------------------------------------------- happy path


def test_resumable_upload_paths_and_storage(yt, youtube, data, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(data)
    request = youtube.videos().insert(
        part="snippet,status", body=metadata(),
        media_body=MediaFileUpload(str(clip), mimetype="video/mp4", chunksize=CHUNK,
                                   resumable=True))
    progress = []
    response = None
    while response is None:
        status, response = request.next_chunk()
        if status:
            progress.append(status.resumable_progress)
    assert progress == [CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK]
    assert response["kind"] == "youtube#video"
    assert response["status"]["privacyStatus"] == "private"
    assert response["snippet"]["title"] == "Shoulder exercises"

    video = only_video(yt)
    assert video.id == response["id"]
    assert video.body == data
    assert video.status["privacyStatus"] == "private"
    assert video.snippet["categoryId"] == "27"
    assert video.metadata == metadata()  # exactly what the client sent

    (uri, session), = yt.sessions.items()
    assert session.completed and session.received == SIZE and session.video_id == video.id
    assert uri.startswith(yt.root_url + INSERT.lstrip("/") + "&upload_id=")
    session_path = uri[len(yt.root_url) - 1:]
    assert yt.requests == [("POST", "/token", 200), ("POST", INSERT, 200)] + \
        [("PUT", session_path, 308)] * 4 + [("PUT", session_path, 200)]
    assert yt.protocol_errors == [] and yt.internal_errors == []
    assert yt.quota_used == {"videos.insert": 1, "units": 0}


def test_missing_privacy_status_is_stored_as_public(yt, youtube):
    body = metadata()
    del body["status"]["privacyStatus"]
    finish(insert(youtube, b"x" * 1000, body))
    video = only_video(yt)
    assert video.status["privacyStatus"] == "public"
    assert "privacyStatus" not in video.metadata["status"]


def test_status_query_and_resuming_with_a_fresh_request(yt, youtube, token, data):
    request = insert(youtube, data)
    request.next_chunk()
    request.next_chunk()
    uri = request.resumable_uri
    http = make_http(yt)
    resp, _ = http.request(uri, "PUT", headers={"Content-Range": f"bytes */{SIZE}",
                                                "Content-Length": "0"})
    assert resp.status == 308 and resp["range"] == f"bytes=0-{2 * CHUNK - 1}"
    assert yt.sessions[uri].received == 2 * CHUNK

    # A new process knows only the session URI: googleapiclient has no public resume API,
    # but a request whose resumable_uri is set and that is "in error state" asks the server
    # where it stopped (bytes */N) before sending the next chunk.
    fresh = insert(make_client(yt, token), data)
    fresh.resumable_uri = uri
    fresh._in_error_state = True
    response, errors = finish(fresh)
    assert errors == []
    assert only_video(yt).body == data and len(inserts(yt)) == 1

    # Asking again after completion returns the video resource (how a lost final response
    # is recovered).
    resp, content = http.request(uri, "PUT", headers={"Content-Range": f"bytes */{SIZE}",
                                                      "Content-Length": "0"})
    assert resp.status == 200 and json.loads(content)["id"] == response["id"]


def test_status_query_before_any_byte_has_no_range(yt, youtube):
    resp, _ = youtube._http.request(yt.root_url + INSERT.lstrip("/"), "POST",
                                    body=json.dumps(metadata()),
                                    headers={"Content-Type": "application/json",
                                             "X-Upload-Content-Length": "1000"})
    assert resp.status == 200
    resp, _ = make_http(yt).request(resp["location"], "PUT", headers={
        "Content-Range": "bytes */1000", "Content-Length": "0"})
    assert resp.status == 308 and "range" not in resp


# ---------------------------------------------------------------------------- faults


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "bytes"])
def test_chunk_503_is_an_http_error_and_the_chunk_is_not_stored(yt, youtube, data, stream):
    yt.fail("chunk_503", on_chunk=2, count=2)
    response, errors = finish(insert(youtube, data, stream=stream))
    assert [e.resp.status for e in errors] == [503, 503]
    assert all(isinstance(e, HttpError) for e in errors)
    video = only_video(yt)
    assert video.body == data and video.id == response["id"]
    puts = [r[2] for r in yt.requests if r[0] == "PUT"]
    # chunk 1, chunk 2 -> 503, status query + chunk 2 -> 503, status query + chunk 2, 3, 4, 5
    assert puts == [308, 503, 308, 503, 308, 308, 308, 308, 200]
    assert yt.pending_faults == [] and yt.protocol_errors == []


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "bytes"])
def test_next_chunk_num_retries_resends_only_byte_chunks(yt, youtube, data, stream):
    yt.fail("chunk_503", on_chunk=2)
    request = insert(youtube, data, stream=stream)
    request._sleep = lambda seconds: None
    request.next_chunk(num_retries=3)
    if stream:
        # googleapiclient's own retry resends the chunk's stream slice, already read: an
        # empty body under a full Content-Length. The server waits, resets, and the client
        # raises; the upload itself survives (the next next_chunk asks for the Range).
        with pytest.raises(OSError):
            request.next_chunk(num_retries=3)
        assert any("stalled" in e for e in yt.protocol_errors)
    else:
        request.next_chunk(num_retries=3)
        assert yt.protocol_errors == []
    finish(request)
    assert only_video(yt).body == data


def test_drop_mid_chunk_keeps_half_and_the_client_resumes_from_the_range(yt, youtube, data):
    yt.fail("drop_mid_chunk", on_chunk=2)
    request = insert(youtube, data)
    request.next_chunk()
    with pytest.raises(OSError):  # RemoteDisconnected, SSLEOFError or ConnectionResetError
        request.next_chunk()
    (session,) = yt.sessions.values()
    assert session.received == CHUNK + CHUNK // 2  # the server kept a prefix
    status, _ = request.next_chunk()  # asks for the Range (bytes */N), then sends from there
    assert status.resumable_progress == 2 * CHUNK + CHUNK // 2
    finish(request)
    assert only_video(yt).body == data and len(inserts(yt)) == 1


def test_drop_mid_chunk_with_byte_chunks_is_resent_by_httplib2_or_raises(yt, youtube, data):
    yt.fail("drop_mid_chunk", on_chunk=3)
    response, errors = finish(insert(youtube, data, stream=False))
    # When the reset arrives after the client has sent the whole chunk, httplib2 resends the
    # request once, silently, and the server answers with 308 and the Range it kept. When it
    # arrives while the client is still sending, the client raises (BrokenPipeError,
    # ConnectionResetError or ssl.SSLEOFError) and the next next_chunk() asks for the Range.
    assert len(errors) <= 1 and all(isinstance(e, OSError) for e in errors)
    assert only_video(yt).body == data and len(inserts(yt)) == 1
    puts = [r[2] for r in yt.requests if r[0] == "PUT"]
    assert puts[:4] == [308, 308, 0, 308] and puts[-1] == 200
    assert yt.protocol_errors == []


def test_lose_final_response_with_a_stream_raises_then_status_query_returns_video(
        yt, youtube, data):
    yt.fail("lose_final_response")
    request = insert(youtube, data)
    for _ in range(4):
        request.next_chunk()
    with pytest.raises(OSError):
        # httplib2 resends the last chunk with the already-read stream: an empty body; the
        # server waits body_timeout for it, then resets, and only then the client raises.
        request.next_chunk()
    assert len(yt.videos) == 1  # the upload completed although the client does not know it
    assert any("stalled" in e for e in yt.protocol_errors)
    status, response = request.next_chunk()  # in error state: bytes */N -> 200 + resource
    assert status is None and response["id"] == only_video(yt).id
    assert only_video(yt).body == data and len(inserts(yt)) == 1


def test_lose_final_response_with_byte_chunks_is_invisible(yt, youtube, data):
    yt.fail("lose_final_response")
    response, errors = finish(insert(youtube, data, stream=False))
    assert errors == [] and response["id"] == only_video(yt).id
    assert yt.protocol_errors == []


def test_expire_session_gives_404_until_a_new_upload(yt, youtube, data):
    yt.fail("expire_session", on_chunk=3)
    request = insert(youtube, data)
    request.next_chunk()
    request.next_chunk()
    for _ in range(2):  # the session is gone for good, status queries included
        with pytest.raises(HttpError) as err:
            request.next_chunk()
        assert err.value.resp.status == 404
    (old,) = yt.sessions.values()
    assert old.expired and old.received == 2 * CHUNK
    finish(insert(youtube, data))
    assert only_video(yt).body == data and len(inserts(yt)) == 2
    assert yt.quota_used["videos.insert"] == 2  # a new insert is a new call


@pytest.mark.parametrize("kind, status, why", [
    ("quota_exceeded", 403, "quotaExceeded"),
    ("upload_limit_exceeded", 400, "uploadLimitExceeded"),
])
def test_insert_refusals_are_resumable_upload_errors_and_never_retried(
        yt, youtube, data, kind, status, why):
    yt.fail(kind)
    request = insert(youtube, data)
    with pytest.raises(ResumableUploadError) as err:
        request.next_chunk(num_retries=3)  # googleapiclient does not retry these either
    assert err.value.resp.status == status and reason(err.value) == why
    assert inserts(yt) == [("POST", INSERT, status)]
    assert yt.videos == {} and yt.sessions == {}
    assert yt.quota_used == {"videos.insert": 0, "units": 0}


def test_server_error_on_insert(yt, youtube, data):
    yt.fail("server_error_on_insert")
    with pytest.raises(ResumableUploadError) as err:
        insert(youtube, data).next_chunk()
    assert err.value.resp.status == 503 and isinstance(err.value, HttpError)
    # With num_retries the client retries the initiation itself (5xx only).
    yt.fail("server_error_on_insert", status=500)
    request = insert(youtube, data)
    request._sleep = lambda seconds: None
    request.next_chunk(num_retries=2)
    finish(request)
    assert [r[2] for r in inserts(yt)] == [503, 500, 200]
    assert only_video(yt).body == data


def test_invalid_grant_raises_refresh_error(yt, youtube, token):
    yt.fail("invalid_grant")
    with pytest.raises(RefreshError, match="invalid_grant"):
        insert(youtube, b"z" * 100).next_chunk()
    assert yt.requests == [("POST", "/token", 400)]
    yt.revoke()
    with pytest.raises(RefreshError, match="invalid_grant"):
        make_client(yt, token).channels().list(part="id", mine=True).execute()
    other = yt.write_token(token.parent / "other.json", "refresh-other")
    assert make_client(yt, other).channels().list(part="id", mine=True).execute()["items"]


def test_api_calls_need_a_bearer_token_issued_by_the_fake(yt, youtube):
    http = make_http(yt)
    url = yt.root_url + "youtube/v3/channels?part=id&mine=true"
    for headers in ({}, {"Authorization": "Bearer forged"}):
        resp, content = http.request(url, headers=headers)
        assert resp.status == 401 and json.loads(content)["error"]["code"] == 401
    youtube.channels().list(part="id", mine=True).execute()
    yt.expire_access_tokens()  # AuthorizedHttp refreshes on 401 and retries
    youtube.channels().list(part="id", mine=True).execute()
    assert [r[2] for r in yt.requests if r[1] == "/token"] == [200, 200]


def test_scopes_are_enforced(yt, tmp_path):
    narrow = yt.write_token(tmp_path / "upload-only.json", "refresh-narrow",
                            scopes=("https://www.googleapis.com/auth/youtube.upload",))
    youtube = make_client(yt, narrow)
    finish(insert(youtube, b"v" * 100))
    with pytest.raises(HttpError) as err:
        youtube.playlistItems().insert(part="snippet", body={"snippet": {
            "playlistId": yt.playlist_id,
            "resourceId": {"kind": "youtube#video", "videoId": only_video(yt).id}}}).execute()
    assert err.value.resp.status == 403 and reason(err.value) == "insufficientPermissions"


# ---------------------------------------------------------------------------- validation


FUTURE = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
PAST = "2020-01-01T00:00:00Z"


def _with(snippet=None, status=None) -> dict:
    body = metadata()
    body["snippet"].update(snippet or {})
    body["status"].update(status or {})
    return body


@pytest.mark.parametrize("body, why", [
    (_with({"title": ""}), "invalidTitle"),
    (_with({"title": "x" * 101}), "invalidTitle"),
    (_with({"title": "a <b> c"}), "invalidTitle"),
    (_with({"description": "no > here"}), "invalidDescription"),
    (_with({"description": "é" * 2501}), "invalidDescription"),  # 5002 bytes
    (_with({"tags": ["ok", "<bad>"]}), "invalidTags"),
    (_with({"tags": ["a" * 249, "b" * 251]}), "invalidTags"),  # 249 + 1 + 251 = 501
    (_with({"tags": ["a b", "c" * 495]}), "invalidTags"),  # 3 + 2 + 1 + 495 = 501
    (_with({"categoryId": "99"}), "invalidCategoryId"),
    (_with(status={"privacyStatus": "public", "publishAt": FUTURE}), "invalidPublishAt"),
    (_with(status={"publishAt": PAST}), "invalidPublishAt"),
    (_with(status={"privacyStatus": "secret"}), "invalidVideoMetadata"),
])
def test_metadata_validation(yt, youtube, body, why):
    with pytest.raises(ResumableUploadError) as err:
        insert(youtube, b"m" * 100, body).next_chunk()
    assert err.value.resp.status == 400 and reason(err.value) == why
    assert yt.sessions == {} and yt.quota_used["videos.insert"] == 0


@pytest.mark.parametrize("body", [
    _with({"title": "x" * 100, "description": "é" * 2500}),
    _with({"tags": ["a" * 249, "b" * 250]}),
    _with({"tags": ["a b", "c" * 494]}),
    _with(status={"publishAt": FUTURE}),
    _with({"categoryId": 22}),
])
def test_metadata_at_the_limits_is_accepted(yt, youtube, body):
    finish(insert(youtube, b"m" * 100, body))
    assert len(yt.videos) == 1


def test_part_must_name_snippet_and_status(yt, youtube):
    request = youtube.videos().insert(part="snippet", body=metadata(),
                                      media_body=media(b"p" * 10))
    with pytest.raises(ResumableUploadError) as err:
        request.next_chunk()
    assert reason(err.value) == "invalidPart"


def test_multipart_insert_and_update_rules(yt, youtube):
    video = youtube.videos().insert(  # not resumable: uploadType=multipart, one request
        part="snippet,status", body=metadata(),
        media_body=MediaIoBaseUpload(io.BytesIO(b"small"), mimetype="video/mp4")).execute()
    assert only_video(yt).body == b"small"
    assert inserts(yt) == [("POST", "/upload/youtube/v3/videos?part=snippet%2Cstatus"
                                    "&alt=json&uploadType=multipart", 200)]
    update = {"id": video["id"], "status": {"privacyStatus": "public", "publishAt": FUTURE}}
    with pytest.raises(HttpError) as err:
        youtube.videos().update(part="status", body=update).execute()
    assert reason(err.value) == "invalidPublishAt"
    with pytest.raises(HttpError) as err:  # updating the snippet needs categoryId again
        youtube.videos().update(part="snippet", body={"id": video["id"], "snippet": {
            "title": "New title"}}).execute()
    assert reason(err.value) == "invalidCategoryId"
    youtube.videos().update(part="status", body={
        "id": video["id"], "status": {"privacyStatus": "unlisted"}}).execute()
    assert only_video(yt).status == {"privacyStatus": "unlisted"}
    assert yt.quota_used == {"videos.insert": 1, "units": 50}


def test_tags_length_counts_commas_and_quotes():
    assert tags_length([]) == 0
    assert tags_length(["abc"]) == 3
    assert tags_length(["abc", "de"]) == 6
    assert tags_length(["a b", "c"]) == 3 + 2 + 1 + 1


# ---------------------------------------------------------------------------- other calls


def test_captions_thumbnail_playlist_and_quota(yt, youtube):
    video_id = finish(insert(youtube, b"c" * 5000))[0]["id"]
    snippet = {"videoId": video_id, "language": "en", "name": "English"}
    caption = youtube.captions().insert(
        part="snippet", body={"snippet": snippet},
        media_body=MediaIoBaseUpload(io.BytesIO(SRT), mimetype="application/x-subrip")
    ).execute()  # uploadType=multipart
    assert caption["kind"] == "youtube#caption" and caption["snippet"]["language"] == "en"
    with pytest.raises(HttpError) as err:  # same language and name again
        youtube.captions().insert(part="snippet", body={"snippet": snippet}, media_body=
                                  MediaIoBaseUpload(io.BytesIO(SRT), mimetype="text/plain")
                                  ).execute()
    assert err.value.resp.status == 409 and reason(err.value) == "captionExists"
    resumable = youtube.captions().insert(
        part="snippet", body={"snippet": dict(snippet, language="fr", name="")},
        media_body=MediaIoBaseUpload(io.BytesIO(SRT), mimetype="application/octet-stream",
                                     chunksize=CHUNK, resumable=True))
    finish(resumable)
    with pytest.raises(HttpError) as err:
        youtube.captions().insert(part="snippet", body={"snippet": dict(snippet, videoId="nope")},
                                  media_body=MediaIoBaseUpload(io.BytesIO(SRT),
                                                               mimetype="text/plain")).execute()
    assert err.value.resp.status == 404 and reason(err.value) == "videoNotFound"

    thumb = youtube.thumbnails().set(videoId=video_id, media_body=MediaIoBaseUpload(
        io.BytesIO(PNG), mimetype="image/png")).execute()  # uploadType=media
    assert thumb["items"][0]["default"]["url"]
    with pytest.raises(HttpError) as err:
        youtube.thumbnails().set(videoId=video_id, media_body=MediaIoBaseUpload(
            io.BytesIO(b"not an image"), mimetype="image/png")).execute()
    assert reason(err.value) == "invalidImage"
    with pytest.raises(HttpError) as err:  # discovery's maxSize is 50 MB: the server refuses
        youtube.thumbnails().set(videoId=video_id, media_body=MediaIoBaseUpload(
            io.BytesIO(PNG + bytes(2 * 1024 * 1024)), mimetype="image/png")).execute()
    assert err.value.resp.status == 400 and reason(err.value) == "mediaBodyTooLarge"

    item = youtube.playlistItems().insert(part="snippet", body={"snippet": {
        "playlistId": yt.playlist_id,
        "resourceId": {"kind": "youtube#video", "videoId": video_id}}}).execute()
    assert item["snippet"]["resourceId"]["videoId"] == video_id
    with pytest.raises(HttpError) as err:
        youtube.playlistItems().insert(part="snippet", body={"snippet": {
            "playlistId": "PLnope",
            "resourceId": {"kind": "youtube#video", "videoId": video_id}}}).execute()
    assert err.value.resp.status == 404 and reason(err.value) == "playlistNotFound"

    video = only_video(yt)
    assert [(s["language"], s["name"], body) for s, body in video.captions] == \
        [("en", "English", SRT), ("fr", "", SRT)]
    assert video.thumbnail == PNG
    assert video.playlists == [yt.playlist_id]
    assert yt.quota_used == {"videos.insert": 1, "units": 400 * 2 + 50 + 50}
    assert yt.quota_calls == {"videos.insert": 1, "captions.insert": 2, "thumbnails.set": 1,
                              "playlistItems.insert": 1}


def test_finding_a_video_whose_final_response_was_lost(yt, youtube, data):
    ids = [finish(insert(youtube, bytes([i]) * (1000 + i)))[0]["id"] for i in range(3)]
    channel = youtube.channels().list(part="contentDetails", mine=True).execute()
    uploads = channel["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    assert uploads == yt.uploads_playlist_id and uploads.startswith("UU")

    found, request = [], youtube.playlistItems().list(
        part="snippet,contentDetails", playlistId=uploads, maxResults=2)
    while request is not None:
        page = request.execute()
        found += [i["contentDetails"]["videoId"] for i in page["items"]]
        request = youtube.playlistItems().list_next(request, page)
    assert found == ids[::-1]  # newest first, across pages

    listed = youtube.videos().list(part="snippet,status,fileDetails",
                                   id=",".join(ids + ["unknown"])).execute()["items"]
    assert [(v["id"], v["fileDetails"]["fileSize"]) for v in listed] == \
        [(i, str(1000 + n)) for n, i in enumerate(ids)]  # uint64 as a JSON string
    assert listed[0]["status"]["privacyStatus"] == "private"
    assert yt.quota_used["units"] == 1 + 2 + 1  # channels, 2 pages, videos.list


# ---------------------------------------------------------------------------- protocol


def test_protocol_violations_are_recorded_not_fatal(yt, youtube):
    http = youtube._http
    resp, _ = http.request(yt.root_url + INSERT.lstrip("/"), "POST",
                           body=json.dumps(metadata()),
                           headers={"Content-Type": "application/json",
                                    "X-Upload-Content-Length": str(3 * CHUNK)})
    uri, raw = resp["location"], make_http(yt)
    resp, _ = raw.request(uri, "PUT", body=b"a" * 1000,
                          headers={"Content-Range": f"bytes 0-999/{3 * CHUNK}"})
    assert resp.status == 308 and resp["range"] == "bytes=0-999"
    resp, _ = raw.request(uri, "PUT", body=b"b" * 10,
                          headers={"Content-Range": f"bytes 5000-5009/{3 * CHUNK}"})
    assert resp.status == 308 and resp["range"] == "bytes=0-999"
    assert len(yt.protocol_errors) == 2
    assert "multiple of 262144" in yt.protocol_errors[0]
    assert "starts at 5000" in yt.protocol_errors[1]


def test_plain_httplib2_treats_308_as_a_redirect(yt, token, data):
    info = json.loads(token.read_text())
    creds = Credentials.from_authorized_user_info(info).with_token_uri(info["token_uri"])
    http = httplib2.Http(ca_certs=str(yt.ca_file), timeout=10)  # redirect_codes untouched
    _OPEN.append(http)
    youtube = build("youtube", "v3", static_discovery=True,
                    http=google_auth_httplib2.AuthorizedHttp(creds, http=http),
                    client_options={"api_endpoint": yt.root_url})
    with pytest.raises(httplib2.RedirectMissingLocation):
        insert(youtube, data).next_chunk()


def test_google_auth_ignores_token_uri_in_the_file(token):
    assert Credentials.from_authorized_user_file(str(token)).token_uri == \
        "https://oauth2.googleapis.com/token"


# ---------------------------------------------------------------------------- kill -9

CHILD = r"""
import io, json, sys
import google_auth_httplib2, httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.http import MediaFileUpload
root, ca, token, clip, body = sys.argv[1:]
info = json.load(open(token))
creds = Credentials.from_authorized_user_info(info).with_token_uri(info["token_uri"])
http = httplib2.Http(ca_certs=ca, timeout=30)
http.redirect_codes = http.redirect_codes - {308}
youtube = build("youtube", "v3", static_discovery=True, client_options={"api_endpoint": root},
                http=google_auth_httplib2.AuthorizedHttp(creds, http=http))
request = youtube.videos().insert(part="snippet,status", body=json.loads(body),
    media_body=MediaFileUpload(clip, mimetype="video/mp4", chunksize=256 * 1024, resumable=True))
response = None
while response is None:
    _, response = request.next_chunk()
"""


def test_hold_then_kill_9_then_resume_without_a_duplicate(yt, youtube, token, data, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(data)
    reached = yt.hold_after_chunks(2)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, yt.root_url, str(yt.ca_file), str(token), str(clip),
         json.dumps(metadata())], cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        assert reached.wait(30), "the child never got two chunks accepted"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    yt.release()
    (uri, session), = yt.sessions.items()
    assert session.received == 2 * CHUNK and not session.completed

    request = youtube.videos().insert(part="snippet,status", body=metadata(),
                                      media_body=MediaFileUpload(str(clip), mimetype="video/mp4",
                                                                 chunksize=CHUNK, resumable=True))
    request.resumable_uri, request._in_error_state = uri, True
    finish(request)
    assert only_video(yt).body == data
    assert len(inserts(yt)) == 1  # no second videos.insert


def test_shutdown_while_a_request_is_held(tmp_path, data):
    outcome = []
    with FakeYouTube(tmp_path) as yt:
        youtube = make_client(yt, yt.write_token(tmp_path / "t.json"))
        reached = yt.hold_after_chunks(1)

        def upload():
            try:
                finish(insert(youtube, data), max_errors=0)
            except Exception as exc:  # noqa: BLE001 - whatever the client raises
                outcome.append(exc)
        thread = threading.Thread(target=upload, daemon=True)
        thread.start()
        assert reached.wait(10)
        started = time.monotonic()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert outcome and isinstance(outcome[0], (OSError, httplib2.HttpLib2Error))
    assert not any(t.name == "fake-youtube" for t in threading.enumerate())
    # httplib2 leaks the socket of a reconnect attempt that the closed server refused.
    outcome.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_concurrent_uploads(yt, token):
    blobs = [os.urandom(CHUNK + 1000 * i) for i in range(3)]
    results = []

    def upload(blob):
        results.append(finish(insert(make_client(yt, token), blob))[0]["id"])
    threads = [threading.Thread(target=upload, args=(b,)) for b in blobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(v.body for v in yt.videos.values()) == sorted(blobs)
    assert sorted(results) == sorted(yt.videos)
    assert yt.quota_used["videos.insert"] == 3 and yt.internal_errors == []


def test_unknown_fault_and_params_are_rejected(yt):
    with pytest.raises(ValueError):
        yt.fail("meteor_strike")
    with pytest.raises(TypeError):
        yt.fail("quota_exceeded", on_chunk=1)
