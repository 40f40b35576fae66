"""Footage-faithful image-to-video: motion transfer from the model's animation to the still.

The model animates the still (as on the pure-model path); the steady camera move its animation
carries (an affine fitted robustly, engine/vision/global_motion.py), or the exact move the
prompt names (zoom in/out, pan), then moves the still itself at its full resolution. Pixels the
move brings in from beyond the still's edge (a zoom out, a pan) take the model's own frame
there, blended over a few pixels. Frame 0 is the still.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.vision.global_motion import camera_shift, steady_camera
from engine.vision.motion_words import Camera, MotionWords, parse_motion

MIN_SHIFT = 0.6  # px a frame: the model's move is kept at least this fast, so the clip moves
MAX_SHIFT = 0.02  # of the frame's longer side a frame: and at most this fast
ZOOM_RATE = 0.006  # a named zoom: scale change a frame at normal speed
PAN_RATE = 0.004  # a named pan: the frame's width a frame at normal speed
FEATHER = 4.0  # px: the blend into the model's pixels where the still runs out
IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def named_move(camera: Camera, speed: float, t: int, h: int, w: int) -> np.ndarray:
    """2x3 pull map (output pixel -> still pixel) of the named camera move at frame t."""
    cx, cy = (w - 1) / 2, (h - 1) / 2
    if camera in ("zoom_in", "zoom_out"):
        scale = (1 + ZOOM_RATE * speed) ** (t if camera == "zoom_in" else -t)
        return np.array([[1 / scale, 0, cx - cx / scale], [0, 1 / scale, cy - cy / scale]])
    step = PAN_RATE * speed * w * t
    dx, dy = {
        "pan_left": (-step, 0.0),  # the camera turns left: it sees what lies left of the still
        "pan_right": (step, 0.0),
        "pan_up": (0.0, -step),
        "pan_down": (0.0, step),
    }[camera]
    return np.array([[1.0, 0, dx], [0, 1.0, dy]])


def model_move(model: np.ndarray, h: int, w: int) -> tuple[np.ndarray, str]:
    """(G, note): the model's steady move per frame (pull map I + t G), kept between
    MIN_SHIFT and MAX_SHIFT; a still model animation gets a slow zoom in."""
    rate = steady_camera(model)
    shift = camera_shift(rate, h, w)
    if shift < 1e-3:
        zoom = named_move("zoom_in", 1.0, 1, h, w) - IDENTITY
        return zoom, "the model's animation holds still: a slow zoom in"
    high = MAX_SHIFT * max(h, w)
    kept = min(max(shift, MIN_SHIFT), high)
    note = f"the model's camera move ({shift:.2f} px a frame"
    note += f", kept at {kept:.2f})" if kept != shift else ")"
    return rate * (kept / shift), note


def footage_i2v(
    still: np.ndarray, model: np.ndarray, prompt: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(frames uint8 (T, H, W, 3), model share float32 (T, H, W) in [0, 1], notes): the still
    moved as the prompt or the model's animation `model` (uint8 (T, H, W, 3)) says."""
    frames, h, w = model.shape[:3]
    words: MotionWords = parse_motion(prompt)
    if words.camera is not None:
        speed = words.speed or 1.0

        def move(t: int) -> np.ndarray:
            return named_move(words.camera, speed, t, h, w)  # type: ignore[arg-type]

        note = f"the prompt's {words.camera.replace('_', ' ')}, an exact camera move"
    else:
        rate, note = model_move(model, h, w)

        def move(t: int) -> np.ndarray:
            return np.asarray(IDENTITY + t * rate)

    out = np.empty_like(model)
    share = np.zeros(model.shape[:3], np.float32)
    out[0] = still
    ones = np.ones((h, w), np.float32)
    flags = cv2.INTER_LANCZOS4 | cv2.WARP_INVERSE_MAP
    for t in range(1, frames):
        matrix = move(t)
        moved = cv2.warpAffine(still, matrix, (w, h), flags=flags, borderMode=cv2.BORDER_REFLECT)
        inside = cv2.warpAffine(ones, matrix, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        if inside.min() < 1.0:  # the still runs out: the model's frame there, blended
            distance = cv2.distanceTransform((inside > 0.999).astype(np.uint8), cv2.DIST_L2, 3)
            keep = np.clip(distance / FEATHER, 0.0, 1.0)
            share[t] = 1.0 - keep
            blend = moved * keep[..., None] + model[t] * (1.0 - keep[..., None])
            moved = np.clip(np.round(blend), 0, 255).astype(np.uint8)
        out[t] = moved
    return out, share, [f"the still moved at full resolution (pixels: footage) by {note}"]
