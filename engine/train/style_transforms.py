"""Style transforms for style fine-tuning: each maps a uint8 video (T, H, W, 3) to a stylised
uint8 video of the same shape. The trainer applies one to every procedural clip, so the
fine-tuned spatial weights learn the look while the temporal layers keep the motion.

Numpy only, frame-by-frame and deterministic: no temporal noise, so a style never adds flicker
that the model would then learn as motion.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

StyleTransform = Callable[[np.ndarray], np.ndarray]

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _check(video: np.ndarray) -> None:
    if video.dtype != np.uint8 or video.ndim != 4 or video.shape[-1] != 3:
        raise ValueError(
            f"a style transform takes a uint8 video (T, H, W, 3), got {video.dtype} {video.shape}"
        )


def _box_blur(x: np.ndarray, radius: int) -> np.ndarray:
    """Separable box blur over the H and W axes of (T, H, W, C) with edge padding."""
    if radius < 1:
        return x
    k = 2 * radius + 1
    for axis in (1, 2):
        pad = [(0, 0)] * x.ndim
        pad[axis] = (radius + 1, radius)
        c = np.cumsum(np.pad(x, pad, mode="edge"), axis=axis, dtype=np.float32)
        n = x.shape[axis]
        x = (np.take(c, range(k, k + n), axis=axis) - np.take(c, range(0, n), axis=axis)) / k
    return x


def _gradient_magnitude(gray: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of (T, H, W) float, edge-padded."""
    p = np.pad(gray, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gx = (p[:, :-2, 2:] + 2 * p[:, 1:-1, 2:] + p[:, 2:, 2:]) - (
        p[:, :-2, :-2] + 2 * p[:, 1:-1, :-2] + p[:, 2:, :-2]
    )
    gy = (p[:, 2:, :-2] + 2 * p[:, 2:, 1:-1] + p[:, 2:, 2:]) - (
        p[:, :-2, :-2] + 2 * p[:, :-2, 1:-1] + p[:, :-2, 2:]
    )
    magnitude: np.ndarray = np.sqrt(gx * gx + gy * gy)
    return magnitude


def _paper(h: int, w: int, seed: int) -> np.ndarray:
    """A fixed paper grain (H, W) around 1.0; the same for every frame (no flicker)."""
    rng = np.random.default_rng(seed)
    grain = rng.standard_normal((1, h, w, 1)).astype(np.float32)
    return 1.0 + 0.04 * _box_blur(grain, 1)[0, :, :, 0]


def line_drawing(video: np.ndarray) -> np.ndarray:
    """Dark ink outlines on white paper: the edges of the luminance, everything else blank."""
    _check(video)
    gray = (video.astype(np.float32) / 255.0) @ _LUMA
    edges = _gradient_magnitude(gray)
    # Normalise per clip (not per frame) so a line's darkness does not pulse over time.
    scale = max(float(np.percentile(edges, 99)), 0.25)
    ink = np.clip(edges / scale, 0.0, 1.0) ** 0.7
    ink[ink < 0.15] = 0.0  # no faint hatching from gradients and textures
    paper = 0.97 * _paper(video.shape[1], video.shape[2], seed=1)[None]
    value = np.clip(paper * (1.0 - 0.9 * ink), 0.0, 1.0)
    out = np.repeat(value[..., None], 3, axis=-1)
    out[..., 2] *= 0.96  # a faint warm paper tint
    return np.round(out * 255.0).astype(np.uint8)


def watercolour(video: np.ndarray) -> np.ndarray:
    """Soft washes: blurred, lightened, fewer tones, darker pigment at the wash edges, on a
    grainy white paper."""
    _check(video)
    x = video.astype(np.float32) / 255.0
    h, w = video.shape[1:3]
    radius = max(1, round(min(h, w) / 32))
    wash = _box_blur(x, radius)
    # Fewer tones, as washes of flat pigment.
    levels = 6.0
    wash = np.round(wash * levels) / levels
    wash = _box_blur(wash, max(1, radius // 2))
    # Pigment is transparent: lighten toward the paper, keep some saturation.
    gray = (wash @ _LUMA)[..., None]
    wash = 0.55 * wash + 0.15 * gray + 0.30
    # Edge darkening where pigment pools at the border of a wash.
    edges = _gradient_magnitude(gray[..., 0])[..., None]
    wash = wash * (1.0 - 0.35 * np.clip(edges * 2.0, 0.0, 1.0))
    wash = wash * _paper(h, w, seed=2)[None, :, :, None]
    painted: np.ndarray = np.round(np.clip(wash, 0.0, 1.0) * 255.0).astype(np.uint8)
    return painted


STYLE_TRANSFORMS: dict[str, StyleTransform] = {
    "line-drawing": line_drawing,
    "watercolour": watercolour,
}
