"""Completing a field inside a hole from its border: the harmonic (Laplace) fill, and the
optical flow of footage whose painted region hides what is to be removed.

The harmonic fill is the smoothest field that meets the known values on the hole's border
(the membrane of Perez et al.'s Poisson editing): a linear ramp is rebuilt exactly, a camera
pan's flow is carried across the hole, and a colour correction spreads smoothly inside a fill
(engine/vision/blend.py). It is solved coarse to fine: the hole is solved on a half-size grid
first, and a few over-relaxed Gauss-Seidel sweeps at each size remove what the upsampling left.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import cv2
import numpy as np

from engine.vision.flow import consistent

SWEEPS = 24  # relaxation sweeps per pyramid level: the coarse level holds the low frequencies
OMEGA = 1.6  # over-relaxation: converges several times faster than plain Gauss-Seidel
COARSEST = 8  # pixels: a hole smaller than this on its short side is solved at its own size
GROWN_BYTES = 64 << 20  # dilated holes remembered (bytes): every frame's, at each radius used


def hole_box(hole: np.ndarray, margin: int = 1) -> tuple[slice, slice]:
    """The slices of bool (H, W) `hole`'s bounding box grown by `margin`, inside the frame."""
    rows, cols = np.flatnonzero(hole.any(axis=1)), np.flatnonzero(hole.any(axis=0))
    h, w = hole.shape
    top, bottom = max(0, rows[0] - margin), min(h, rows[-1] + 1 + margin)
    left, right = max(0, cols[0] - margin), min(w, cols[-1] + 1 + margin)
    return slice(int(top), int(bottom)), slice(int(left), int(right))


_CROSS = np.array([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]], np.float32)


def _sweeps(values: np.ndarray, hole: np.ndarray, count: int) -> None:
    """`count` red-black over-relaxed Gauss-Seidel sweeps of Laplace's equation inside
    `hole`, in place; the frame's edge is a mirror (no flux), so a hole touching it is filled
    from the border it has."""
    h, w = hole.shape
    parity = (np.add.outer(np.arange(h), np.arange(w)) % 2).astype(bool)
    steps = [(OMEGA * (hole & p)).astype(np.float32)[..., None] for p in (parity, ~parity)]
    for _ in range(count):
        for step in steps:
            mean = cv2.filter2D(values, -1, _CROSS, borderType=cv2.BORDER_REPLICATE)
            values += step * (mean.reshape(values.shape) - values)


def _solve(values: np.ndarray, hole: np.ndarray) -> None:
    """Harmonic fill of float32 (h, w, C) `values` inside bool `hole`, in place."""
    h, w = hole.shape
    known = ~hole
    if min(h, w) >= 2 * COARSEST and hole.sum() > 4 * COARSEST:
        # half-size problem: a coarse cell is known where any of its pixels is, with their mean
        ph, pw = h + h % 2, w + w % 2
        v = np.pad(values * known[..., None], ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")
        k = np.pad(known.astype(np.float32), ((0, ph - h), (0, pw - w)), mode="edge")
        sums = v.reshape(ph // 2, 2, pw // 2, 2, -1).sum(axis=(1, 3))
        counts = k.reshape(ph // 2, 2, pw // 2, 2).sum(axis=(1, 3))
        coarse_known = counts > 0
        coarse = sums / np.maximum(counts, 1)[..., None]
        _solve(coarse, ~coarse_known)
        up = cv2.resize(coarse, (pw, ph), interpolation=cv2.INTER_LINEAR)
        up = up.reshape(ph, pw, -1)[:h, :w]
        values[hole] = up[hole]
    else:
        border = known & ~_shrink(known)
        start = values[border].mean(axis=0) if border.any() else np.zeros(values.shape[-1])
        values[hole] = start
    _sweeps(values, hole, SWEEPS if min(h, w) >= 2 * COARSEST else 4 * SWEEPS)


def _shrink(mask: np.ndarray) -> np.ndarray:
    out: np.ndarray = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return out


def harmonic_fill(values: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """float32 copy of (H, W) or (H, W, C) `values` with bool (H, W) `hole` replaced by the
    harmonic fill of the values around it. Needs some known pixel."""
    if hole.shape != values.shape[:2]:
        raise ValueError(f"hole {hole.shape} does not match values {values.shape[:2]}")
    out = np.array(values, np.float32)
    if not hole.any():
        return out
    if hole.all():
        raise ValueError("the hole covers the whole frame: nothing to fill it from")
    ys, xs = hole_box(hole)
    crop = out[ys, xs].reshape(out[ys, xs].shape[:2] + (-1,))
    _solve(crop, hole[ys, xs])
    out[ys, xs] = crop.reshape(out[ys, xs].shape)
    return out


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """bool (H, W) `mask` grown by `radius` pixels (a disc)."""
    if radius <= 0:
        return np.array(mask, bool)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    grown: np.ndarray = cv2.dilate(mask.astype(np.uint8), disc) > 0
    return grown


_grown: OrderedDict[tuple[tuple[int, ...], int, bytes], np.ndarray] = OrderedDict()
_grown_lock = threading.Lock()


def grown_hole(hole: np.ndarray, radius: int) -> np.ndarray:
    """`dilate(hole, radius)`, remembered (read-only). Propagation along direct flows
    completes up to T - 1 flows from each frame's same hole, and a wide elliptic dilation was
    the costliest step of a completion: 6.0 of 18.5 s on a 16-frame 640x272 clip."""
    digest = hashlib.blake2b(np.packbits(hole).tobytes(), digest_size=16).digest()
    key = (hole.shape, radius, digest)
    with _grown_lock:
        found = _grown.get(key)
        if found is not None:
            _grown.move_to_end(key)
            return found
    found = dilate(hole, radius)
    found.flags.writeable = False
    with _grown_lock:
        _grown[key] = found
        while sum(m.nbytes for m in _grown.values()) > GROWN_BYTES and len(_grown) > 1:
            _grown.popitem(last=False)
    return found


def dominant_motion(
    flow: np.ndarray, where: np.ndarray, tolerance: float = 2.0, most: int = 4000
) -> np.ndarray | None:
    """float32 (H, W, 2): the affine flow that most pixels of bool (H, W) `where` follow
    (RANSAC, within `tolerance` px), or None where under half of them do (no dominant
    motion) or there are too few. OpenCV's RANSAC seeds itself the same way each call, so the
    result is repeatable."""
    ys, xs = np.nonzero(where)
    if ys.size < 16:
        return None
    pick = slice(None, None, max(1, ys.size // most))
    src = np.stack([xs[pick], ys[pick]], axis=1).astype(np.float32)
    dst = src + flow[ys[pick], xs[pick]]
    model, inliers = cv2.estimateAffine2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=tolerance, maxIters=2000
    )
    if model is None or inliers is None or inliers.mean() < 0.5:
        return None
    h, w = where.shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    out = np.empty((h, w, 2), np.float32)
    out[..., 0] = model[0, 0] * gx + model[0, 1] * gy + model[0, 2] - gx
    out[..., 1] = model[1, 0] * gx + model[1, 1] * gy + model[1, 2] - gy
    return out


def complete_flow(
    flow_ab: np.ndarray,
    flow_ba: np.ndarray,
    hole: np.ndarray,
    near: int = 24,
    tolerance: float = 1.0,
    band: int = 16,
    outlier: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The flow a -> b with the hole of frame a (bool (H, W)) completed from its border:
    inside the hole, in a `band` of pixels around it, and within `near` pixels of it wherever
    the round trip a -> b -> a fails, the flow is filled from the trusted flow around. DIS
    next to a hole is dragged by what the hole shows, both ways alike, so the round trip alone
    does not catch it (a pan across a photo: 14.7 dB with the check alone, 23.5 dB with the
    band).

    The fill is the dominant (affine, RANSAC) motion of the trusted flow around plus the
    harmonic fill of the background's smooth departures from it; flow further than `outlier`
    px from the dominant motion (a foreground moving its own way next to the hole) counts as
    no departure, so it is not carried into the hole and does not pull the foreground's pixels
    in. Without a dominant motion the flow itself is filled harmonically. Returns the completed
    flow and the bool mask that was filled."""
    doubt = grown_hole(hole, band) | grown_hole(hole, near) & ~consistent(
        flow_ab, flow_ba, tolerance
    )
    filled = hole | doubt
    if filled.all():
        return np.zeros_like(flow_ab, np.float32), filled
    around = grown_hole(hole, 2 * band + near) & ~filled
    base = dominant_motion(flow_ab, around, outlier)
    if base is None:
        return harmonic_fill(flow_ab, filled), filled
    departure = flow_ab - base
    departure[np.linalg.norm(departure, axis=-1) > outlier] = 0
    out = np.array(flow_ab, np.float32)
    out[filled] = (harmonic_fill(departure, filled) + base)[filled]
    return out, filled
