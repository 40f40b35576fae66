"""engine/vision/extend.py: a still extended beyond its edges continues the edge's texture, meets
the still without a seam, and takes from a guide only how it changes beyond the edge."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.vision.extend import Pad, beyond, extend_still, mirror_pad

H, W = 48, 64


def textured(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (H, W, 3), np.uint8)
    return np.asarray(cv2.GaussianBlur(noise, (0, 0), 1.2))


def laplacian(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.asarray(cv2.Laplacian(grey, cv2.CV_32F))


def test_the_mirror_continues_the_edge_and_keeps_the_still() -> None:
    still = textured()
    pad = Pad(top=3, bottom=5, left=7, right=11)
    canvas = mirror_pad(still, pad)
    assert canvas.shape == (H + 8, W + 18, 3)
    assert np.array_equal(canvas[3 : 3 + H, 7 : 7 + W], still)
    for k in range(1, 8):  # k px beyond the left edge: the still's column k (edge not doubled)
        assert np.array_equal(canvas[3 : 3 + H, 7 - k], still[:, k])
    lap = laplacian(canvas)[3 : 3 + H]
    band, edge = lap[:, W + 7 : W + 17], lap[:, W - 4 : W + 6]  # 10 columns each side
    assert band.var() == pytest.approx(edge.var(), rel=0.05)  # the same grain


def test_a_pad_wider_than_the_still_mirrors_again() -> None:
    still = textured()[:5, :6]
    canvas = mirror_pad(still, Pad(0, 0, 0, 20))
    assert canvas.shape == (5, 26, 3)
    assert np.array_equal(canvas[:, :6], still)
    assert np.array_equal(canvas[:, 10], still[:, 0])  # 6 -> 4 -> 0: back at the far edge
    assert np.array_equal(canvas[:, 20], still[:, 0])  # and again one period (10 px) later


def test_beyond_is_the_distance_outside_the_still() -> None:
    far = beyond((H + 4, W + 6), Pad(1, 3, 2, 4))
    assert far[1 : 1 + H, 2 : 2 + W].max() == 0
    assert far[1, 0] == 2 and far[H + 3, 2] == 3 and far[0, 0] == pytest.approx(np.hypot(1, 2))


def guide_case(step: float) -> tuple[np.ndarray, Pad, np.ndarray, np.ndarray, np.ndarray]:
    """A still, a right pad and a guide that shows the still 80 levels too bright (a cast)
    and, beyond the edge, `step` levels brighter again."""
    still = textured()
    pad = Pad(0, 0, 0, 40)
    far = beyond((H, W + 40), pad)
    guide = mirror_pad(still, pad).astype(np.float32) + 80 + step * (far > 0)[..., None]
    return still, pad, far, guide, np.ones((H, W + 40), bool)


def test_a_guides_colour_cast_is_taken_off() -> None:
    still, pad, _, guide, known = guide_case(0.0)
    out = extend_still(still, pad, guide, known, sigma=4, depth=8, weight=1.0)
    assert np.abs(out.astype(np.float32) - mirror_pad(still, pad)).max() <= 1.5


def test_a_guide_brighter_beyond_the_edge_lifts_the_bands_low_frequencies() -> None:
    still, pad, far, guide, known = guide_case(60.0)
    out = extend_still(still, pad, guide, known, sigma=4, depth=8, weight=0.5)
    lift = (out.astype(np.float32) - mirror_pad(still, pad)).mean(axis=-1)
    assert np.array_equal(out[:, :W], still)  # the still's own pixels, bit for bit
    assert lift[:, far[0] > 20].mean() == pytest.approx(30, abs=4)  # weight 0.5 of 60, deep in
    assert abs(lift[:, far[0] == 1].mean()) < 8  # and hardly at the edge: no seam
    high = out.astype(np.float32) - cv2.GaussianBlur(out, (0, 0), 4).astype(np.float32)
    plain = mirror_pad(still, pad).astype(np.float32)
    plain_high = plain - cv2.GaussianBlur(plain, (0, 0), 4)
    deep = (slice(None), far[0] > 20)
    assert np.abs(high[deep] - plain_high[deep]).mean() < 1.5  # the texture is the mirror's


def test_bad_guides_and_pads_are_refused() -> None:
    still = textured()
    with pytest.raises(ValueError, match="must match the canvas"):
        extend_still(still, Pad(0, 0, 0, 4), np.zeros((H, W, 3), np.float32), None)
    with pytest.raises(ValueError, match="must not be negative"):
        mirror_pad(still, Pad(0, -1, 0, 0))
    with pytest.raises(ValueError, match="too small"):
        mirror_pad(still[:1], Pad(1, 0, 0, 0))
