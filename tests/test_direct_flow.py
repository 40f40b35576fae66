"""Propagation along direct flows: on a long sub-pixel pan the pixels taken 9 frames away are
within 2 levels of the truth (the chained flows drift further); flows are measured only as far
as the nearest frames that show the hole; the hole's own pixels are never a source."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.vision.direct_flow import PairFlows, propagate_direct, sources
from engine.vision.propagate import footage_flows, propagate, smoothed


def _long_pan(count: int, h: int = 128, w: int = 192, step: float = 3.3) -> np.ndarray:
    """A camera panning `step` px a frame (not a whole pixel) across a random texture with
    fine detail, rendered from a larger image with cubic interpolation."""
    rng = np.random.default_rng(11)
    big_w = w + int(step * count) + 8
    noise = rng.normal(0, 1, (h, big_w, 3)).astype(np.float32)
    big = cv2.GaussianBlur(noise, (0, 0), 1.6) * 90 + 128
    frames = []
    for t in range(count):
        m = np.array([[1, 0, step * t], [0, 1, 0]], np.float32)
        frames.append(cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP))
    return np.clip(np.rint(np.stack(frames)), 0, 255).astype(np.uint8)


def _hole(count: int, h: int, w: int) -> np.ndarray:
    hole = np.zeros((count, h, w), bool)
    # a smudge on the lens: the pan reveals what it hides
    hole[:, h // 2 - 12 : h // 2 + 12, w // 2 - 13 : w // 2 + 13] = True
    return hole


def test_pixels_nine_frames_away_are_within_two_levels_and_beat_the_chain() -> None:
    count = 10
    truth = _long_pan(count)
    hole = _hole(count, *truth.shape[1:3])
    frames = truth.copy()
    frames[hole] = 255
    usable = np.zeros_like(hole)
    usable[9] = ~hole[9]  # frame 0 may take only from frame 9: one flow vs a chain of 9
    target = hole.copy()
    target[1:] = False
    forward, backward = footage_flows(frames, hole)
    chained, chain_unseen = propagate(frames, target, forward, backward, usable=usable)
    pairs = PairFlows(smoothed(frames, hole), hole, forward, backward)
    direct, unseen = propagate_direct(frames, target, pairs, usable=usable)
    got = target & ~unseen
    assert got.sum() > 0.5 * target.sum()  # 30 px of the 26-px-wide smudge are revealed
    error = np.abs(direct.astype(int) - truth)[got].mean()
    both = got & ~chain_unseen
    chain_error = np.abs(chained.astype(int) - truth)[both].mean()
    assert error <= 2.0
    assert np.abs(direct.astype(int) - truth)[both].mean() < chain_error
    assert np.array_equal(direct[1:], frames[1:])  # only the target frame is written


def test_nearest_frames_first_and_no_farther_than_needed() -> None:
    truth = _long_pan(6, step=4.0)
    hole = np.zeros(truth.shape[:3], bool)
    hole[2, 60:70, 90:94] = True  # 4 px wide: frame 3 (4 px on) shows it all
    frames = truth.copy()
    frames[hole] = 0
    pairs = PairFlows(smoothed(frames, hole), hole)
    out, unseen = propagate_direct(frames, hole, pairs)
    assert not unseen.any()
    assert pairs.measured == 2  # 2 -> 3 and back: the other frames were never asked
    assert np.abs(out.astype(int) - truth)[hole].mean() <= 2.0


def test_what_no_frame_shows_is_reported_and_the_hole_is_never_a_source() -> None:
    still = np.repeat(_long_pan(1), 4, axis=0)
    hole = np.zeros(still.shape[:3], bool)
    hole[:, 20:30, 30:40] = True  # the same place in every frame of a static shot
    frames = still.copy()
    frames[hole] = (255, 0, 255)
    out, unseen = propagate_direct(frames, hole, PairFlows(smoothed(frames, hole), hole))
    assert np.array_equal(unseen, hole) and np.array_equal(out, frames)


def test_sources_are_nearest_first_later_first() -> None:
    assert sources(2, 6) == [3, 1, 4, 0, 5]
    assert sources(0, 3) == [1, 2]


def test_mismatched_inputs_are_refused() -> None:
    frames = np.zeros((3, 8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="does not match"):
        PairFlows(frames, np.zeros((2, 8, 8), bool))
    pairs = PairFlows(frames, np.zeros((3, 8, 8), bool))
    with pytest.raises(ValueError, match="one clip"):
        propagate_direct(frames, np.zeros((3, 8, 9), bool), pairs)
