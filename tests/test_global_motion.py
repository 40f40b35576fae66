"""engine/vision/global_motion.py: the dominant motion and the steady camera move of a clip."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.vision.global_motion import camera_shift, dominant_velocity, steady_camera


def texture(h: int = 80, w: int = 96) -> np.ndarray:
    rng = np.random.default_rng(3)
    return np.asarray(
        cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), np.uint8), (0, 0), 2), np.uint8
    )


def test_dominant_velocity_of_a_translation_inside_a_region() -> None:
    base = texture()
    frames = np.stack([np.roll(base, (-t, 2 * t), axis=(0, 1)) for t in range(6)])
    region = np.zeros(base.shape[:2], bool)
    region[20:60, 20:70] = True
    assert dominant_velocity(frames, region) == pytest.approx([2.0, -1.0], abs=0.3)
    assert dominant_velocity(frames[:1]) == pytest.approx([0.0, 0.0])


def test_steady_camera_of_a_zoom_in() -> None:
    base = texture(96, 96)
    c = 47.5
    frames = []
    for t in range(6):
        s = 1.02**t  # zooming in: frame t shows frame 0 at x -> c + (x - c) / s
        m = np.array([[1 / s, 0, c - c / s], [0, 1 / s, c - c / s]])
        frames.append(
            cv2.warpAffine(
                base,
                m,
                (96, 96),
                flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REFLECT,
            )
        )
    rate = steady_camera(np.stack(frames))
    assert rate[0, 0] < -0.01 and rate[1, 1] < -0.01  # the pull map shrinks: a zoom in
    assert abs(rate[0, 1]) < 0.01 and abs(rate[1, 0]) < 0.01
    assert camera_shift(rate, 96, 96) > 0.3
    still = steady_camera(np.stack([base] * 4))
    assert camera_shift(still, 96, 96) < 0.05
