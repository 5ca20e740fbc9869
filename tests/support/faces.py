"""Synthetic rehabilitation-session clips with exact face ground truth.

Real face photos (scikit-image's astronaut, matplotlib's Grace Hopper) are pasted onto a
plausible lab scene (VR screen with moving scenery, treadmill, wall clutter) along scripted
paths. Because every pixel is placed by us, each frame's visible face region is known exactly,
which is what a face anonymiser must be tested against. Nothing is downloaded.

    clip = render(SCENARIOS["occluded"])
    write_clip(clip, tmp_path / "occluded.mp4")     # also writes occluded.truth.json
    for frame, boxes in zip(clip.frames, clip.truth): ...
"""

from __future__ import annotations

import functools
import json
import math
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = [
    "Box", "Clip", "FaceTrack", "Pose", "SCENARIOS", "Scenario", "TruthFile",
    "face_boxes", "face_images", "read_frames", "read_truth", "render", "write_clip",
]

# Face crops: (source image, crop x0, y0, x1, y1, face box x, y, w, h inside the crop).
# The face box runs brow to chin and ear to ear; the crop adds hair (or cap) around it.
_CROPS = {
    "astronaut": ("astronaut", 140, 8, 312, 188, 38, 82, 95, 87),
    "grace_hopper": ("grace_hopper", 128, 95, 398, 365, 25, 73, 220, 167),
}
_HEAD_POWER = 6.0   # superellipse exponent of the pasted head's outline (6: a rounded square)
_HEAD_FEATHER = 0.08  # soft edge, as a fraction of the outline's radius
_OCCLUDING_ALPHA = 0.5  # a later head hides an earlier face where its alpha reaches this


class Box(NamedTuple):
    """Visible part of one face in one frame, in frame pixels (x, y: top-left corner)."""

    face_id: int
    x: int
    y: int
    w: int
    h: int
    visible_fraction: float  # visible pixels / pixels of the whole face box, 0..1


class Pose(NamedTuple):
    """Where a face is at one instant.

    cx, cy: the face box centre as fractions of frame width and height; width: face box width
    in pixels at the scenario's native size; angle: in-plane rotation in degrees; squeeze:
    horizontal scale (1 frontal, ~0.3 near profile).
    """

    cx: float
    cy: float
    width: float
    angle: float = 0.0
    squeeze: float = 1.0


@dataclass(frozen=True)
class FaceTrack:
    image: str                    # a key of face_images()
    pose: Callable[[float], Pose]  # seconds -> Pose


@dataclass(frozen=True)
class Scenario:
    """A named clip script. Sizes are native; render() scales face widths with frame height."""

    name: str
    description: str
    seconds: float
    size: tuple[int, int]
    faces: tuple[FaceTrack, ...]
    occluders: tuple[tuple[float, float, float, float], ...] = ()  # x0, y0, x1, y1 fractions
    brightness: float = 1.0
    noise: float = 0.0  # Gaussian noise sigma in 8-bit levels, added after dimming
    distractor: bool = False  # a round skin-coloured blob that is not a face


@dataclass
class Clip:
    """A rendered scenario. `frames` re-renders on every access, so it never holds the clip."""

    scenario: str
    size: tuple[int, int]
    fps: float
    truth: list[list[Box]]
    images: dict[int, str]  # face_id -> face image name
    make_frames: Callable[[], Iterator[np.ndarray]] = field(repr=False)

    @property
    def frames(self) -> Iterator[np.ndarray]:
        """A fresh generator of RGB uint8 frames (h, w, 3), rendered one at a time."""
        return self.make_frames()

    def __len__(self) -> int:
        return len(self.truth)


@dataclass(frozen=True)
class TruthFile:
    scenario: str
    fps: float
    size: tuple[int, int]
    images: dict[int, str]
    truth: list[list[Box]]


# ---------------------------------------------------------------------------- face images

@functools.cache
def _source(name: str) -> np.ndarray:
    if name == "astronaut":
        from skimage.data import astronaut

        return astronaut()
    from matplotlib import cbook
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        return np.asarray(Image.open(handle).convert("RGB"))


@functools.cache
def _faces() -> dict[str, tuple[np.ndarray, tuple[int, int, int, int]]]:
    faces = {}
    for name, (source, x0, y0, x1, y1, *box) in _CROPS.items():
        crop = np.ascontiguousarray(_source(source)[y0:y1, x0:x1])
        crop.setflags(write=False)
        flipped = np.ascontiguousarray(crop[:, ::-1])
        flipped.setflags(write=False)
        bx, by, bw, bh = box
        faces[name] = (crop, (bx, by, bw, bh))
        faces[f"{name}_flipped"] = (flipped, (crop.shape[1] - bx - bw, by, bw, bh))
    return faces


def face_images() -> dict[str, np.ndarray]:
    """RGB uint8 face crops (face plus hair, roughly square), read-only, by name."""
    return {name: crop for name, (crop, _) in _faces().items()}


def face_boxes() -> dict[str, tuple[int, int, int, int]]:
    """Each crop's face box (x, y, w, h in crop pixels): brows to chin, ear to ear."""
    return {name: box for name, (_, box) in _faces().items()}


@functools.cache
def _pyramid(name: str) -> list[np.ndarray]:
    """The crop as float32 at full, half, quarter... resolution, to shrink without aliasing."""
    levels = [_faces()[name][0].astype(np.float32)]
    while min(levels[-1].shape[:2]) >= 16:
        a = levels[-1]
        h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
        a = a[:h, :w]
        levels.append((a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]) / 4)
    return levels


def _head_alpha(u: np.ndarray, v: np.ndarray, crop_w: int, crop_h: int) -> np.ndarray:
    """Opacity of the pasted head at crop coordinates (u, v): a feathered superellipse."""
    nu = np.abs(u / (crop_w / 2) - 1)
    nv = np.abs(v / (crop_h / 2) - 1)
    radius = (nu**_HEAD_POWER + nv**_HEAD_POWER) ** (1 / _HEAD_POWER)
    return np.clip((1 - radius) / _HEAD_FEATHER, 0, 1)


def _bilinear(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample img (h, w, 3) at float pixel indices, clamped at the border."""
    h, w = img.shape[:2]
    x = np.clip(x, 0, w - 1.001)
    y = np.clip(y, 0, h - 1.001)
    x0, y0 = x.astype(np.int32), y.astype(np.int32)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    flat = img.reshape(-1, 3)
    i = y0 * w + x0  # one flat gather per neighbour is much faster than 2-D fancy indexing
    top = flat.take(i, axis=0) * (1 - fx) + flat.take(i + 1, axis=0) * fx
    bottom = flat.take(i + w, axis=0) * (1 - fx) + flat.take(i + w + 1, axis=0) * fx
    return top * (1 - fy) + bottom * fy


# ---------------------------------------------------------------------------- geometry

@dataclass(frozen=True)
class _Placement:
    """One face in one frame: the affine map from frame pixels back into its crop."""

    image: str
    scale: float  # frame pixels per crop pixel (vertical)
    inverse: np.ndarray  # 2x2, frame offset -> crop offset
    forward: np.ndarray  # 2x2, crop offset -> frame offset
    centre: np.ndarray  # face box centre in frame coordinates
    box_centre: np.ndarray  # face box centre in crop coordinates

    def to_crop(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dx, dy = xs - self.centre[0], ys - self.centre[1]
        m = self.inverse
        return (self.box_centre[0] + m[0, 0] * dx + m[0, 1] * dy,
                self.box_centre[1] + m[1, 0] * dx + m[1, 1] * dy)

    def bounds(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        """Frame-pixel bounding box (unclipped) of a crop-space rectangle."""
        corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]]) - self.box_centre
        mapped = corners @ self.forward.T + self.centre
        lo, hi = np.floor(mapped.min(axis=0)), np.ceil(mapped.max(axis=0))
        return int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])


def _place(track: FaceTrack, t: float, size: tuple[int, int], zoom: float) -> _Placement:
    pose = track.pose(t)
    bx, by, bw, bh = _faces()[track.image][1]
    s = pose.width * zoom / bw
    a = math.radians(pose.angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    stretch = np.diag([s * pose.squeeze, s])
    forward = rot @ stretch
    return _Placement(track.image, s, np.linalg.inv(forward), forward,
                      np.array([pose.cx * size[0], pose.cy * size[1]]),
                      np.array([bx + bw / 2, by + bh / 2]))


def _pixel_grid(x0: int, y0: int, x1: int, y1: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates of a frame window."""
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    return xs + 0.5, ys + 0.5


def _occluder_pixels(scenario: Scenario, size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    w, h = size
    return [(round(a * w), round(b * h), round(c * w), round(d * h))
            for a, b, c, d in scenario.occluders]


def _frame_truth(places: list[_Placement], occluders: list[tuple[int, int, int, int]],
                 size: tuple[int, int]) -> list[Box]:
    boxes = []
    for face_id, place in enumerate(places):
        bx, by, bw, bh = _faces()[place.image][1]
        x0, y0, x1, y1 = place.bounds(bx, by, bx + bw, by + bh)
        xs, ys = _pixel_grid(x0, y0, x1, y1)
        u, v = place.to_crop(xs, ys)
        face = (u >= bx) & (u < bx + bw) & (v >= by) & (v < by + bh)
        total = int(face.sum())
        visible = face & (xs >= 0) & (xs < size[0]) & (ys >= 0) & (ys < size[1])
        for ox0, oy0, ox1, oy1 in occluders:
            visible &= ~((xs >= ox0) & (xs < ox1) & (ys >= oy0) & (ys < oy1))
        for later in places[face_id + 1:]:  # heads pasted afterwards cover this face
            crop_h, crop_w = _faces()[later.image][0].shape[:2]
            lu, lv = later.to_crop(xs, ys)
            visible &= _head_alpha(lu, lv, crop_w, crop_h) < _OCCLUDING_ALPHA
        count = int(visible.sum())
        if total == 0 or count == 0:
            continue
        rows, cols = np.flatnonzero(visible.any(axis=1)), np.flatnonzero(visible.any(axis=0))
        boxes.append(Box(face_id, x0 + int(cols[0]), y0 + int(rows[0]),
                         int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1),
                         round(count / total, 4)))
    return boxes


# ---------------------------------------------------------------------------- scene

def _background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Static lab scene: lit wall, floor, posters, handrails, fine texture. uint8 (h, w, 3)."""
    w, h = size
    ys = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    xs = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    wall = np.array([196, 188, 172], np.float32) * (0.75 + 0.25 * (1 - ys)) * (0.9 + 0.1 * xs)
    floor = np.array([92, 96, 104], np.float32) * (0.7 + 0.4 * ys)
    img = np.where(ys < 0.72, wall, floor)
    img = np.broadcast_to(img, (h, w, 3)).copy()
    for _ in range(10):  # posters, cabinets, equipment
        pw, ph = rng.uniform(0.04, 0.14) * w, rng.uniform(0.05, 0.22) * h
        px, py = rng.uniform(0, w - pw), rng.uniform(0.02 * h, 0.85 * h - ph)
        colour = rng.uniform(30, 230, 3)
        x0, y0 = int(px), int(py)
        patch = img[y0:int(py + ph), x0:int(px + pw)]
        patch[:] = colour * (0.85 + 0.15 * rng.random())
        patch[::max(2, int(ph) // 9), :] *= 0.75  # text-like stripes
    cy, cx, r = 0.12 * h, 0.95 * w, 0.035 * h  # wall clock
    yy, xx = np.ogrid[:h, :w]
    dial = (yy - cy) ** 2 + (xx - cx) ** 2
    img[dial < r * r] = (235, 235, 225)
    img[(dial < r * r) & (np.abs(xx - cx) < 2) & (yy < cy)] = (20, 20, 20)
    for rail_y in (0.70, 0.76):  # treadmill handrails
        img[int(rail_y * h):int(rail_y * h) + max(2, h // 120)] = (170, 172, 178)
    img += rng.normal(0, 4, (h, w, 1)).astype(np.float32)  # plaster / sensor texture
    return np.clip(img, 0, 255).astype(np.uint8)


def _scenery(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """The VR screen's landscape, twice the screen width so it can scroll. uint8."""
    ws = 2 * width
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    img = np.broadcast_to(
        np.array([120, 170, 230], np.float32) * (0.6 + 0.4 * ys), (height, ws, 3)).copy()
    xs = np.arange(ws)
    horizon = (0.55 + 0.08 * np.sin(2 * np.pi * 3 * xs / ws)
               + 0.04 * np.sin(2 * np.pi * 7 * xs / ws + 1)) * height
    below = np.arange(height)[:, None] > horizon[None, :]
    img[below] = np.array([70, 130, 60], np.float32)
    img[int(0.8 * height):, :, :] = (128, 118, 104)  # path
    for _ in range(18):  # trees (wrap-around so the scroll has no seam)
        tx = rng.uniform(0, ws)
        tr = rng.uniform(0.05, 0.12) * height
        ty = rng.uniform(0.45, 0.7) * height
        yy, xx = np.ogrid[:height, :ws]
        dx = np.minimum(np.abs(xx - tx), ws - np.abs(xx - tx))
        img[(dx**2 + (yy - ty) ** 2) < tr * tr] = rng.uniform([20, 80, 20], [60, 140, 50])
    return img.astype(np.uint8)


def _paste(frame: np.ndarray, x0: int, y0: int, rgb: np.ndarray, alpha: np.ndarray) -> None:
    h, w = alpha.shape
    region = frame[y0:y0 + h, x0:x0 + w]
    a = alpha[..., None]
    region[:] = (region * (1 - a) + rgb * a + 0.5).astype(np.uint8)


def _clip_window(bounds: tuple[int, int, int, int], size: tuple[int, int]):
    x0, y0, x1, y1 = bounds
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, size[0]), min(y1, size[1])
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def _draw_head(frame: np.ndarray, place: _Placement) -> None:
    crop = _faces()[place.image][0]
    ch, cw = crop.shape[:2]
    window = _clip_window(place.bounds(0, 0, cw, ch), frame.shape[1::-1])
    if window is None:
        return
    xs, ys = _pixel_grid(*window)
    u, v = place.to_crop(xs, ys)
    levels = _pyramid(place.image)
    level = min(len(levels) - 1, max(0, int(math.floor(-math.log2(place.scale)))))
    k = 2.0**level
    rgb = _bilinear(levels[level], u / k - 0.5, v / k - 0.5)
    _paste(frame, window[0], window[1], rgb, _head_alpha(u, v, cw, ch))


def _draw_ellipse(frame: np.ndarray, cx: float, cy: float, rx: float, ry: float,
                  colour: np.ndarray, shade: float) -> None:
    """A side-lit ellipse (torso, skin-coloured distractor) with a one-pixel soft edge."""
    window = _clip_window((int(cx - rx) - 1, int(cy - ry) - 1, int(cx + rx) + 2,
                           int(cy + ry) + 2), frame.shape[1::-1])
    if window is None:
        return
    x0, y0, x1, y1 = window
    dx = ((np.arange(x0, x1, dtype=np.float32) + 0.5 - cx) / rx)[None, :]
    dy = ((np.arange(y0, y1, dtype=np.float32) + 0.5 - cy) / ry)[:, None]
    alpha = np.clip((1 - np.sqrt(dx * dx + dy * dy)) * min(rx, ry), 0, 1)
    light = 1 - shade * np.clip(dx + 0.4, 0, 1.4)[..., None] / 1.4
    _paste(frame, x0, y0, np.broadcast_to(colour * light, alpha.shape + (3,)), alpha)


_NOISE_PAD = 64
_SHIRTS = np.array([[40, 70, 140], [150, 50, 50], [60, 110, 70], [90, 90, 95], [180, 140, 60]],
                   np.float32)


def _frames(scenario: Scenario, size: tuple[int, int], fps: float, count: int,
            seed: int) -> Iterator[np.ndarray]:
    w, h = size
    rng = np.random.default_rng(seed)
    zoom = h / scenario.size[1]
    room = _background(size, rng)
    sx0, sy0, sx1, sy1 = int(0.08 * w), int(0.05 * h), int(0.92 * w), int(0.6 * h)
    scenery = _scenery(sx1 - sx0, sy1 - sy0, rng)
    room[max(0, sy0 - 4):sy1 + 4, max(0, sx0 - 4):sx1 + 4] = 25  # screen bezel
    bx0, bx1, by0, by1 = int(0.3 * w), int(0.7 * w), int(0.86 * h), int(0.97 * h)
    slat = np.arange(by1 - by0)[:, None, None]
    occluders = _occluder_pixels(scenario, size)
    dim_lut = None
    if scenario.brightness != 1.0:
        dim_lut = np.clip(np.arange(256) * scenario.brightness + 0.5, 0, 255).astype(np.uint8)
    noise_rng = np.random.default_rng(seed + 1)
    noise = None
    if scenario.noise:  # a few noise fields, cut at random offsets: far cheaper than fresh noise
        noise = [np.clip(np.rint(noise_rng.standard_normal((h + _NOISE_PAD, w + _NOISE_PAD, 3),
                                                           dtype=np.float32) * scenario.noise),
                         -127, 127).astype(np.int8) for _ in range(4)]
    for i in range(count):
        t = i / fps
        frame = room.copy()
        shift = int(t * 0.08 * w) % scenery.shape[1]  # the VR scene scrolls as the patient walks
        view = sx1 - sx0
        part = min(view, scenery.shape[1] - shift)
        frame[sy0:sy1, sx0:sx0 + part] = scenery[:, shift:shift + part]
        frame[sy0:sy1, sx0 + part:sx1] = scenery[:, :view - part]
        belt = 45 + 30 * (((slat + int(t * 0.12 * h)) % max(6, h // 30)) < max(2, h // 180))
        frame[by0:by1, bx0:bx1] = belt.astype(np.uint8)
        if scenario.distractor:
            _draw_ellipse(frame, (0.2 + 0.05 * t) % 1 * w, 0.3 * h, 0.035 * h, 0.045 * h,
                          np.array([224, 172, 140], np.float32), 0.5)
        places = [_place(track, t, size, zoom) for track in scenario.faces]
        for face_id, place in enumerate(places):
            bw = _faces()[place.image][1][2] * place.scale
            top = place.centre[1] + 0.7 * bw
            _draw_ellipse(frame, place.centre[0], top + 1.6 * bw, 1.1 * bw, 1.6 * bw,
                          _SHIRTS[face_id % len(_SHIRTS)], 0.3)
        for place in places:
            _draw_head(frame, place)
        for ox0, oy0, ox1, oy1 in occluders:  # opaque pillar, lit from the left
            frame[oy0:oy1, ox0:ox1] = np.linspace(150, 95, max(ox1 - ox0, 1),
                                                  dtype=np.float32).astype(np.uint8)[None, :, None]
        if dim_lut is not None:
            frame = dim_lut[frame]
        if noise is not None:
            dx, dy = noise_rng.integers(0, _NOISE_PAD, 2)
            grain = noise[noise_rng.integers(len(noise))][dy:dy + h, dx:dx + w]
            frame = np.clip(frame.astype(np.int16) + grain, 0, 255).astype(np.uint8)
        yield frame


def render(scenario: Scenario, size: tuple[int, int] | None = None, fps: float = 25,
           seconds: float | None = None, seed: int = 0) -> Clip:
    """Render a scenario lazily: truth is computed now, pixels on each pass over `frames`.

    size: (width, height) in pixels, even; defaults to the scenario's native size, and face
    widths scale with height relative to it. seconds: defaults to the scenario's length.
    """
    size = tuple(size or scenario.size)
    if size[0] % 2 or size[1] % 2:
        raise ValueError(f"frame size must be even for yuv420p, got {size}")
    count = round((scenario.seconds if seconds is None else seconds) * fps)
    zoom = size[1] / scenario.size[1]
    occluders = _occluder_pixels(scenario, size)
    truth = [_frame_truth([_place(track, i / fps, size, zoom) for track in scenario.faces],
                          occluders, size) for i in range(count)]
    return Clip(scenario.name, size, fps, truth,
                {i: track.image for i, track in enumerate(scenario.faces)},
                functools.partial(_frames, scenario, size, fps, count, seed))


# ---------------------------------------------------------------------------- files

def write_clip(clip: Clip, path: Path, audio: bool = True, crf: int = 18) -> Path:
    """Encode H.264 (yuv420p, preset fast) + an AAC tone to `path`; truth to <stem>.truth.json."""
    import imageio_ffmpeg

    path = Path(path)
    w, h = clip.size
    seconds = len(clip) / clip.fps
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-framerate", str(clip.fps),
           "-i", "-"]
    if audio:
        cmd += ["-f", "lavfi", "-t", f"{seconds:.3f}",
                "-i", "sine=frequency=220:sample_rate=48000", "-c:a", "aac", "-b:a", "64k"]
    cmd += ["-c:v", "libx264", "-preset", "fast", "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", str(path)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for frame in clip.frames:
            proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).data)
    except BrokenPipeError:
        pass  # ffmpeg died; its message is read below
    finally:
        proc.stdin.close()
    error = proc.stderr.read().decode(errors="replace")
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed writing {path}: {error.strip()}")
    truth = {
        "scenario": clip.scenario, "fps": clip.fps, "size": list(clip.size),
        "images": {str(k): v for k, v in clip.images.items()},
        "frames": [[b._asdict() for b in boxes] for boxes in clip.truth],
    }
    path.with_name(f"{path.stem}.truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return path


def read_truth(path: Path) -> TruthFile:
    """Load a <stem>.truth.json written by write_clip (pass the JSON or the video path)."""
    path = Path(path)
    if not path.name.endswith(".truth.json"):
        path = path.with_name(f"{path.stem}.truth.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return TruthFile(data["scenario"], data["fps"], tuple(data["size"]),
                     {int(k): v for k, v in data["images"].items()},
                     [[Box(**b) for b in boxes] for boxes in data["frames"]])


def read_frames(path: Path) -> Iterator[np.ndarray]:
    """Decode a video's frames as RGB uint8 arrays, one at a time."""
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


# ---------------------------------------------------------------------------- scenarios

def _path(*keys: tuple[float, float, float]) -> Callable[[float], tuple[float, float]]:
    """Piecewise-linear (t, x, y) keyframes, held constant past the ends."""
    ts, xs, ys = (np.array(k, float) for k in zip(*keys))
    return lambda t: (float(np.interp(t, ts, xs)), float(np.interp(t, ts, ys)))


def _bob(t: float, phase: float = 0.0) -> float:
    """Vertical head bob of a walking patient (~1.6 steps/s), fraction of frame height."""
    return 0.012 * math.sin(2 * math.pi * 1.6 * t + phase)


def _walker(image: str, width: float | Callable[[float], float], keys, phase: float = 0.0,
            angle: Callable[[float], float] = lambda t: 0.0,
            squeeze: Callable[[float], float] = lambda t: 1.0) -> FaceTrack:
    """A face on a treadmill: keyframed path plus step bob; width may vary with time."""
    where = _path(*keys)

    def at(t: float) -> Pose:
        x, y = where(t)
        size = width(t) if callable(width) else width
        return Pose(x, y + _bob(t, phase), size, angle(t), squeeze(t))

    return FaceTrack(image, at)


_HD, _FHD = (1280, 720), (1920, 1080)
_PILLAR = ((0.42, 0.0, 0.58, 1.0),)  # 205 px wide at 720p: wider than the face, so it hides it

SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("moving", "face crosses the frame, speeding up to 1/3 frame width per second",
             5.0, _HD, (_walker("astronaut", 120, [(0, 0.1, 0.42), (1.5, 0.2, 0.42),
                                                   (3.0, 0.7, 0.4), (5.0, 0.9, 0.42)]),),
             distractor=True),
    Scenario("fast", "face sweeps across the frame and back, ~30 px per frame (a patient "
             "stepping off the treadmill past the camera)", 3.0, _HD,
             (_walker("grace_hopper", 120, [(0, 0.08, 0.45), (1.4, 0.92, 0.42), (1.6, 0.92, 0.42),
                                           (3.0, 0.1, 0.46)]),)),
    Scenario("scaling", "face grows from 40 to 200 px wide (walking towards the camera)",
             4.0, _HD, (_walker("grace_hopper", lambda t: 40 * 5 ** min(t / 4, 1),
                      [(0, 0.45, 0.38), (4, 0.55, 0.5)]),)),
    Scenario("rotating", "in-plane rotation oscillating +-25 degrees", 4.0, _HD,
             (_walker("astronaut", 130, [(0, 0.4, 0.45), (4, 0.6, 0.45)],
                      angle=lambda t: 25 * math.sin(math.pi * t)),)),
    Scenario("small", "four ~40 px faces at once", 4.0, _HD, (
        _walker("astronaut", 40, [(0, 0.15, 0.3), (4, 0.25, 0.32)]),
        _walker("grace_hopper", 44, [(0, 0.7, 0.25), (4, 0.62, 0.27)], 1.0),
        _walker("astronaut_flipped", 38, [(0, 0.45, 0.7), (4, 0.52, 0.68)], 2.0),
        _walker("grace_hopper_flipped", 36, [(0, 0.88, 0.55), (4, 0.85, 0.6)], 3.0),
    ), distractor=True),
    Scenario("small_1080", "one ~30 px face in a 1080p frame", 3.0, _FHD,
             (_walker("grace_hopper", 30, [(0, 0.3, 0.4), (3, 0.36, 0.42)]),), distractor=True),
    Scenario("leaving", "face exits the right edge partly, then fully, and comes back", 5.0, _HD,
             (_walker("grace_hopper", 140, [(0, 0.7, 0.45), (1.0, 0.97, 0.45), (1.6, 0.97, 0.45),
                                            (2.4, 1.15, 0.45), (3.0, 1.15, 0.45),
                                            (4.4, 0.8, 0.45)]),)),
    Scenario("occluded", "face walks behind an opaque pillar and comes out", 5.0, _HD,
             (_walker("astronaut", 120, [(0, 0.15, 0.45), (5, 0.85, 0.45)]),),
             occluders=_PILLAR),
    Scenario("dim", "whole frame at ~30% brightness with sensor noise", 4.0, _HD,
             (_walker("grace_hopper", 120, [(0, 0.35, 0.45), (4, 0.6, 0.42)]),),
             brightness=0.3, noise=3.0, distractor=True),
    Scenario("two_faces", "two faces cross; the second passes in front of the first", 5.0, _HD, (
        _walker("astronaut", 120, [(0, 0.15, 0.42), (5, 0.85, 0.45)]),
        _walker("grace_hopper", 110, [(0, 0.85, 0.48), (5, 0.15, 0.44)], 1.5),
    )),
    Scenario("turning", "head turns to profile and back (horizontal squeeze to 0.3)", 4.0, _HD,
             (_walker("astronaut", 130, [(0, 0.45, 0.45), (4, 0.55, 0.45)],
                      squeeze=lambda t: 0.65 + 0.35 * math.cos(math.pi * t)),)),
]}
