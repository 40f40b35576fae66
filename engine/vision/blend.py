"""Putting a fill into a frame so its edge does not show: gradient-domain (Poisson) blending,
and the plain per-frame inpainting (Telea / Navier-Stokes) that serves as the baseline.

The Poisson blend keeps the fill's own gradients inside the region and meets the frame at its
edge: result = fill + c, with c the harmonic (smoothest) correction that equals frame - fill on
the region's border. Only the fill's interior guides it: the fill is first extended a few
pixels outward from its own inside (the model's pixels on the ring are not the frame's), so
unlike cv2.seamlessClone nothing of the region is eroded and the frame's gradients are not
taken inside (see shared/notes/footage.md).
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from engine.vision.flow_fill import harmonic_fill, hole_box

RING = 2  # pixels of the frame around the region that set the correction


def poisson_blend(frame: np.ndarray, fill: np.ndarray, region: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 3) `frame` with bool (H, W) `region` replaced by uint8 (H, W, 3) `fill`,
    blended in the gradient domain. Pixels outside the region are the frame's, bit for bit."""
    if frame.shape != fill.shape or region.shape != frame.shape[:2]:
        raise ValueError(
            f"blend needs matching shapes: {frame.shape}, {fill.shape}, {region.shape}"
        )
    out: np.ndarray = frame.copy()
    if not region.any():
        return out
    if region.all():
        out[:] = fill
        return out
    ys, xs = hole_box(region, RING)
    inside = region[ys, xs]
    grown = harmonic_fill(fill[ys, xs], ~inside)  # the fill's interior carried onto the ring
    correction = harmonic_fill(frame[ys, xs].astype(np.float32) - grown, inside)
    blended = np.clip(np.rint(grown + correction), 0, 255).astype(np.uint8)
    out[ys, xs][inside] = blended[inside]
    return out


def detail_blend(
    frame: np.ndarray, fill: np.ndarray, region: np.ndarray, sigma: float, gain: float = 2.0
) -> np.ndarray:
    """Only the fill's detail (what a Gaussian blur of `sigma` px removes), blended in the
    gradient domain: the region's shading comes from its ring, the texture from the fill,
    clipped to `gain` x the ring's own texture (per channel) and faded in over `2 sigma` px
    from the region's edge. A fill that paints a flat sticker, or a dark halo along the
    mask, brings in no more edge than its surroundings have. uint8 (H, W, 3) in and out."""
    if not region.any() or region.all():
        return poisson_blend(frame, fill, region)
    ys, xs = hole_box(region, max(RING, round(3 * sigma)))
    inside = region[ys, xs]
    crop = fill[ys, xs].astype(np.float32)
    detail = crop - cv2.GaussianBlur(crop, (0, 0), sigma)
    around = frame[ys, xs].astype(np.float32)
    ring_detail = (around - cv2.GaussianBlur(around, (0, 0), sigma))[~inside]
    limit = gain * ring_detail.std(axis=0)
    detail = np.clip(detail, -limit, limit)
    depth = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 3)
    detail *= np.clip(depth / (2 * sigma), 0, 1)[..., None]
    textured = np.array(frame)
    textured[ys, xs] = np.clip(np.rint(128 + detail), 0, 255).astype(np.uint8)
    return poisson_blend(frame, textured, region)


def inpaint_frame(
    frame: np.ndarray, region: np.ndarray, method: Literal["telea", "ns"] = "telea", radius: int = 3
) -> np.ndarray:
    """uint8 (H, W, 3) `frame` with bool (H, W) `region` filled from around it by OpenCV's
    Telea or Navier-Stokes inpainting (one frame, no motion: the classical baseline)."""
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    mask = region.astype(np.uint8)
    out: np.ndarray = cv2.inpaint(np.ascontiguousarray(frame), mask, radius, flag)
    return out
