"""Pasting generated pixels into real footage: the alpha is 0 outside the painted region and
rises to 1 inside its edge; outside the region every pixel stays the input's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from engine.tasks.composite import composite, feathered_alpha


def _square(size: int = 12, lo: int = 3, hi: int = 9) -> np.ndarray:
    region = np.zeros((1, size, size), bool)
    region[:, lo:hi, lo:hi] = True
    return region


def test_alpha_is_zero_outside_and_one_deep_inside() -> None:
    region = _square()
    alpha = feathered_alpha(region, 2)
    assert (alpha[~region] == 0).all()
    assert alpha[0, 5, 5] == 1.0 and alpha[0, 6, 6] == 1.0  # two pixels in from the edge
    assert 0 < alpha[0, 3, 5] < alpha[0, 4, 5] < 1  # rising over the feather
    assert (feathered_alpha(region, 0) == region).all()  # no feather: the region itself


def test_a_region_at_the_frame_border_is_not_feathered_there() -> None:
    region = np.zeros((1, 8, 8), bool)
    region[:, :, :4] = True  # the left half, touching three borders
    alpha = feathered_alpha(region, 1)
    assert alpha[0, 0, 0] == 1.0 and alpha[0, 4, 0] == 1.0
    assert alpha[0, 4, 3] < 1.0  # the inner edge is feathered


def test_composite_keeps_every_pixel_outside_the_region() -> None:
    rng = np.random.default_rng(0)
    original = rng.integers(0, 256, (2, 12, 12, 3), dtype=np.uint8)
    generated = np.full_like(original, 200)
    region = np.repeat(_square(), 2, axis=0)
    out = composite(original, generated, feathered_alpha(region, 2))
    assert np.array_equal(out[~region], original[~region])
    assert (out[:, 5:7, 5:7] == 200).all()
    edge = out[0, 3, 5].astype(int)  # a blend between the two on the feathered edge
    assert np.all(np.minimum(original[0, 3, 5], 200) <= edge)
    assert np.all(edge <= np.maximum(original[0, 3, 5], 200))


def test_composite_refuses_mismatched_shapes() -> None:
    a = np.zeros((1, 4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match="matching shapes"):
        composite(a, np.zeros((1, 4, 5, 3), np.uint8), np.zeros((1, 4, 4), np.float32))
