"""A quick look at a cinemagraph's motion before generating: the still's region moved by the
motion field of the user's arrows, pins and freeze strokes alone (no model, no prompt words),
made with the functions the cinemagraph task uses (`plan_motion`, `render_loop`) on a reduced
copy of the still so that it is ready well within a second of an edit."""

from __future__ import annotations

import cv2
import numpy as np

from engine.vision.motion_field import freeze_mask, plan_motion, render_loop
from engine.vision.motion_words import MotionWords

PREVIEW_SIDE = 320  # the preview's longer side in pixels: a 1280x720 still is shown at 320x180
PREVIEW_FRAMES = 24


def preview_loop(
    still: np.ndarray,
    region: np.ndarray | None,
    arrows: np.ndarray,
    anchors: np.ndarray,
    frames: int = PREVIEW_FRAMES,
    side: int = PREVIEW_SIDE,
    freeze: list[list[float]] | None = None,
) -> np.ndarray:
    """uint8 (T, h, w, 3): the loop of RGB `still` (H, W, 3) at most `side` pixels a side,
    moving inside bool `region` (H, W) (None: the whole still) by `arrows` (N, 4) and held at
    `anchors` (M, 2) and under the freeze strokes `freeze` ([radius, x0, y0, ...] each), all
    in the still's pixels. Outside the region the still is kept."""
    h, w = still.shape[:2]
    scale = min(1.0, side / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(still, size, interpolation=cv2.INTER_AREA) if scale < 1 else still
    inside = np.ones((h, w), bool) if region is None else np.asarray(region, bool)
    if inside.shape != (h, w):
        raise ValueError(f"the region is {inside.shape[1]}x{inside.shape[0]}, the still {w}x{h}")
    if scale < 1:
        inside = cv2.resize(inside.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    # an arrow's length is a distance in pixels: it shrinks with the picture
    arrows = np.asarray(arrows, np.float64).reshape(-1, 4) * scale
    anchors = np.asarray(anchors, np.float64).reshape(-1, 2) * scale
    strokes = [(float(s[0]), np.asarray(s[1:], np.float64).reshape(-1, 2)) for s in freeze or []]
    frozen = freeze_mask(strokes, inside.shape, scale) if strokes else None
    motion = plan_motion(
        inside,
        frames,
        MotionWords(),
        arrows=arrows,
        anchors=anchors if len(anchors) else None,
        frozen=frozen,
    )
    loop = render_loop(np.ascontiguousarray(small), motion, frames)
    loop[:, ~inside] = small[~inside]  # the task keeps the outside bit-exact; so does this
    return loop
