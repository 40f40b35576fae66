"""Low and high frequencies of a frame, and an edit that changes only the low ones.

Video-to-video at a light strength should restyle colour and light, not redraw the footage's
detail: the result is the source plus the low-pass of (edit - source), with a cut-off that
`strength` sets (0: the source bit for bit; 1: the edit bit for bit). The low-frequency change
is then smoothed along the source's own optical flow, so the tint follows the footage instead
of wandering from frame to frame (shared/notes/footage.md).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.vision.flow import consistent, optical_flow, pull

SIGMA_MAX = 12.0  # px: the cut-off's Gaussian at strength 0+ (strength 1: no cut-off)
FLOW_SIDE = 320  # the source's flow is measured at most this large a side
TEMPORAL = 0.8  # share of the flow-carried change kept from the neighbouring frame


def low_pass(image: np.ndarray, sigma: float) -> np.ndarray:
    """float32 Gaussian blur (sigma in pixels) of a (H, W) or (H, W, C) image."""
    return np.asarray(
        cv2.GaussianBlur(image.astype(np.float32), (0, 0), sigma, borderType=cv2.BORDER_REFLECT),
        np.float32,
    )


def split(image: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) float32 with low + high == image: what is coarser than `sigma` pixels and
    what is finer."""
    f = image.astype(np.float32)
    low = low_pass(f, sigma)
    return low, f - low


def cutoff_sigma(strength: float) -> float:
    """The Gaussian sigma (px) below which the edit is taken: wide at light strengths, none at 1."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")
    return SIGMA_MAX * (1.0 - strength)


def _resize(frames: np.ndarray, size: tuple[int, int], interpolation: int) -> np.ndarray:
    """(T, H, W, C) float32 frames at size (w, h)."""
    return np.stack([cv2.resize(f, size, interpolation=interpolation) for f in frames])


def _source_flows(small: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(back, fwd) per frame t of uint8 (T, h, w, 3): flow t -> t-1 and t -> t+1 (None-like
    zeros at the ends), NaN where the forward-backward check fails."""
    t_count = len(small)
    to_prev: list[np.ndarray] = [np.full((*small.shape[1:3], 2), np.nan, np.float32)] * t_count
    to_next: list[np.ndarray] = list(to_prev)
    for t in range(t_count - 1):
        ab = optical_flow(small[t], small[t + 1], "fast")
        ba = optical_flow(small[t + 1], small[t], "fast")
        to_next[t] = np.where(consistent(ab, ba)[..., None], ab, np.nan).astype(np.float32)
        to_prev[t + 1] = np.where(consistent(ba, ab)[..., None], ba, np.nan).astype(np.float32)
    return to_prev, to_next


def _carry(changes: np.ndarray, flows: list[np.ndarray], order: range) -> np.ndarray:
    """Exponential smoothing of changes (T, h, w, 3) along flows, frames taken in `order`."""
    out: np.ndarray = changes.copy()
    previous = None
    for t in order:
        flow = flows[t]
        if previous is not None:
            ok = ~np.isnan(flow[..., 0])
            carried = pull(out[previous], np.nan_to_num(flow))
            out[t] = np.where(
                ok[..., None], TEMPORAL * carried + (1 - TEMPORAL) * changes[t], changes[t]
            )
        previous = t
    return out


def keep_detail(source: np.ndarray, edited: np.ndarray, strength: float) -> np.ndarray:
    """uint8 (T, H, W, 3): the source with the edit's change below the strength's cut-off,
    smoothed along the source's flow. Strength 0 returns the source, 1 the edit (copies)."""
    if source.shape != edited.shape:
        raise ValueError(f"source and edit differ in shape: {source.shape} and {edited.shape}")
    sigma = cutoff_sigma(strength)
    if strength == 0.0:
        return np.array(source)
    if sigma < 0.5:  # finer than a pixel: nothing of the source's detail is left to keep
        return np.array(edited)
    t_count, h, w = source.shape[:3]
    factor = float(np.clip(sigma / 2, 1.0, max(1.0, max(h, w) / 64)))
    small_size = (max(8, round(w / factor)), max(8, round(h / factor)))
    small = np.stack(  # the change at the reduced size, a frame at a time (2K clips are large)
        [
            low_pass(
                cv2.resize(e.astype(np.float32) - s, small_size, interpolation=cv2.INTER_AREA),
                sigma / factor,
            )
            for s, e in zip(source, edited, strict=True)
        ]
    )
    flow_scale = min(1.0, FLOW_SIDE / max(small_size))
    flow_size = (
        max(8, round(small_size[0] * flow_scale)),
        max(8, round(small_size[1] * flow_scale)),
    )
    src_small = _resize(source, flow_size, cv2.INTER_AREA)
    to_prev, to_next = _source_flows(src_small)
    if flow_size != small_size:
        k = small_size[0] / flow_size[0]
        to_prev = [cv2.resize(f, small_size, interpolation=cv2.INTER_LINEAR) * k for f in to_prev]
        to_next = [cv2.resize(f, small_size, interpolation=cv2.INTER_LINEAR) * k for f in to_next]
    forward = _carry(small, to_prev, range(t_count))
    backward = _carry(small, to_next, range(t_count - 1, -1, -1))
    smoothed = (forward + backward) / 2
    out = np.empty_like(source)
    for t in range(t_count):  # a frame at a time: float copies of a 2K clip are large
        big = cv2.resize(smoothed[t], (w, h), interpolation=cv2.INTER_CUBIC)
        out[t] = np.clip(np.round(source[t].astype(np.float32) + big), 0, 255).astype(np.uint8)
    return out
