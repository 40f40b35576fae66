"""The motion preview: the still's region moved by the arrows and pins alone, reduced in
size, looping from the still, along the arrows, held at the pins, the outside kept."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from engine.vision.motion_preview import preview_loop


def _texture(h: int, w: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    coarse = rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def _shift(a: np.ndarray, b: np.ndarray, reach: int = 10) -> tuple[int, int]:
    """(dx, dy) that b's centre moved by from a: the whole-pixel shift that matches best."""
    h, w = a.shape[:2]
    core = b[reach : h - reach, reach : w - reach].astype(np.float32)

    def cost(dx: int, dy: int) -> float:
        moved = a[reach - dy : h - reach - dy, reach - dx : w - reach - dx].astype(np.float32)
        return float(((moved - core) ** 2).mean())

    shifts = [(dx, dy) for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)]
    return min(shifts, key=lambda s: cost(*s))


def test_a_720p_still_is_previewed_reduced_from_the_still_within_a_second():
    still = _texture(720, 1280)
    start = time.perf_counter()
    loop = preview_loop(still, None, np.array([[100, 360, 1100, 360]]), np.zeros((0, 2)))
    seconds = time.perf_counter() - start
    assert loop.shape == (24, 180, 320, 3) and loop.dtype == np.uint8
    small = cv2.resize(still, (320, 180), interpolation=cv2.INTER_AREA)
    assert np.array_equal(loop[0], small)  # the loop starts (and so ends) on the still
    assert seconds < 3.0  # ~0.33 s measured on the shared 2-core machine; 1 s is the goal


@pytest.mark.parametrize("angle", [0, 60, 200])
def test_the_region_moves_along_the_arrow(angle):
    still = _texture(160, 160)
    u = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    a, b = 80 - 24 * u, 80 + 24 * u  # 48 px over 24 frames: 2 px a frame
    loop = preview_loop(still, None, np.array([[*a, *b]]), np.zeros((0, 2)))
    dx, dy = _shift(loop[0][40:120, 40:120], loop[3][40:120, 40:120])
    moved = np.degrees(np.arctan2(dy, dx))
    assert abs((moved - angle + 180) % 360 - 180) < 20
    assert 4.5 < np.hypot(dx, dy) < 7.5  # about 6 px after three frames


def test_pins_hold_and_the_outside_is_kept():
    still = _texture(120, 200)
    region = np.zeros((120, 200), bool)
    region[20:100, 20:180] = True
    loop = preview_loop(still, region, np.array([[40, 60, 160, 60]]), np.array([[100, 60]]))
    assert loop.shape == (24, 120, 200, 3)  # small already: not resized
    assert (loop[:, ~region] == still[~region]).all()
    pinned = np.abs(loop[:, 60, 100].astype(int) - still[60, 100]).max()  # the pin's pixel
    free = np.abs(loop[:, 60, 50].astype(int) - still[60, 50]).max()
    assert pinned <= 1 < free


def test_a_region_of_no_pixels_or_another_size_is_refused():
    still = _texture(64, 64)
    arrow = np.array([[10, 10, 30, 10]])
    with pytest.raises(ValueError, match="empty"):
        preview_loop(still, np.zeros((64, 64), bool), arrow, np.zeros((0, 2)))
    with pytest.raises(ValueError, match="32x32"):
        preview_loop(still, np.ones((32, 32), bool), arrow, np.zeros((0, 2)))


def test_freeze_strokes_hold_in_the_preview_at_its_reduced_size():
    still = _texture(360, 640)
    stroke = [12.0, 320.0, 40.0, 320.0, 320.0]  # radius 12, a vertical line mid-picture
    loop = preview_loop(
        still, None, np.array([[40, 180, 600, 180]]), np.zeros((0, 2)), freeze=[stroke]
    )
    small = cv2.resize(still, (320, 180), interpolation=cv2.INTER_AREA)
    held = loop[:, 30:150, 157:163]  # the stroke's middle at half size
    assert all(np.array_equal(f, small[30:150, 157:163]) for f in held)
    assert not np.array_equal(loop[12][:, 40:120], small[:, 40:120])  # beside it: moving
