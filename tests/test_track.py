"""Mask tracking (engine/vision/track.py): carried by flow from a keyframe, runs bounded by
the next keyframe, progress and cancel."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.errors import Cancelled
from engine.vision.track import TrackSettings, span, track


def _clip(n: int = 17, h: int = 96, w: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """A textured square gliding right and down over a textured, slowly panning background."""
    rng = np.random.default_rng(3)
    bg = cv2.GaussianBlur(rng.integers(0, 256, (h + 40, w + 60, 3)).astype(np.uint8), (5, 5), 0)
    obj = cv2.GaussianBlur(rng.integers(0, 256, (28, 36, 3)).astype(np.uint8), (3, 3), 0)
    obj = (obj // 2 + 110).astype(np.uint8)
    frames, truths = [], []
    for t in range(n):
        f = bg[t : t + h, 2 * t : 2 * t + w].copy()
        x, y = 12 + 3 * t, 20 + t
        f[y : y + 28, x : x + 36] = obj
        m = np.zeros((h, w), bool)
        m[y : y + 28, x : x + 36] = True
        frames.append(f)
        truths.append(m)
    return np.stack(frames), np.stack(truths)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.mark.parametrize("motion", ["affine", "flow"])
def test_a_translating_textured_object_is_followed_for_16_frames(motion) -> None:
    frames, truths = _clip()
    settings = TrackSettings(motion=motion)
    out = dict(track(frames, 0, truths[0], span([0], 0, "forward", 17), settings=settings))
    assert sorted(out) == list(range(1, 17))
    assert min(iou(out[t], truths[t]) for t in out) > 0.9
    # Not a mask left where it was painted: frame 16 is far from frame 0's square.
    assert iou(truths[0], truths[16]) < 0.1


def test_backward_from_a_later_keyframe() -> None:
    frames, truths = _clip()
    out = dict(track(frames, 16, truths[16], span([16], 16, "backward", 17)))
    assert sorted(out) == list(range(16))
    assert iou(out[0], truths[0]) > 0.9


def test_both_directions_from_the_middle() -> None:
    frames, truths = _clip()
    order = span([8], 8, "both", 17)
    out = dict(track(frames, 8, truths[8], order))
    assert sorted(out) == [t for t in range(17) if t != 8]
    assert iou(out[0], truths[0]) > 0.9 and iou(out[16], truths[16]) > 0.9


def test_a_run_stops_at_the_next_keyframe_either_way() -> None:
    assert span([0, 10, 20], 10, "forward", 30) == list(range(11, 20))
    assert span([0, 10, 20], 10, "backward", 30) == list(range(9, 0, -1))
    assert span([0, 10, 20], 10, "both", 30) == [*range(11, 20), *range(9, 0, -1)]
    assert span([10], 10, "forward", 30, limit=5) == [11, 12, 13, 14, 15]
    assert span([10, 11], 10, "forward", 30) == []  # a keyframe right after: nothing to fill
    with pytest.raises(ValueError, match="outside"):
        span([], 30, "forward", 30)


def test_progress_counts_and_cancel_stops_before_the_next_frame() -> None:
    frames, truths = _clip(6)
    seen: list[tuple[int, int]] = []
    list(track(frames, 0, truths[0], [1, 2, 3], progress=lambda d, n: seen.append((d, n))))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    done = []
    with pytest.raises(Cancelled):
        for index, _ in track(frames, 0, truths[0], [1, 2, 3, 4], cancel=cancel):
            done.append(index)
    assert done == [1, 2]


def test_an_order_that_skips_a_frame_is_refused() -> None:
    frames, truths = _clip(6)
    with pytest.raises(ValueError, match="does not follow"):
        list(track(frames, 0, truths[0], [1, 3]))


def test_a_large_frame_is_tracked_at_the_working_size_and_returned_full_size() -> None:
    frames, truths = _clip(5)
    big = np.stack([cv2.resize(f, (512, 384), interpolation=cv2.INTER_NEAREST) for f in frames])
    big_truths = np.stack(
        [
            cv2.resize(m.astype(np.uint8), (512, 384), interpolation=cv2.INTER_NEAREST) > 0
            for m in truths
        ]
    )
    out = dict(track(big, 0, big_truths[0], [1, 2, 3, 4], settings=TrackSettings(work_side=128)))
    assert out[4].shape == (384, 512) and iou(out[4], big_truths[4]) > 0.9
