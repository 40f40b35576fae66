"""Gradient-domain blending: a fill with the wrong brightness lands on a ramp without a seam,
its own detail is kept, nothing outside the region changes; the Telea baseline fills a flat
frame with its colour."""

from __future__ import annotations

import numpy as np
import pytest

from engine.vision.blend import inpaint_frame, poisson_blend


def _ramp(h: int = 60, w: int = 80) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    grey = (40 + 1.5 * xx + yy).astype(np.uint8)
    return np.stack([grey, grey // 2 + 30, 200 - grey // 2], axis=-1).astype(np.uint8)


def _region() -> np.ndarray:
    yy, xx = np.mgrid[0:60, 0:80]
    return ((xx - 40) / 22.0) ** 2 + ((yy - 30) / 16.0) ** 2 <= 1


def test_ring_gap_below_two_on_a_flat_ramp() -> None:
    frame, region = _ramp(), _region()
    fill = np.clip(frame.astype(int) + (50, -30, 20), 0, 255).astype(np.uint8)  # off colour
    out = poisson_blend(frame, fill, region)
    edge = region & ~np.roll(region, 2, axis=0)  # the region's top rows, next to the ring
    gap = np.abs(out.astype(int) - frame.astype(int))[region].mean()
    assert gap < 2 and np.abs(out.astype(int) - frame)[edge].mean() < 2
    assert np.array_equal(out[~region], frame[~region])


def test_the_fill_keeps_its_own_detail() -> None:
    frame, region = _ramp(), _region()
    stripes = np.zeros_like(frame)
    stripes[:, ::4] = 40  # texture the fill brings
    fill = np.clip(frame.astype(int) + 60 + stripes, 0, 255).astype(np.uint8)
    out = poisson_blend(frame, fill, region).astype(int)
    inner = region & np.roll(region, 6, 0) & np.roll(region, -6, 0)
    inner &= np.roll(region, 6, 1) & np.roll(region, -6, 1)
    kept = (out - frame)[inner]
    want = stripes[inner].astype(int)
    # the stripes' contrast comes in whole; the +60 offset is taken out by the ring
    assert np.abs((kept - kept.mean(axis=0)) - (want - want.mean(axis=0))).mean() < 3
    assert np.abs(kept.mean(axis=0)).max() < 3


def test_empty_and_whole_regions() -> None:
    frame = _ramp()
    fill = np.zeros_like(frame)
    assert np.array_equal(poisson_blend(frame, fill, np.zeros((60, 80), bool)), frame)
    assert np.array_equal(poisson_blend(frame, fill, np.ones((60, 80), bool)), fill)
    with pytest.raises(ValueError, match="matching shapes"):
        poisson_blend(frame, fill[:10], np.ones((60, 80), bool))


@pytest.mark.parametrize("method", ["telea", "ns"])
def test_inpaint_frame_fills_a_flat_frame_with_its_colour(method) -> None:
    frame = np.full((40, 40, 3), (90, 140, 30), np.uint8)
    region = np.zeros((40, 40), bool)
    region[10:30, 12:28] = True
    spoiled = frame.copy()
    spoiled[region] = 255
    out = inpaint_frame(spoiled, region, method)
    error = np.abs(out.astype(int) - frame)
    assert error.mean() < 0.5 and error.max() <= 4
