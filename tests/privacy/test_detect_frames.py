"""The primary detector on every core (vidkit.faces.scan.detect_frames): frames come back in
their order with their own faces, whatever order the threads finish in; each thread has its
own detector; an error in a detector stops the scan; and the real detectors find the same
faces on many threads as on one."""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest

from tests.support.faces import SCENARIOS, render, write_clip
from vidkit.faces.detect import Box, Detectors
from vidkit.faces.options import BlurOptions, detection_plan
from vidkit.faces.scan import detect_frames
from vidkit.media import probe
from vidkit.media.frames import BGRFrame, read_bgr


class Numbered:
    """Finds one "face" whose x is the number painted in the image's first pixel, after a random
    pause, and remembers which thread made it."""

    name = "numbered"
    made: list[int] = []

    def __init__(self, threads: int = 0):
        Numbered.made.append(threading.get_ident())
        self.owner = threading.get_ident()

    def detect(self, bgr):
        assert threading.get_ident() == self.owner  # a detector is never shared between threads
        time.sleep(random.random() * 0.004)
        return [Box(float(bgr[0, 0, 0]), 0.0, 1.0, 1.0)]


class Broken(Numbered):
    def detect(self, bgr):
        if bgr[0, 0, 0] == 7:
            raise RuntimeError("detector failed on frame 7")
        return super().detect(bgr)


def frames(count: int):
    for index in range(count):
        image = np.full((4, 4, 3), index, np.uint8)
        yield BGRFrame(index, index, index / 25, {4: (image, 1.0)})


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_frames_come_back_in_order_with_their_own_faces(threads):
    Numbered.made = []
    found = list(detect_frames(frames(60), Detectors({"numbered": Numbered}), "numbered", threads))
    assert [frame.index for frame, _ in found] == list(range(60))
    assert [faces[0].x for _, faces in found] == [float(i) for i in range(60)]
    assert 1 <= len(Numbered.made) <= threads  # one detector per thread, not per frame


def test_an_unknown_detector_name_is_bad_input():
    from vidkit.errors import BadInputError

    with pytest.raises(BadInputError, match="unknown face detector 'nope'"):
        list(detect_frames(frames(3), Detectors({"numbered": Numbered}), "nope", 2))


def test_a_detector_error_stops_the_scan():
    seen = []
    with pytest.raises(RuntimeError, match="frame 7"):
        for frame, _ in detect_frames(frames(40), Detectors({"numbered": Broken}), "numbered", 3):
            seen.append(frame.index)
    assert seen == list(range(7))  # everything before the failing frame, nothing after


@pytest.fixture(scope="module")
def moving(tmp_path_factory):
    clip = render(SCENARIOS["moving"], size=(640, 360), seconds=2.0)
    return write_clip(clip, tmp_path_factory.mktemp("scan") / "moving.mp4", audio=False)


@pytest.mark.parametrize("name", ["yunet", "centerface"])
def test_the_real_detectors_find_the_same_faces_on_every_thread_count(moving, name):
    info = probe(moving)
    options = BlurOptions(detector=name, detect_size=320, fine_every=6)
    runs = {threads: [faces for _, faces in detect_frames(read_bgr(info, detection_plan(info, options)),
                                                          Detectors(), name, threads)]
            for threads in (1, 3)}
    assert any(runs[1])
    assert runs[3] == runs[1]
