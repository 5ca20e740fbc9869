"""A job's face scans (vidkit.faces.masking.FaceScans): a clip cut after the publishable video
reads its stretch of the render's scan instead of detecting again, and gets exactly what its
own scan would have found; a changed file or other detection settings scan again."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from tests.support.faces import SCENARIOS, render, write_clip
from vidkit.faces import masking
from vidkit.faces.masking import FaceScans, find_faces
from vidkit.faces.options import BlurOptions
from vidkit.faces.detect import Detectors
from vidkit.media import probe
from vidkit.pipeline.clip_render import schedule_for
from vidkit.pipeline.render_job import whole_schedule


@pytest.fixture(scope="module")
def moving(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans")
    # 640x360 keeps the full-size pass (every 12th frame) apart from the coarse one
    clip = render(SCENARIOS["moving"], size=(640, 360), seconds=4.0)
    return write_clip(clip, folder / "moving.mp4", audio=False)


OPTIONS = BlurOptions(detect_size=320, fine_every=6)  # a full-size pass that a phase shift would move


def test_a_clip_reads_its_stretch_of_the_whole_scan_and_it_equals_its_own_scan(moving, monkeypatch):
    info = probe(moving)
    detector = Detectors()
    scans = FaceScans()
    whole = find_faces(info, whole_schedule(info), detector, OPTIONS, scans=scans)
    assert any(whole.detections)
    clip = schedule_for(info, [(1.4, 2.7)])  # from frame 20: not a multiple of 6
    own = find_faces(info, clip, detector, OPTIONS)  # no scans: decoded and detected
    start, end = masking.faces_window(info, clip, OPTIONS)
    assert own.times[0] >= start and own.times[-1] < end

    decoded = []
    monkeypatch.setattr(masking, "read_bgr", lambda *a, **k: decoded.append(a) or iter(()))
    kept = scans.window(info, OPTIONS, start, end)
    assert kept is not None and not decoded
    assert kept.pts == own.pts and kept.times == own.times
    assert kept.detections == own.detections  # same boxes, full-size passes on the same frames


def test_what_a_render_adds_after_scanning_is_not_handed_on(moving):
    info = probe(moving)
    scans = FaceScans()
    whole = find_faces(info, whole_schedule(info), Detectors(), OPTIONS, scans=scans)
    before = [list(boxes) for boxes in whole.detections]
    whole.detections[10].append(whole.detections[0][0] if whole.detections[0] else None)  # a verifier finding
    start, end = masking.faces_window(info, schedule_for(info, [(0.0, 3.0)]), OPTIONS)
    kept = scans.window(info, OPTIONS, start, end)
    assert kept is not None
    assert kept.detections == [before[i] for i, t in enumerate(whole.times) if start <= t < end]
    kept.detections[0].append("x")  # and the clip's own additions do not reach the scan either
    assert scans.window(info, OPTIONS, start, end).detections[0] == before[0]


def test_other_settings_an_edited_file_or_a_longer_window_scan_again(moving, tmp_path):
    info = probe(moving)
    scans = FaceScans()
    short = schedule_for(info, [(0.0, 2.0)])
    find_faces(info, short, Detectors(), OPTIONS, scans=scans)
    start, end = masking.faces_window(info, short, OPTIONS)
    assert scans.window(info, OPTIONS, start, end) is not None
    assert scans.window(info, replace(OPTIONS, detect_size=640), start, end) is None
    assert scans.window(info, replace(OPTIONS, detector="centerface"), start, end) is None
    assert scans.window(info, OPTIONS, start, end + 1.0) is None  # beyond what was scanned
    stat = os.stat(moving)
    os.utime(moving, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # rewritten since
    assert scans.window(info, OPTIONS, start, end) is None
