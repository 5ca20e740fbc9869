"""Generate the bundled demo recording assets/sample/caren_session.mp4.

Usage (needs numpy, Pillow, matplotlib, espeakng-loader, imageio-ffmpeg):
    python tools/make_sample.py

Draws a synthetic CAREN session (curved VR screen with a moving road, treadmill,
a patient whose head is a real public-domain face photo) and a therapist voice
track synthesised with eSpeak NG. Also writes per-frame ground-truth face boxes,
the script with start times and a roster file. Output is deterministic.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from matplotlib import cbook
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.speech import synthesize_script, write_wav  # noqa: E402

OUT = ROOT / "assets" / "sample"
W, H, FPS, DURATION = 640, 360, 25, 40.0
N_FRAMES = int(DURATION * FPS)
AUDIO_RATE = 48000

# (start seconds, sentence, speaking rate in wpm). The gap after line 5 is the long pause.
SCRIPT = [
    (0.6, "Good morning Maria, welcome back to the CAREN lab.", 150),
    (4.5, "Today we will work on your gait and your step length.", 150),
    (8.5, "The harness is on, so you are safe if you lose your balance.", 155),
    (12.9, "I am starting the treadmill now, at a slow speed.", 150),
    (16.8, "Look at the road on the screen, and keep your head up.", 155),
    (22.4, "Try to make each step a little longer.", 145),
    (25.6, "Now focus on the weight shift from your left foot to your right foot.", 155),
    (30.1, "Feel the ground under your feet. That is proprioception.", 135),
    (34.6, "We will slow the belt down now.", 150),
    (37.2, "Well done, Maria Jansen.", 130),
]

# Grace Hopper portrait: crop holding cap + face, and the face box inside that crop.
PHOTO_CROP = (140, 15, 392, 350)  # left, top, right, bottom in the 512x600 photo
FACE_IN_CROP = (23, 123, 205, 190)  # x, y, w, h (brows-to-chin, cheek to cheek)
HEAD_HEIGHT = 92  # pasted crop height in pixels at scale 1.0

YY, XX = np.mgrid[0:H, 0:W].astype(np.float32)


def blend(img, alpha, color):
    """Alpha-composite a flat colour into float RGB img in place; alpha is a
    full-frame array or a (window, alpha) pair from a shape helper."""
    if isinstance(alpha, tuple):
        window, alpha = alpha
        img = img[window]
    a = np.clip(alpha, 0.0, 1.0)[..., None]
    img += a * (np.asarray(color, np.float32) - img)


def _window(x0, y0, x1, y1):
    """Pixel window covering a bounding box; shapes are evaluated only there (speed)."""
    ys = slice(int(np.clip(np.floor(y0) - 1, 0, H)), int(np.clip(np.ceil(y1) + 2, 0, H)))
    xs = slice(int(np.clip(np.floor(x0) - 1, 0, W)), int(np.clip(np.ceil(x1) + 2, 0, W)))
    return (ys, xs), XX[ys, xs], YY[ys, xs]


def ellipse(cx, cy, rx, ry):
    window, xx, yy = _window(cx - rx, cy - ry, cx + rx, cy + ry)
    # Approximate signed distance in pixels -> 1 px anti-aliased edge.
    d = np.sqrt(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)
    return window, (1.0 - d) * min(rx, ry) + 0.5


def capsule(x0, y0, x1, y1, r):
    window, xx, yy = _window(min(x0, x1) - r, min(y0, y1) - r, max(x0, x1) + r, max(y0, y1) + r)
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / (dx * dx + dy * dy + 1e-6), 0, 1)
    d = np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy))
    return window, r - d + 0.5


def stripes(phase, footprint, duty):
    """Square wave box-filtered over each pixel's footprint (in cycles): anti-aliased
    stripes fade to their mean where too dense, so no crawling jaggies (and fewer bits)."""
    w = np.maximum(footprint, 1e-3)
    ramp = lambda x: np.floor(x) * duty + np.minimum(x - np.floor(x), duty)  # noqa: E731
    return (ramp(phase + w / 2) - ramp(phase - w / 2)) / w


# --- static layers -------------------------------------------------------------

U = (XX - W / 2) / 300.0  # horizontal screen coordinate, -1..1 across the VR screen
SCREEN_TOP = 34 - 22 * U**2  # cylinder seen from inside: edges look taller
SCREEN_BOT = 228 + 20 * U**2
V = (YY - SCREEN_TOP) / (SCREEN_BOT - SCREEN_TOP)  # 0 at top edge, 1 at bottom edge
SCREEN_ALPHA = np.clip(np.minimum.reduce([YY - SCREEN_TOP, SCREEN_BOT - YY, 300 - np.abs(XX - W / 2)]) + 0.5, 0, 1)
HORIZON = 0.42
BELT_S = np.clip((YY - 262) / 92, 0, 1)
BELT_HALF = 108 + 46 * BELT_S


def lab_background():
    img = np.empty((H, W, 3), np.float32)
    shade = (YY / H)[..., None]
    img[:] = (1 - shade) * np.array([58, 62, 72]) + shade * np.array([34, 36, 42])
    blend(img, np.clip(YY - 300, 0, 1), (46, 46, 50))  # floor
    # Screen bezel: slightly larger dark band around the projection surface.
    bezel = np.minimum.reduce([YY - SCREEN_TOP + 5, SCREEN_BOT + 5 - YY, 306 - np.abs(XX - W / 2)])
    blend(img, np.clip(bezel + 0.5, 0, 1), (22, 22, 26))
    # Treadmill housing and belt (trapezoid, wider toward the camera).
    blend(img, np.clip(np.minimum(YY - 256, BELT_HALF + 14 - np.abs(XX - W / 2)) + 0.5, 0, 1), (92, 96, 104))
    # Handrails on both sides of the patient.
    for side in (-1, 1):
        x = W / 2 + side * 150
        blend(img, capsule(x, 210, x + side * 10, 300, 3), (150, 154, 160))
        blend(img, capsule(x - side * 70, 206, x, 210, 3), (150, 154, 160))
    # Overhead harness rail.
    blend(img, capsule(180, 8, 460, 8, 5), (120, 124, 130))
    return img


BELT_ALPHA = np.clip(np.minimum(YY - 262, BELT_HALF - np.abs(XX - W / 2)) + 0.5, 0, 1) * (YY < 356)
BELT_DEPTH = 3.0 / (0.25 + BELT_S)  # in belt-line cycles; far lines bunch up
BELT_FOOTPRINT = 3.0 / (0.25 + BELT_S) ** 2 / 92

GROUND = V > HORIZON
DEPTH = 1.0 / np.maximum(V - HORIZON, 1e-3)  # ground-plane depth of each pixel on the screen
DEPTH_FOOTPRINT = DEPTH**2 / (SCREEN_BOT - SCREEN_TOP)  # depth change per pixel row
ROAD = np.clip((0.9 / DEPTH - np.abs(U)) * 300, 0, 1) * GROUND  # road half-width 0.9 units
CENTRE_LINE = np.clip((0.03 / DEPTH - np.abs(U)) * 300, 0, 1) * GROUND
SPEED = 3.0  # virtual walking speed, world units per second


def virtual_scene(t):
    """The VR road/forest on the projection surface, moving toward the viewer."""
    img = np.empty((H, W, 3), np.float32)
    sky = np.clip(V / HORIZON, 0, 1)[..., None]
    img[:] = (1 - sky) * np.array([110, 160, 220]) + sky * np.array([190, 215, 235])
    travelled = DEPTH + SPEED * t  # world position of the ground under each pixel
    blend(img, GROUND * 1.0, (70, 130, 60))
    blend(img, GROUND * np.clip(1.5 - (V - HORIZON) * 8, 0, 0.5), (150, 175, 150))  # distance haze
    blend(img, ROAD, (88, 88, 92))
    blend(img, CENTRE_LINE * stripes(travelled * 0.8, DEPTH_FOOTPRINT * 0.8, 0.45), (235, 230, 200))
    # Trees beside the road, recycled far away once they pass the viewer.
    trees = []
    for i in range(6):
        depth = 1.6 + (i * 6.1 - SPEED * t) % 37.0
        side = -1 if i % 2 else 1
        trees.append((depth, side * (1.5 + 0.4 * (i % 3)), i))
    for depth, x_world, i in sorted(trees, reverse=True):  # far to near
        u = x_world / depth
        top, bot = 34 - 22 * u**2, 228 + 20 * u**2
        x = W / 2 + u * 300
        y = top + (HORIZON + 1.0 / depth) * (bot - top)
        size = 1.1 / depth * (bot - top)
        blend(img, capsule(x, y, x, y - size * 0.7, max(0.7, size * 0.06)), (90, 60, 40))
        blend(img, ellipse(x, y - size * 0.85, size * 0.32, size * 0.42), (40 + 12 * (i % 3), 100, 45))
    return img, SCREEN_ALPHA


def load_head():
    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    crop = Image.open(path).convert("RGB").crop(PHOTO_CROP)
    cw, ch = crop.size
    yy, xx = np.mgrid[0:ch, 0:cw]
    # Feathered oval so the photo reads as a head, not a rectangle.
    d = np.sqrt(((xx - cw / 2) / (cw / 2)) ** 2 + ((yy - ch * 0.52) / (ch * 0.5)) ** 2)
    mask = np.clip((1.0 - d) * 12, 0, 1)
    rgba = np.dstack([np.asarray(crop), (mask * 255).astype(np.uint8)])
    return Image.fromarray(rgba, "RGBA")


def patient_pose(t):
    """Head centre, scale and horizontal squeeze (head turn) at time t."""
    stride = 1.1  # seconds per gait cycle
    cx = W / 2 + 42 * np.sin(2 * np.pi * t / 17.0) + 4 * np.sin(2 * np.pi * t / stride)
    bob = -3.0 * np.abs(np.sin(2 * np.pi * t / stride))
    scale = 1.0 + 0.12 * np.sin(2 * np.pi * (t - 5) / 23.0)  # drifting toward/away from camera
    turn = np.clip(1 - abs(t - 20.5) / 1.2, 0, 1)  # one head turn around t = 20.5 s
    squeeze = 1.0 - 0.45 * np.sin(np.pi / 2 * turn) ** 2
    return cx, 128 + bob, scale, squeeze, stride


def draw_patient(img, t, head):
    cx, head_cy, scale, squeeze, stride = patient_pose(t)
    phase = 2 * np.pi * t / stride
    sh_y = head_cy + 50 * scale  # shoulders just below the chin
    hip_y = sh_y + 72
    foot_y = 334
    shirt, trousers, skin, strap = (52, 92, 160), (42, 44, 58), (214, 172, 146), (230, 160, 40)
    for side in (-1, 1):  # legs alternate: the lifted one is shorter
        lift = max(0.0, np.sin(phase + (side > 0) * np.pi)) * 10
        blend(img, capsule(cx + side * 12, hip_y, cx + side * 15, foot_y - lift, 10), trousers)
        blend(img, capsule(cx + side * 15, foot_y - lift, cx + side * 23, foot_y - lift + 2, 6), (30, 30, 34))
    blend(img, capsule(cx, sh_y + 12, cx, hip_y, 30), shirt)
    for side in (-1, 1):  # arms swing opposite to the legs
        swing = np.sin(phase + (side < 0) * np.pi) * 9
        blend(img, capsule(cx + side * 30, sh_y + 6, cx + side * 38 + swing, hip_y + 8, 8), shirt)
        blend(img, ellipse(cx + side * 38 + swing, hip_y + 14, 7, 8), skin)
        # Harness straps from shoulders up to the overhead rail.
        blend(img, capsule(cx + side * 26, sh_y + 8, cx + side * 46, 8, 1.6), strap)
    blend(img, capsule(cx - 30, hip_y - 4, cx + 30, hip_y - 4, 4), strap)
    blend(img, capsule(cx, sh_y - 16, cx, sh_y + 6, 11), skin)  # neck

    hh = max(1, round(HEAD_HEIGHT * scale))
    hw = max(1, round(HEAD_HEIGHT * scale * head.width / head.height * squeeze))
    face = np.asarray(head.resize((hw, hh), Image.BILINEAR), np.float32)
    x0, y0 = round(cx - hw / 2), round(head_cy - hh / 2)
    rgb, alpha = face[..., :3], face[..., 3:] / 255.0
    region = img[y0:y0 + hh, x0:x0 + hw]
    region += alpha * (rgb - region)
    fx, fy, fw, fh = FACE_IN_CROP
    sx, sy = hw / head.width, hh / head.height
    return [round(x0 + fx * sx), round(y0 + fy * sy), round(fw * sx), round(fh * sy)]


def soften(img):
    """[1 2 1] blur: mimics camera optics and saves ~15% bitrate on the crisp vector shapes."""
    pad = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    rows = (pad[:-2] + 2 * pad[1:-1] + pad[2:]) / 4
    return (rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]) / 4


def render_frames(sink, frames=range(N_FRAMES)):
    head = load_head()
    lab = lab_background()
    boxes, belt_pos = [], 0.0
    for n in frames:
        t = n / FPS
        img = lab.copy()
        scene, alpha = virtual_scene(t)
        img += alpha[..., None] * (scene - img)
        belt_on = np.clip((t - 14.0) / 2.0, 0, 1) * np.clip((37.0 - t) / 2.0, 0.3, 1)  # ramps with the script
        belt_pos += 2.2 * belt_on / FPS  # belt surface runs away from the camera
        blend(img, BELT_ALPHA, (38, 40, 44))
        blend(img, BELT_ALPHA * stripes(BELT_DEPTH - belt_pos, BELT_FOOTPRINT, 0.2) * 0.6, (70, 72, 78))
        boxes.append(draw_patient(img, t, head))
        sink.write(np.clip(soften(img) + 0.5, 0, 255).astype(np.uint8).tobytes())
    return boxes


def make_audio():
    speech, spans = synthesize_script(SCRIPT, DURATION, sample_rate=AUDIO_RATE, voice="en-us")
    for (start, text, _), (real, _end) in zip(SCRIPT, spans):
        if abs(real - start) > 1e-3:
            raise SystemExit(f"line overlaps its predecessor, move it later: {text!r} ({real:.2f}s)")
    speech *= 0.7 / np.max(np.abs(speech))  # peak about -3 dBFS
    rng = np.random.default_rng(7)
    t = np.arange(len(speech)) / AUDIO_RATE
    hum = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((50, 100, 150, 300), 1))
    noise = np.convolve(rng.standard_normal(len(t)), np.ones(8) / 8, "same")  # soft, fan-like
    bg = hum / np.sqrt(np.mean(hum**2)) + noise / np.sqrt(np.mean(noise**2))
    bg *= 10 ** (-40 / 20) / np.sqrt(np.mean(bg**2))  # -40 dBFS RMS
    return (speech + bg).astype(np.float32), spans


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    audio, spans = make_audio()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "voice.wav"
        write_wav(wav, audio, AUDIO_RATE)
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-",
            "-i", str(wav), "-map", "0:v", "-map", "1:a",
            "-c:v", "libx264", "-preset", "slow", "-crf", "30", "-pix_fmt", "yuv420p",
            "-g", "50", "-threads", "1",  # fixed thread count: same bytes on any machine
            "-x264-params", "psy-rd=0,0",  # no film-grain psychovisual bits: synthetic picture
            "-bsf:v", "filter_units=remove_types=6",  # drop SEI (x264 version/options string)
            "-c:a", "aac", "-b:a", "64k", "-ac", "1",
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags", "+bitexact",
            "-movflags", "+faststart", "-shortest", str(OUT / "caren_session.mp4"),
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        boxes = render_frames(proc.stdin)
        proc.stdin.close()
        if proc.wait() != 0:
            raise SystemExit("ffmpeg failed")
    faces = {"fps": FPS, "size": [W, H], "frames": boxes}
    (OUT / "caren_session.faces.json").write_text(json.dumps(faces, separators=(",", ":")) + "\n")
    script = "".join(f"{start:.2f}\t{text}\n" for (_, text, _), (start, _) in zip(SCRIPT, spans))
    (OUT / "caren_session.txt").write_text(script)
    (OUT / "roster.txt").write_text("Maria Jansen\n")
    size = (OUT / "caren_session.mp4").stat().st_size
    print(f"wrote {OUT / 'caren_session.mp4'} ({size / 1024:.0f} KB)")
    for (start, end), (_, text, _) in zip(spans, SCRIPT):
        print(f"  {start:6.2f}-{end:6.2f}  {text}")


if __name__ == "__main__":
    main()
