"""Reads a procedural-style clip back: the main object's colour, motion and (roughly) shape.

Used to measure how well a model follows its prompt. It knows the palette and that backgrounds
are dark, nothing else, so it works the same on rendered ground truth and on generated clips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.train.procedural import COLOURS, DIRECTIONS

PALETTE_NAMES = tuple(COLOURS)
PALETTE = np.array([COLOURS[n] for n in PALETTE_NAMES], np.float32)
# Backgrounds are dark (brightest channel <= ~85); every palette colour has a channel >= 190.
BRIGHT = 110.0
MIN_TRAVEL = 0.12  # fraction of the frame: below this the object is not translating


@dataclass
class Detection:
    colour: str | None  # None: no object found
    direction: str | None  # one of DIRECTIONS, or None when the object does not translate
    motion: str | None  # direction, or growing / shrinking / bouncing / static
    shape: str | None
    travel: float  # centroid displacement over the clip, fraction of the frame
    coverage: float  # share of object pixels (mean over frames)


def _object_labels(video: np.ndarray) -> np.ndarray:
    """Per pixel: index of the nearest palette colour for bright pixels, -1 for background."""
    v = video.astype(np.float32)
    bright = v.max(axis=-1) >= BRIGHT
    dist = ((v[..., None, :] - PALETTE) ** 2).sum(-1)
    labels = dist.argmin(-1)
    return np.where(bright, labels, -1)


def _direction_of(dx: float, dy: float) -> str:
    angle = math.atan2(dy, dx)
    return min(DIRECTIONS, key=lambda n: abs(_wrap(angle - math.atan2(*DIRECTIONS[n][::-1]))))


def _wrap(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


def _shape_of(mask: np.ndarray) -> str | None:
    """Rotation-free: area against the area of the circle through the farthest pixel."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 12:
        return None
    cy, cx = ys.mean(), xs.mean()
    r = np.sqrt((ys - cy) ** 2 + (xs - cx) ** 2).max() + 0.5
    fill = len(xs) / (math.pi * r * r)
    # circle ~1.0, square 2/pi = 0.64, star ~0.45, triangle ~0.41 (pixelisation blurs these).
    if fill > 0.8:
        return "circle"
    if fill > 0.55:
        return "square"
    return "star" if _concave(mask) else "triangle"


def _concave(mask: np.ndarray) -> bool:
    """A star has many boundary direction changes; a triangle has three corners."""
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean(), xs.mean()
    angles = np.arctan2(ys - cy, xs - cx)
    radii = np.hypot(ys - cy, xs - cx)
    bins = np.linspace(-math.pi, math.pi, 21)
    idx = np.digitize(angles, bins)
    profile = np.array([radii[idx == i].max() if (idx == i).any() else 0 for i in range(1, 21)])
    peaks = sum(
        profile[i] > profile[i - 1] and profile[i] >= profile[(i + 1) % 20] for i in range(20)
    )
    return bool(peaks >= 5)


def _track(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame area and centroid (x, y in pixels) of a (T, H, W) boolean mask."""
    t, h, w = mask.shape
    area = mask.reshape(t, -1).sum(1).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = (mask * xx).reshape(t, -1).sum(1) / area
        cy = (mask * yy).reshape(t, -1).sum(1) / area
    return area, cx, cy


def _travel(
    area: np.ndarray, cx: np.ndarray, cy: np.ndarray, h: int, w: int
) -> tuple[float, float, np.ndarray]:
    """Centroid displacement from the first to the last quarter of the frames it is in."""
    frames = np.nonzero(area > 0)[0]
    if len(frames) < 2:
        return 0.0, 0.0, frames
    q = max(1, len(frames) // 4)
    dx = float(cx[frames[-q:]].mean() - cx[frames[:q]].mean()) / w
    dy = float(cy[frames[-q:]].mean() - cy[frames[:q]].mean()) / h
    return dx, dy, frames


def detect(video: np.ndarray) -> Detection:
    """video: uint8 (T, H, W, 3). The main object is the one that travels when exactly one of
    the two most frequent colours does (in the data set the second object never travels),
    otherwise the most frequent colour."""
    t, h, w, _ = video.shape
    labels = _object_labels(video)
    counts = np.bincount(labels[labels >= 0].ravel(), minlength=len(PALETTE_NAMES))
    if counts.sum() < max(4, 0.002 * labels.size):
        return Detection(None, None, None, None, 0.0, 0.0)
    candidates = [int(i) for i in np.argsort(-counts)[:2] if counts[i] >= 0.15 * counts.max()]
    tracks = {c: _track(labels == c) for c in candidates}
    moves = {c: _travel(*tracks[c], h, w) for c in candidates}
    moving = [c for c in candidates if math.hypot(*moves[c][:2]) >= MIN_TRAVEL]
    main = moving[0] if len(moving) == 1 else candidates[0]
    area, cx, cy = tracks[main]
    dx, dy, frames = moves[main]
    coverage = float(area.mean() / (h * w))
    if len(frames) < 2:
        return Detection(PALETTE_NAMES[main], None, None, None, 0.0, coverage)
    travel = math.hypot(dx, dy)
    direction = _direction_of(dx, dy) if travel >= MIN_TRAVEL else None
    motion = direction
    if motion is None:
        q = max(1, len(frames) // 4)
        growth = float(area[frames[-q:]].mean() / max(area[frames[:q]].mean(), 1.0))
        wobble = float(np.ptp(cy[frames]) / h)
        if growth > 1.5:
            motion = "growing"
        elif growth < 1 / 1.5:
            motion = "shrinking"
        elif wobble > 0.06:
            motion = "bouncing"
        else:
            motion = "static"
    middle = frames[len(frames) // 2]
    mask = labels[middle] == main
    return Detection(PALETTE_NAMES[main], direction, motion, _shape_of(mask), travel, coverage)
