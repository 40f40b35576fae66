"""The motion a model's animation carries, read robustly.

A small model's animation mostly boils (shared/notes/footage.md): the dense flow measured on
it is noise pixel by pixel, but its median over a region, or an affine fitted to it with
RANSAC and then to the whole clip as one steady move, is the model's choice of direction and
speed. These are what the footage-faithful tasks take from the model.
"""

from __future__ import annotations

from itertools import pairwise

import cv2
import numpy as np

from engine.vision.flow import optical_flow

FLOW_SIDE = 160  # flow on the model's animation is measured at most this large a side


def _small(frames: np.ndarray, side: int = FLOW_SIDE) -> tuple[np.ndarray, float]:
    """(frames at most `side` large, the factor from that size back to the frames' size)."""
    h, w = frames.shape[1:3]
    scale = min(1.0, side / max(h, w))
    if scale == 1.0:
        return frames, 1.0
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    small = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])
    return small, w / size[0]


def _upscaled_flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Flow a -> b; frames below 32 px are enlarged first (DIS needs a few patches)."""
    factor = max(1, int(np.ceil(32 / min(a.shape[:2]))))
    if factor == 1:
        return optical_flow(a, b, "medium")
    size = (a.shape[1] * factor, a.shape[0] * factor)
    big = [cv2.resize(f, size, interpolation=cv2.INTER_CUBIC) for f in (a, b)]
    flow = optical_flow(big[0], big[1], "medium")
    return np.asarray(cv2.resize(flow, a.shape[1::-1], interpolation=cv2.INTER_AREA) / factor)


def dominant_velocity(frames: np.ndarray, region: np.ndarray | None = None) -> np.ndarray:
    """float32 (2,) (dx, dy) per frame, in the frames' own pixels: the median over time of each
    step's median flow inside bool region (H, W) (everywhere when None)."""
    if len(frames) < 2:
        return np.zeros(2, np.float32)
    small, back = _small(frames)
    where = None
    if region is not None:
        size = small.shape[2:0:-1]
        where = cv2.resize(region.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
        if not where.any():
            where = None
    steps = []
    for a, b in zip(small[:-1], small[1:], strict=True):
        flow = _upscaled_flow(a, b)
        vectors = flow[where] if where is not None else flow.reshape(-1, 2)
        steps.append(np.median(vectors, axis=0))
    return np.asarray(np.median(np.stack(steps), axis=0) * back, np.float32)


def _affine(flow: np.ndarray) -> np.ndarray:
    """2x3 affine fitted (RANSAC) to the pull map x -> x + flow(x) on a grid of samples."""
    h, w = flow.shape[:2]
    step = max(1, min(h, w) // 24)
    ys, xs = np.mgrid[step // 2 : h : step, step // 2 : w : step]
    src = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
    dst = src + flow[ys.ravel(), xs.ravel()]
    matrix, _ = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=1.0)
    identity = np.array([[1, 0, 0], [0, 1, 0]], np.float64)
    return identity if matrix is None else np.asarray(matrix, np.float64)


def steady_camera(frames: np.ndarray) -> np.ndarray:
    """float64 (2, 3) G: the clip's move as one steady camera, so that frame t shows frame 0
    through the pull map x -> x + t * (G @ [x, y, 1]) (in the frames' own pixels): the
    element-wise median over the steps of the affine from each frame back to the one before
    (small steps are where flow is reliable; the median drops the steps that boil)."""
    small, back = _small(frames)
    identity = np.array([[1, 0, 0], [0, 1, 0]], np.float64)
    if len(small) < 2:
        return np.zeros((2, 3))
    steps = [_affine(_upscaled_flow(b, a)) - identity for a, b in pairwise(small)]
    rate = np.median(np.stack(steps), axis=0)
    rate[:, 2] *= back  # the translation is in pixels; the linear part has no unit
    return np.asarray(rate)


def camera_shift(rate: np.ndarray, height: int, width: int) -> float:
    """Mean displacement per frame in pixels of the steady move `rate` over a frame."""
    ys, xs = np.mgrid[0:height:8, 0:width:8]
    points = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    return float(np.linalg.norm(rate @ points, axis=0).mean())
