"""engine/vision/flow.py: DIS flow on a known motion, the pull warp, the round-trip check."""

from __future__ import annotations

import numpy as np
import pytest

from engine.vision.flow import (
    bilinear,
    consistent,
    landed_inside,
    magnitude,
    optical_flow,
    pull,
)


def textured(h: int = 96, w: int = 128, seed: int = 0) -> np.ndarray:
    """A smooth random texture (blurred noise) that flow can lock onto."""
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return np.asarray(cv2.GaussianBlur(noise, (0, 0), 2.0), np.uint8)


def shifted(frame: np.ndarray, dx: int, dy: int) -> np.ndarray:
    return np.roll(frame, (dy, dx), axis=(0, 1))


def test_flow_of_a_translation_is_the_translation():
    a = textured()
    b = shifted(a, 3, -2)  # a's content moves 3 right and 2 up in b
    flow = optical_flow(a, b)
    inner = flow[16:-16, 16:-16]
    assert np.median(inner[..., 0]) == pytest.approx(3, abs=0.25)
    assert np.median(inner[..., 1]) == pytest.approx(-2, abs=0.25)


def test_pull_rebuilds_the_first_frame_from_the_second():
    a = textured(seed=1)
    b = shifted(a, 4, 0)
    flow = np.zeros((*a.shape[:2], 2), np.float32)
    flow[..., 0] = 4
    rebuilt = pull(b, flow)
    assert rebuilt.dtype == np.uint8 and rebuilt.shape == a.shape
    assert np.array_equal(rebuilt[:, :-4], a[:, :-4])  # exact for an integer shift


def test_pull_keeps_single_channel_shape():
    mask = np.zeros((20, 30), np.float32)
    mask[5:10, 5:10] = 1
    flow = np.zeros((20, 30, 2), np.float32)
    flow[..., 1] = 2
    out = pull(mask, flow)
    assert out.shape == (20, 30)
    assert out[3:8, 5:10].min() == 1 and out[8:, :].max() == 0


def test_round_trip_check_refuses_disagreeing_flow():
    h, w = 40, 50
    forward = np.zeros((h, w, 2), np.float32)
    forward[..., 0] = 5
    backward = -forward
    assert consistent(forward, backward)[:, :40].all()
    wrong = np.zeros_like(backward)  # a backward flow that does not come home
    assert not consistent(forward, wrong)[:, :40].any()


def test_flow_that_leaves_the_frame_is_not_kept():
    flow = np.zeros((10, 10, 2), np.float32)
    flow[..., 0] = 3
    inside = landed_inside(flow)
    assert inside[:, :7].all() and not inside[:, 7:].any()
    assert magnitude(flow).max() == pytest.approx(3)


def test_frames_of_other_sizes_are_refused():
    with pytest.raises(ValueError, match="differ in size"):
        optical_flow(textured(32, 32), textured(32, 40))


def test_bilinear_samples_between_pixels() -> None:
    image = np.arange(12, dtype=np.float32).reshape(3, 4, 1)
    got = bilinear(image, np.array([1.5, 0.0, 9.0]), np.array([1.0, 0.5, 9.0]))
    assert np.allclose(got[:, 0], [5.5, 2.0, 11.0])
