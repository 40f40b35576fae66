"""Putting generated pixels back into real footage: only inside the painted region, with a
feathered edge that lies wholly inside it, so every pixel outside the region is the input's
own, bit for bit."""

from __future__ import annotations

import numpy as np


def _erode(region: np.ndarray) -> np.ndarray:
    """3x3 binary erosion of (..., H, W); outside the frame counts as inside the region, so
    a region touching the border is not feathered there."""
    p = np.pad(region, [(0, 0)] * (region.ndim - 2) + [(1, 1), (1, 1)], constant_values=True)
    out: np.ndarray = region.copy()
    for dy in range(3):
        for dx in range(3):
            out &= p[..., dy : dy + region.shape[-2], dx : dx + region.shape[-1]]
    return out


def feathered_alpha(region: np.ndarray, feather: int) -> np.ndarray:
    """float32 alpha of bool region (..., H, W): 0 outside, rising to 1 over `feather` pixels
    inside the region's edge."""
    if feather < 1:
        return region.astype(np.float32)
    alpha = region.astype(np.float32)
    inner = region
    for _ in range(feather):
        inner = _erode(inner)
        alpha += inner
    return alpha / (feather + 1)


def composite(original: np.ndarray, generated: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """uint8 (T, H, W, 3) videos and alpha (T, H, W): original where alpha == 0 (exactly),
    generated where alpha == 1, a blend between."""
    if original.shape != generated.shape or alpha.shape != original.shape[:3]:
        raise ValueError(
            f"composite needs matching shapes, got {original.shape}, {generated.shape}, "
            f"{alpha.shape}"
        )
    out = np.empty_like(original)
    for t in range(len(original)):  # a frame at a time: float copies of a whole 2K clip are GBs
        a = alpha[t][..., None]
        blend = np.round(original[t] * (1.0 - a) + generated[t] * a).clip(0, 255).astype(np.uint8)
        out[t] = np.where(a > 0, blend, original[t])
    return out
