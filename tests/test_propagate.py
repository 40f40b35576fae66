"""Propagation: a hidden pixel that another frame shows is pulled from it exactly, nearest
frame first; pixels no frame shows are reported; a chain that fails its round trip stops."""

from __future__ import annotations

import numpy as np
import pytest

from engine.vision.propagate import footage_flows, propagate


def _still(count: int, h: int = 24, w: int = 32) -> np.ndarray:
    rng = np.random.default_rng(1)
    return np.repeat(rng.integers(0, 256, (1, h, w, 3), dtype=np.uint8), count, axis=0)


def _flows(count: int, h: int, w: int, dx: float, dy: float) -> tuple[list, list]:
    fwd = [np.full((h, w, 2), (dx, dy), np.float32) for _ in range(count - 1)]
    bwd = [np.full((h, w, 2), (-dx, -dy), np.float32) for _ in range(count - 1)]
    return fwd, bwd


def test_a_hole_another_frame_shows_is_filled_from_it_exactly() -> None:
    truth = _still(4)
    hole = np.zeros(truth.shape[:3], bool)
    hole[1, 5:12, 8:20] = True  # a moving object hides a region in frames 1 and 2
    hole[2, 5:12, 14:26] = True
    spoiled = truth.copy()
    spoiled[hole] = (255, 0, 255)
    out, unseen = propagate(spoiled, hole, *_flows(4, 24, 32, 0, 0))
    assert np.array_equal(out, truth) and not unseen.any()
    assert spoiled[hole].tolist().count([255, 0, 255]) == hole.sum()  # input not written to


def test_integer_translation_is_followed_along_the_chain() -> None:
    rng = np.random.default_rng(2)
    big = rng.integers(0, 256, (24, 60, 3), dtype=np.uint8)
    frames = np.stack([big[:, 2 * t : 2 * t + 32] for t in range(5)])  # content moves 2 px left
    truth = frames.copy()
    hole = np.zeros(frames.shape[:3], bool)
    hole[:, 8:16, 10:18] = True  # a static smudge on the lens
    frames[hole] = 0
    out, unseen = propagate(frames, hole, *_flows(5, 24, 32, -2, 0))
    # frame 0's rightmost hidden column leaves the smudge only 4 frames on
    assert not unseen.any() and np.array_equal(out, truth)


def test_nearest_frame_first() -> None:
    frames = np.stack([np.full((8, 8, 3), 10 * t, np.uint8) for t in range(6)])
    hole = np.zeros((6, 8, 8), bool)
    hole[2, 2:5, 2:5] = True
    hole[3, 2:5, 2:5] = True
    out, _ = propagate(frames, hole, *_flows(6, 8, 8, 0, 0))
    assert (out[2, 2:5, 2:5] == 10).all()  # frame 1, one away (frame 3 is hidden there too)
    assert (out[3, 2:5, 2:5] == 40).all()  # frame 4, the later one at equal distance


def test_unseen_pixels_are_reported_and_left_alone() -> None:
    frames = _still(3)
    hole = np.zeros(frames.shape[:3], bool)
    hole[:, 4:9, 4:9] = True  # the same place in every frame of a still clip
    out, unseen = propagate(frames, hole, *_flows(3, 24, 32, 0, 0))
    assert np.array_equal(unseen, hole) and np.array_equal(out, frames)


def test_a_chain_that_fails_its_round_trip_stops() -> None:
    frames = _still(2)
    hole = np.zeros(frames.shape[:3], bool)
    hole[0, 4:9, 4:9] = True
    fwd, bwd = _flows(2, 24, 32, 0, 0)
    bwd[0][:] = (5, 0)  # the way back disagrees with the way there
    out, unseen = propagate(frames, hole, fwd, bwd)
    assert np.array_equal(unseen, hole)


def test_usable_limits_the_sources() -> None:
    frames = np.stack([np.full((8, 8, 3), 10 * t, np.uint8) for t in range(3)])
    hole = np.zeros((3, 8, 8), bool)
    hole[:2, 2:5, 2:5] = True
    usable = np.zeros_like(hole)
    usable[2] = True  # only frame 2 may give (a fill carried from a key frame)
    out, unseen = propagate(frames, hole, *_flows(3, 8, 8, 0, 0), usable=usable)
    assert (out[:, 2:5, 2:5] == 20).all() and not unseen.any()
    assert (out[1, :2] == 10).all()  # nothing outside the hole changes


def test_footage_flows_measure_a_pan_through_a_hole() -> None:
    rng = np.random.default_rng(3)
    import cv2

    big = cv2.GaussianBlur(rng.integers(0, 256, (90, 120, 3)).astype(np.float32), (0, 0), 3)
    big = np.clip((big - big.mean()) * 4 + 128, 0, 255).astype(np.uint8)
    frames = np.stack([big[10:74, 4 * t : 4 * t + 80] for t in range(3)])
    hole = np.zeros(frames.shape[:3], bool)
    hole[:, 20:40, 30:50] = True
    frames[hole] = 0
    fwd, bwd = footage_flows(frames, hole)
    assert np.abs(fwd[0][hole[0]] - (-4, 0)).mean() < 0.5
    assert np.abs(bwd[1][hole[2]] - (4, 0)).mean() < 0.5


def test_propagate_refuses_mismatched_flows() -> None:
    with pytest.raises(ValueError, match="T - 1 flows"):
        propagate(_still(3), np.zeros((3, 24, 32), bool), [], [])


def test_a_second_pass_on_the_filled_clip_is_no_worse() -> None:
    import cv2

    from engine.vision.propagate import fill_from_footage

    rng = np.random.default_rng(7)
    big = cv2.GaussianBlur(rng.integers(0, 256, (80, 200, 3)).astype(np.float32), (0, 0), 2)
    big = np.clip((big - big.mean()) * 4 + 128, 0, 255).astype(np.uint8)
    truth = np.stack([big[8:72, 4 * t : 4 * t + 96] for t in range(10)])
    hole = np.zeros(truth.shape[:3], bool)
    hole[:, 20:44, 36:60] = True
    frames = truth.copy()
    frames[hole] = 255
    errors = []
    for passes in (1, 2):
        out, unseen, fwd, bwd = fill_from_footage(frames, hole, passes)
        seen = hole & ~unseen
        assert seen.sum() > 0.7 * hole.sum() and len(fwd) == len(bwd) == 9
        errors.append(np.abs(out.astype(int) - truth)[seen].mean())
        assert np.array_equal(out[~hole], truth[~hole])
    assert errors[1] <= errors[0] + 0.2 and errors[1] < 6


def test_the_direct_pass_beats_the_chains_on_a_long_sub_pixel_pan() -> None:
    import cv2

    rng = np.random.default_rng(9)
    count, h, w, step = 12, 128, 192, 3.3
    big = sum(
        cv2.GaussianBlur(rng.normal(0, 1, (h, w + 48, 3)).astype(np.float32), (0, 0), s) * a
        for s, a in ((1.2, 60), (4, 150))
    )
    warp = cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP
    truth = np.stack(
        [
            cv2.warpAffine(big + 128, np.array([[1, 0, step * t], [0, 1, 0]]), (w, h), flags=warp)
            for t in range(count)
        ]
    )
    truth = np.clip(np.rint(truth), 0, 255).astype(np.uint8)
    hole = np.zeros(truth.shape[:3], bool)
    hole[:, 48:80, 76:116] = True  # 40 px wide: pixels up to 12 frames away
    frames = truth.copy()
    frames[hole] = 255
    from engine.vision.propagate import fill_from_footage

    chained, chain_unseen, _, _ = fill_from_footage(frames, hole, direct=False)
    direct, unseen, fwd, _ = fill_from_footage(frames, hole)
    assert len(fwd) == count - 1 and np.array_equal(direct[~hole], truth[~hole])
    assert not (unseen & ~chain_unseen).any()  # the direct pass never loses a pixel
    both = hole & ~unseen & ~chain_unseen
    assert both.sum() > 0.5 * hole.sum()
    error = np.abs(direct.astype(int) - truth)[both].mean()
    assert error <= 2.0 and error < np.abs(chained.astype(int) - truth)[both].mean()
