"""A mask's edge controls: grow or shrink (px), feather (px), invert -> the final mask.

The final mask is what the overlay shows and what the tasks receive: uint8 (H, W), 255 =
inside, with a linear ramp `feather` px wide centred on the (grown or shrunk) edge, so its
>= 128 part is exactly the grown or shrunk mask. Distances are Euclidean (a grown square gets
round corners, as a brush would draw it).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Edges:
    grow: int = 0  # px; negative shrinks
    feather: int = 0  # px: width of the ramp across the edge
    invert: bool = False

    def __post_init__(self) -> None:
        if self.feather < 0:
            raise ValueError(f"feather must be >= 0 px (got {self.feather})")

    @property
    def plain(self) -> bool:
        return self.grow == 0 and self.feather == 0 and not self.invert


def _distance_to(region: np.ndarray) -> np.ndarray:
    """float32 (H, W) Euclidean distance from each pixel to the nearest pixel of `region`
    (0 on it); a frame with no `region` pixel is infinitely far everywhere."""
    if not region.any():
        return np.full(region.shape, np.inf, np.float32)
    source = np.where(region, 0, 255).astype(np.uint8)
    return np.asarray(cv2.distanceTransform(source, cv2.DIST_L2, cv2.DIST_MASK_PRECISE), np.float32)


def signed_distance(mask: np.ndarray) -> np.ndarray:
    """float32 (H, W): > 0 inside bool `mask`, < 0 outside, in px measured between pixel
    centres: an inside pixel next to the edge is at 0.5, the outside pixel next to it at -0.5."""
    outside = _distance_to(mask)  # for outside pixels: distance to the nearest inside one
    inside = _distance_to(~mask)
    return np.where(mask, inside - 0.5, 0.5 - outside).astype(np.float32)


def _edged(mask: np.ndarray, edges: Edges) -> np.ndarray:
    """uint8 grown or shrunk and feathered `mask` (bool), before any invert."""
    d = signed_distance(mask) + edges.grow  # > 0: inside the grown mask
    if edges.feather == 0:
        return np.where(d > 0, 255, 0).astype(np.uint8)
    ramp = np.clip(0.5 + d / edges.feather, 0.0, 1.0)
    return np.round(ramp * 255).astype(np.uint8)


def apply_edges(mask: np.ndarray, edges: Edges) -> np.ndarray:
    """uint8 (H, W) final mask of bool (H, W) `mask` under `edges`."""
    mask = np.asarray(mask, bool)
    if edges.grow == 0 and edges.feather == 0:
        alpha = np.where(mask, 255, 0).astype(np.uint8)
    else:
        # Only the mask's neighbourhood can change: the distance transforms run on its box,
        # grown by as far as the edge can move (the viewer redoes this for each frame shown;
        # on a whole 1080p frame it took 49 ms of the GUI thread)
        alpha = np.zeros(mask.shape, np.uint8)
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        if len(rows):
            pad = max(edges.grow, 0) + edges.feather + 2
            y0, y1 = max(0, rows[0] - pad), min(mask.shape[0], rows[-1] + pad + 1)
            x0, x1 = max(0, cols[0] - pad), min(mask.shape[1], cols[-1] + pad + 1)
            alpha[y0:y1, x0:x1] = _edged(mask[y0:y1, x0:x1], edges)
    if edges.invert:
        alpha = 255 - alpha
    return alpha
