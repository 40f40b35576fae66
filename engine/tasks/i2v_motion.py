"""Footage-faithful image-to-video: motion transfer from the model's animation to the still.

The model animates the still (as on the pure-model path); the steady camera move its animation
carries (an affine fitted robustly, engine/vision/global_motion.py), or the exact move the
prompt names (zoom in/out, pan), then moves the still itself at its full resolution. Pixels the
move brings in from beyond the still's edge (a zoom out, a pan) continue the still's edge: the
still is extended once onto a padded canvas (mirrored texture; the model's animation of that
band guides only its low frequencies: engine/vision/extend.py) and the canvas moves, so the band
moves with the scene instead of being redrawn each frame. Frame 0 is the still.

The move is one global affine a frame, so nothing inside the frame opens up (no disocclusion):
the bands at the frame's edge are the only pixels the still does not have.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from engine.vision.extend import Pad, beyond, extend_still
from engine.vision.global_motion import camera_shift, steady_camera
from engine.vision.motion_words import Camera, MotionWords, parse_motion

MIN_SHIFT = 0.6  # px a frame: the model's move is kept at least this fast, so the clip moves
MAX_SHIFT = 0.02  # of the frame's longer side a frame: and at most this fast
ZOOM_RATE = 0.006  # a named zoom: scale change a frame at normal speed
PAN_RATE = 0.004  # a named pan: the frame's width a frame at normal speed
FEATHER = 4.0  # px: the earlier fill's blend into the model's pixels where the still runs out
KERNEL = 4  # px: the Lanczos kernel's reach, padded beyond what the move itself needs
GUIDE = 0.5  # at most this share of the band's low frequencies follows the model's animation
GUIDE_SIGMA = 0.04  # of the frame's longer side: the guide's cut-off (only coarser is taken)
GUIDE_DEPTH = 16.0  # px beyond the edge where the guide's share reaches GUIDE
REFLECT = cv2.BORDER_REFLECT_101
BAND_NOTE = "the still's edge continued (mirrored), the model's animation guiding its colour"
BandFill = Literal["still", "model"]
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


def _pads(moves: list[np.ndarray], h: int, w: int) -> Pad:
    """How far beyond the still the pull maps `moves` reach, plus the Lanczos kernel's reach."""
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], np.float64)
    reach = np.concatenate([corners @ m.T for m in moves])  # (x, y) in the still

    def side(over: float) -> int:
        return int(np.ceil(max(0.0, over))) + KERNEL

    return Pad(
        top=side(-reach[:, 1].min()),
        bottom=side(reach[:, 1].max() - (h - 1)),
        left=side(-reach[:, 0].min()),
        right=side(reach[:, 0].max() - (w - 1)),
    )


def _on_canvas(move: np.ndarray, pad: Pad) -> np.ndarray:
    """The pull map output -> canvas of pull map output -> still `move`."""
    return np.asarray(move + np.array([[0, 0, pad.left], [0, 0, pad.top]], np.float64))


def _model_guide(
    model: np.ndarray, moves: list[np.ndarray], pad: Pad, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(float32 canvas, bool known): the model's frames t >= 1 put back where the move says
    they look on the canvas, averaged (each canvas pixel over the frames that show it)."""
    total = np.zeros((*shape, 3), np.float32)
    count = np.zeros(shape, np.float32)
    ones = np.ones(model.shape[1:3], np.float32)
    size = (shape[1], shape[0])
    for t in range(1, len(model)):
        forward = _on_canvas(moves[t], pad)  # output -> canvas; warpAffine pushes with it
        cover = cv2.warpAffine(ones, forward, size, flags=cv2.INTER_LINEAR)
        full = cover > 0.999
        pushed = cv2.warpAffine(model[t].astype(np.float32), forward, size, flags=cv2.INTER_LINEAR)
        total[full] += pushed[full]
        count[full] += 1
    known = count > 0
    return total / np.maximum(count, 1)[..., None], known


def _model_band(
    still_frame: np.ndarray, model_frame: np.ndarray, inside: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The earlier fill (kept to compare with): the model's own frame where the still runs
    out, blended over FEATHER px."""
    distance = cv2.distanceTransform((inside > 0.999).astype(np.uint8), cv2.DIST_L2, 3)
    keep = np.clip(distance / FEATHER, 0.0, 1.0)
    blend = still_frame * keep[..., None] + model_frame * (1.0 - keep[..., None])
    return np.clip(np.round(blend), 0, 255).astype(np.uint8), 1.0 - keep


def footage_i2v(
    still: np.ndarray, model: np.ndarray, prompt: str, band: BandFill = "still"
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(frames uint8 (T, H, W, 3), beyond float32 (T, H, W) in [0, 1], notes): the still
    moved as the prompt or the model's animation `model` (uint8 (T, H, W, 3)) says; `beyond`
    is the share of each pixel that comes from beyond the still's edge (with band "model",
    the model's share of it). There, `band` "still"
    continues the still's edge (mirrored texture, the model's animation only as a guide to the
    low frequencies: engine/vision/extend.py); "model" takes the model's frame, blended (the
    earlier fill, kept to compare with)."""
    frames, h, w = model.shape[:3]
    words: MotionWords = parse_motion(prompt)
    if words.camera is not None:
        speed = words.speed or 1.0
        moves = [named_move(words.camera, speed, t, h, w) for t in range(frames)]
        note = f"the prompt's {words.camera.replace('_', ' ')}, an exact camera move"
    else:
        rate, note = model_move(model, h, w)
        moves = [np.asarray(IDENTITY + t * rate) for t in range(frames)]

    out = np.empty_like(model)
    share = np.zeros(model.shape[:3], np.float32)
    out[0] = still
    flags = cv2.INTER_LANCZOS4 | cv2.WARP_INVERSE_MAP
    linear = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    if band == "model":
        ones = np.ones((h, w), np.float32)
        for t in range(1, frames):
            moved = cv2.warpAffine(
                still, moves[t], (w, h), flags=flags, borderMode=cv2.BORDER_REFLECT
            )
            inside = cv2.warpAffine(ones, moves[t], (w, h), flags=linear)
            if inside.min() < 1.0:
                moved, share[t] = _model_band(moved, model[t], inside)
            out[t] = moved
    else:
        pad = _pads(moves, h, w)
        shape = (h + pad.top + pad.bottom, w + pad.left + pad.right)
        guide, known = _model_guide(model, moves, pad, shape)
        sigma = GUIDE_SIGMA * max(h, w)
        canvas = extend_still(
            still, pad, guide, known, sigma=sigma, depth=GUIDE_DEPTH, weight=GUIDE
        )
        rect = (beyond(shape, pad) == 0).astype(np.float32)  # the still's pixels on the canvas
        for t in range(1, frames):
            pull = _on_canvas(moves[t], pad)
            out[t] = cv2.warpAffine(canvas, pull, (w, h), flags=flags, borderMode=REFLECT)
            share[t] = 1.0 - cv2.warpAffine(rect, pull, (w, h), flags=linear)
    notes = [f"the still moved at full resolution (pixels: footage) by {note}"]
    if share.max() > 0.5:
        notes.append(
            "where the move brings in what the still never showed: "
            + ("the model's frame, blended" if band == "model" else BAND_NOTE)
        )
    return out, share, notes
