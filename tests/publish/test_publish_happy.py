"""One clip, all the way: the real client uploads to the fake YouTube in 256 KiB chunks."""

from __future__ import annotations

import json

from tests.publish.conftest import assert_one_video, consent, uploads_posts, vidkit


def test_publish_uploads_private_video_with_captions_thumbnail_and_playlist(yt, clip, ledger, env):
    consent(ledger)
    result = vidkit("publish", clip.video, "--playlist", yt.playlist_id, "--ledger", ledger, "--json", env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    video = assert_one_video(yt, clip)
    assert payload["summary"]["video_id"] == video.id
    assert payload["summary"]["steps"] == {"captions": "done", "thumbnail": "done", "playlist": "done"}
    assert video.status["selfDeclaredMadeForKids"] is False and video.status["containsSyntheticMedia"] is False
    assert video.snippet["title"] == "Gait training on the treadmill"
    assert [c[0]["language"] for c in video.captions] == ["en"]
    assert video.captions[0][0]["name"] == "English"
    assert video.captions[0][1].decode().startswith("1\n00:00:00,000")
    assert video.thumbnail == (clip.folder / "p0042_walk.clip01.jpg").read_bytes()
    assert video.playlists == [yt.playlist_id]
    assert len(uploads_posts(yt)) == 1
    chunks = [r for r in yt.requests if r[0] == "PUT"]
    assert len(chunks) == 5  # 1.1 MB in 256 KiB chunks
    assert yt.quota_used == {"videos.insert": 1, "units": 500}
