"""Extending a still beyond its edges, for a camera move that brings in what the photo never
showed (image-to-video's pan, zoom out or drift).

The band beyond an edge continues the edge: the still mirrored about it (reflect-101, so the
edge pixel is not doubled) gives texture of the same grain, scale and colour, and meets the
still without a seam by construction. A guide (the model's own animation of that band) may
steer only the band's low frequencies, and only by how it differs there from what it shows just
inside the edge: its colour cast and its blotches are a small model's, not the scene's, so its
difference to the still is continued harmonically from inside the still and taken off. Its
weight rises from 0 at the edge, so the still's edge region and the band meet seamlessly.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from engine.vision.flow_fill import harmonic_fill
from engine.vision.frequency import low_pass


class Pad(NamedTuple):
    """Pixels added on each side of a still."""

    top: int
    bottom: int
    left: int
    right: int


def mirror_pad(still: np.ndarray, pad: Pad) -> np.ndarray:
    """uint8 (H + top + bottom, W + left + right, C) canvas: `still` at (top, left), mirrored
    beyond its edges (repeatedly, when a pad is wider than the still)."""
    if min(pad) < 0:
        raise ValueError(f"pads must not be negative, got {pad}")
    if min(still.shape[:2]) < 2 and any(pad):
        raise ValueError(f"a still of {still.shape[:2]} px is too small to mirror")
    out, need = np.asarray(still), list(pad)  # what each side still needs
    while any(need):  # copyMakeBorder reflects once: grow by at most the canvas less one
        h, w = out.shape[:2]
        step = [min(need[0], h - 1), min(need[1], h - 1), min(need[2], w - 1), min(need[3], w - 1)]
        top, bottom, left, right = step
        out = np.asarray(cv2.copyMakeBorder(out, top, bottom, left, right, cv2.BORDER_REFLECT_101))
        need = [a - b for a, b in zip(need, step, strict=True)]
    return out


def beyond(shape: tuple[int, int], pad: Pad) -> np.ndarray:
    """float32 (Hc, Wc): how far (px) each pixel of a padded canvas lies beyond the still's
    rectangle; 0 on the still."""
    hc, wc = shape
    h, w = hc - pad.top - pad.bottom, wc - pad.left - pad.right
    ys, xs = np.arange(hc) - pad.top, np.arange(wc) - pad.left
    dy = np.maximum(np.maximum(-ys, ys - (h - 1)), 0).astype(np.float32)
    dx = np.maximum(np.maximum(-xs, xs - (w - 1)), 0).astype(np.float32)
    return np.asarray(np.hypot(dy[:, None], dx[None, :]), np.float32)


def extend_still(
    still: np.ndarray,
    pad: Pad,
    guide: np.ndarray | None = None,
    known: np.ndarray | None = None,
    *,
    sigma: float = 8.0,
    depth: float = 16.0,
    weight: float = 0.5,
) -> np.ndarray:
    """uint8 canvas: `still` mirrored beyond its edges by `pad`; with a float32 canvas-sized
    `guide` (known where bool `known`), the band's frequencies coarser than `sigma` px move
    towards the guide's by up to `weight`, reached `depth` px beyond the edge. Only how the
    guide changes beyond the edge counts: its difference to the still inside is continued
    outward and taken off. The still's own pixels are kept bit for bit."""
    canvas = mirror_pad(still, pad)
    if guide is None or weight <= 0:
        return canvas
    if known is None or guide.shape != canvas.shape or known.shape != canvas.shape[:2]:
        raise ValueError(
            f"the guide {None if guide is None else guide.shape} and its mask "
            f"{None if known is None else known.shape} must match the canvas {canvas.shape}"
        )
    far = beyond(canvas.shape[:2], pad)
    support = low_pass(known.astype(np.float32), sigma)
    seen = support > 0.5  # enough of the guide around a pixel to trust its low-pass there
    guide_low = low_pass(guide * known[..., None], sigma) / np.maximum(support, 1e-6)[..., None]
    difference = guide_low - low_pass(canvas, sigma)
    # the cast is read at least 2 sigma inside the edge, where the guide's own change beyond
    # the edge has not been smeared in by the low-pass (nearer, in a still too small for that)
    rect = (far == 0).astype(np.uint8)
    depth_in = cv2.distanceTransform(np.pad(rect, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    inside_seen = seen & (depth_in > min(2 * sigma, depth_in.max() / 2))
    if not inside_seen.any():  # nothing shows how the guide relates to the still
        return canvas
    cast = harmonic_fill(difference, ~inside_seen)  # the guide's cast at the edge, continued
    rise = weight * np.clip(far / depth, 0.0, 1.0) * seen
    out = canvas + rise[..., None] * (difference - cast)
    return np.asarray(np.clip(np.round(out), 0, 255), np.uint8)
