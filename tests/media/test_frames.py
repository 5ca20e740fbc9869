"""Frame passes paint on frames of their own, never on the decoder's."""

from __future__ import annotations

import av
import numpy as np
import pytest

from tests.conftest import make_video
from vidkit.media import probe
from vidkit.media.frames import decode_all, frame_geometry, plane_views, upright_frame


@pytest.mark.parametrize("size,rotation", [("320x240", 0), ("321x241", 0), ("320x240", 90)])
def test_upright_frame_never_shares_the_decoders_pixels(tmp_path, size, rotation):
    """A decoded frame is a reference picture for the frames after it: painting on it smears
    the paint along the motion vectors into later frames."""
    video = make_video(tmp_path / "v.mp4", seconds=0.4, size=size, audio=False)
    if rotation:
        from tests.conftest import ffmpeg

        turned = tmp_path / "turned.mp4"
        ffmpeg("-display_rotation", str(rotation), "-i", str(video), "-c", "copy", str(turned))
        video = turned
    info = probe(video)
    geometry = frame_geometry(info)
    for frame in decode_all(info):
        decoded = [np.frombuffer(p, np.uint8) for p in frame.planes]
        out = upright_frame(frame, *geometry)
        assert out is not frame
        for mine in plane_views(out):
            assert not any(np.shares_memory(mine, theirs) for theirs in decoded)
        assert (out.width, out.height) == geometry[2:4]


def test_upright_frame_keeps_the_pixels(tmp_path):
    video = make_video(tmp_path / "v.mp4", seconds=0.2, size="320x240", audio=False)
    info = probe(video)
    frame = next(iter(decode_all(info)))
    out = upright_frame(frame, *frame_geometry(info))
    assert np.array_equal(out.to_ndarray(format="yuv420p"), frame.to_ndarray(format="yuv420p"))
    assert isinstance(out, av.VideoFrame)
