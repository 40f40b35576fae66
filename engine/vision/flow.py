"""Dense optical flow (OpenCV's DIS) and the warps built on it.

A flow from frame a to frame b gives, for each pixel x of a, the displacement d(x) such that
a(x) shows what b shows at x + d(x). So `pull(b, flow_ab)` rebuilds a from b's pixels, and the
forward-backward check keeps only the pixels where going a -> b -> a lands back home.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

Preset = Literal["ultrafast", "fast", "medium"]
_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def gray(frame: np.ndarray) -> np.ndarray:
    """uint8 (H, W) luma of an RGB (H, W, 3) frame; a (H, W) frame is returned as it is."""
    if frame.ndim == 2:
        return np.ascontiguousarray(frame)
    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)


def optical_flow(
    a: np.ndarray, b: np.ndarray, preset: Preset = "medium", initial: np.ndarray | None = None
) -> np.ndarray:
    """float32 (H, W, 2) flow from frame a to frame b (uint8 RGB or luma, the same size).
    `initial` is a guess DIS starts from at every scale (a move longer than its coarsest scale
    reaches, such as 30 px on a 100-px frame, is found only from a guess)."""
    if a.shape[:2] != b.shape[:2]:
        raise ValueError(f"frames differ in size: {a.shape[:2]} and {b.shape[:2]}")
    dis = cv2.DISOpticalFlow.create(_PRESETS[preset])
    if initial is not None and initial.shape != (*a.shape[:2], 2):
        raise ValueError(f"initial flow {initial.shape} does not match frames {a.shape[:2]}")
    flow = (
        np.zeros((*a.shape[:2], 2), np.float32)
        if initial is None
        else np.array(initial, np.float32)
    )
    return np.asarray(dis.calc(gray(a), gray(b), flow), np.float32)


def sample_grid(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The absolute (x, y) sampling maps x + flow(x) for cv2.remap."""
    h, w = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return xs + flow[..., 0], ys + flow[..., 1]


def pull(source: np.ndarray, flow: np.ndarray, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """`source` sampled at x + flow(x) (borders replicated): with flow a -> b and source b,
    an estimate of frame a made of b's pixels. Keeps the source's dtype and channels."""
    map_x, map_y = sample_grid(flow)
    out = cv2.remap(
        np.ascontiguousarray(source), map_x, map_y, interpolation, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(out, source.dtype).reshape(source.shape[:2] + source.shape[2:])


def landed_inside(flow: np.ndarray) -> np.ndarray:
    """bool (H, W): where x + flow(x) falls inside the frame."""
    h, w = flow.shape[:2]
    map_x, map_y = sample_grid(flow)
    inside: np.ndarray = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    return inside


def round_trip_error(flow_ab: np.ndarray, flow_ba: np.ndarray) -> np.ndarray:
    """float32 (H, W): |flow_ab(x) + flow_ba(x + flow_ab(x))| in pixels (0 where the two flows
    agree exactly)."""
    back = pull(flow_ba, flow_ab)
    return np.asarray(np.linalg.norm(flow_ab + back, axis=-1), np.float32)


def consistent(
    flow_ab: np.ndarray, flow_ba: np.ndarray, tolerance: float = 1.0, relative: float = 0.05
) -> np.ndarray:
    """bool (H, W): pixels of a whose flow survives the forward-backward check (the round
    trip lands within `tolerance` + `relative` x the flow's length) and lands inside b. Flow
    next to occlusions and static fills fails it (see shared/notes/footage.md)."""
    error = round_trip_error(flow_ab, flow_ba)
    length = np.linalg.norm(flow_ab, axis=-1)
    ok: np.ndarray = (error <= tolerance + relative * length) & landed_inside(flow_ab)
    return ok


def magnitude(flow: np.ndarray) -> np.ndarray:
    """float32 (H, W) length of each flow vector in pixels."""
    return np.asarray(np.linalg.norm(flow, axis=-1), np.float32)


_ROW = 4096  # points per row of a remap map (OpenCV limits a map's sides to 32767)


def bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """float32 (N, C) samples of (H, W, C) `image` at float positions (x, y), clamped to the
    frame (OpenCV's remap: positions to 1/32 px, uint8 images rounded to whole levels)."""
    n = len(x)
    h, w = image.shape[:2]
    rows = -(-n // _ROW) if n else 0
    map_x = np.zeros(rows * _ROW, np.float32)
    map_y = np.zeros(rows * _ROW, np.float32)
    map_x[:n] = np.clip(x, 0, w - 1)
    map_y[:n] = np.clip(y, 0, h - 1)
    if n == 0:
        return np.zeros((0, image.shape[2] if image.ndim == 3 else 1), np.float32)
    got = cv2.remap(
        np.ascontiguousarray(image),
        map_x.reshape(rows, _ROW),
        map_y.reshape(rows, _ROW),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    out: np.ndarray = got.reshape(rows * _ROW, -1)[:n].astype(np.float32)
    return out
