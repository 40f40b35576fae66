"""Completing a field inside a hole: the harmonic fill rebuilds what is harmonic (a ramp, a
constant flow), and the flow of a translating texture is completed so well inside a hidden
region that the pixels pulled along it match the truth."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.vision.flow import pull
from engine.vision.flow_fill import complete_flow, dilate, harmonic_fill, hole_box
from engine.vision.propagate import clip_flows, smoothed


def _texture(h: int, w: int, sigma: float = 4.0, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).integers(0, 256, (h, w, 3)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), sigma)
    return np.clip((smooth - smooth.mean()) * 4 + 128, 0, 255).astype(np.uint8)


def test_harmonic_fill_rebuilds_a_ramp_and_keeps_the_rest() -> None:
    yy, xx = np.mgrid[0:60, 0:80].astype(np.float32)
    ramp = 2 * xx + yy
    hole = np.zeros((60, 80), bool)
    hole[10:50, 20:70] = True
    spoiled = np.where(hole, 999.0, ramp)
    filled = harmonic_fill(spoiled, hole)
    assert np.abs(filled - ramp)[hole].max() < 1.0  # a linear ramp is harmonic: rebuilt
    assert np.array_equal(filled[~hole], ramp[~hole])


def test_harmonic_fill_of_a_hole_at_the_edge_carries_the_border_in() -> None:
    values = np.full((20, 30, 2), (3.0, -2.0), np.float32)
    hole = np.zeros((20, 30), bool)
    hole[:, :12] = True  # touches three edges of the frame
    values[hole] = 0
    assert np.allclose(harmonic_fill(values, hole)[hole], (3.0, -2.0), atol=1e-3)


def test_harmonic_fill_refuses_a_hole_with_no_border() -> None:
    with pytest.raises(ValueError, match="nothing to fill it from"):
        harmonic_fill(np.zeros((4, 4)), np.ones((4, 4), bool))


def test_hole_box_and_dilate() -> None:
    hole = np.zeros((10, 10), bool)
    hole[4, 5] = True
    assert hole_box(hole, 2) == (slice(2, 7), slice(3, 8))
    disc = dilate(hole, 2)
    assert disc[4, 7] and disc[2, 5] and not disc[6, 7] and not disc[4, 8]
    assert np.array_equal(dilate(hole, 0), hole)


def test_translating_texture_flow_completed_inside_the_hole() -> None:
    """A texture moving (6, 4) px a frame, with a static white block hiding a region: the
    completed flow inside the block is the texture's, and the next frame's pixels pulled along
    it are within 2 levels of the hidden truth."""
    big = _texture(200, 240)
    frames = np.stack([big[20 + 4 * t : 116 + 4 * t, 30 + 6 * t : 158 + 6 * t] for t in (0, 1)])
    truth = frames.copy()
    hole = np.zeros((2, 96, 128), bool)
    hole[:, 40:60, 50:80] = True
    frames[hole] = 255
    (fwd,), (bwd,) = clip_flows(smoothed(frames, hole))
    raw_error = np.abs(fwd[hole[0]] - (-6, -4)).mean()
    done, filled = complete_flow(fwd, bwd, hole[0])
    assert filled[hole[0]].all()
    assert np.abs(done[hole[0]] - (-6, -4)).mean() < min(0.3, raw_error + 1e-6)
    # pixels of frame 0 whose source in frame 1 lies outside frame 1's block
    lands = pull(hole[1].astype(np.float32), done) == 0
    check = hole[0] & lands
    assert check.sum() > 100
    pulled = pull(truth[1], done)
    assert np.abs(pulled.astype(int) - truth[0])[check].mean() <= 2


def test_a_foreground_moving_its_own_way_beside_the_hole_is_not_carried_into_it() -> None:
    h, w = 120, 160
    flow = np.zeros((h, w, 2), np.float32)
    flow[...] = (3.0, 1.0)  # the camera's pan
    flow[40:110, 96:150] = (-6.0, 2.0)  # a body walking the other way, 16 px from the hole
    hole = np.zeros((h, w), bool)
    hole[30:60, 40:80] = True
    filled, where = complete_flow(flow, -flow, hole)
    assert where[hole].all()
    assert np.abs(filled[hole] - (3.0, 1.0)).max() < 0.05  # the pan only, no pull to the body
    plain = harmonic_fill(flow, where)  # what a fill of the flow itself gives
    assert np.abs(plain[hole] - (3.0, 1.0)).max() > 0.5
    assert np.array_equal(filled[~where], flow[~where])  # outside the filled mask: untouched


def test_dominant_motion_is_the_affine_most_pixels_follow() -> None:
    from engine.vision.flow_fill import dominant_motion

    yy, xx = np.mgrid[0:80, 0:100].astype(np.float32)
    zoom = np.stack([0.02 * (xx - 50) + 1.5, 0.02 * (yy - 40) - 0.5], axis=-1)
    flow = zoom.copy()
    flow[:30, :30] = (8.0, -8.0)  # under half the pixels: outliers
    where = np.ones((80, 100), bool)
    got = dominant_motion(flow, where)
    assert got is not None and np.abs(got - zoom).max() < 0.01
    noise = np.random.default_rng(0).normal(0, 10, (80, 100, 2)).astype(np.float32)
    assert dominant_motion(noise, where) is None  # no motion most pixels share


def test_a_grown_hole_is_the_dilation_remembered_read_only_and_bounded(monkeypatch):
    import engine.vision.flow_fill as flow_fill

    rng = np.random.default_rng(3)
    holes = [rng.random((60, 80)) > 0.97 for _ in range(4)]
    first = flow_fill.grown_hole(holes[0], 5)
    assert np.array_equal(first, flow_fill.dilate(holes[0], 5))
    assert flow_fill.grown_hole(holes[0].copy(), 5) is first  # the same pixels: remembered
    assert not np.array_equal(flow_fill.grown_hole(holes[1], 5), first)  # other pixels
    assert not np.array_equal(flow_fill.grown_hole(holes[0], 6), first)  # another radius
    with pytest.raises(ValueError):
        first[0, 0] = True  # shared between callers, so nobody may change it
    monkeypatch.setattr(flow_fill, "GROWN_BYTES", 2 * first.nbytes)
    for hole in holes:
        flow_fill.grown_hole(hole, 7)
    assert sum(m.nbytes for m in flow_fill._grown.values()) <= 2 * first.nbytes
