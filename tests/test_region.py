"""Crop-to-mask box maths: context boxes at the model's aspect, shifted (not shrunk) at the
frame's borders, one per separate region, never overlapping, and a clear error for an empty
mask."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jobs import JobError
from engine.tasks.region import MAX_BOXES, Box, bounding_box, context_box, region_boxes


def _mask(h: int, w: int, *boxes: tuple[int, int, int, int]) -> np.ndarray:
    m = np.zeros((1, h, w), bool)
    for top, left, bh, bw in boxes:
        m[:, top : top + bh, left : left + bw] = True
    return m


def _contains(outer: Box, inner: Box) -> bool:
    return (
        outer.top <= inner.top
        and outer.left <= inner.left
        and inner.bottom <= outer.bottom
        and inner.right <= outer.right
    )


def test_a_100x80_region_of_a_720p_frame_gets_a_128px_box() -> None:
    ((bbox, box),) = region_boxes(_mask(720, 1280, (300, 600, 80, 100)), 32, 32)
    assert bbox == Box(300, 600, 80, 100)
    assert box.height == box.width and 120 <= box.width <= 136  # square like the model
    assert box.top <= 300 - 2 and box.left <= 600 - 2  # context on every side
    assert box.bottom >= 380 + 2 and box.right >= 700 + 2


def test_a_small_region_gets_at_least_the_models_size() -> None:
    box = context_box(Box(50, 50, 3, 4), 200, 300, 32, 48)
    assert (box.height, box.width) == (32, 48)  # the model's own size and aspect
    assert _contains(box, Box(48, 48, 7, 8))  # the region with its minimum margin


@pytest.mark.parametrize(
    ("bbox", "where"),
    [
        (Box(0, 0, 40, 40), "top-left"),
        (Box(680, 1240, 40, 40), "bottom-right"),
        (Box(0, 600, 10, 100), "top"),
        (Box(300, 1270, 50, 10), "right"),
    ],
)
def test_boxes_at_the_border_are_shifted_not_shrunk(bbox: Box, where: str) -> None:
    free = context_box(Box(300, 600, bbox.height, bbox.width), 720, 1280, 32, 32)
    box = context_box(bbox, 720, 1280, 32, 32)
    assert (box.height, box.width) == (free.height, free.width), where
    assert box.top >= 0 and box.left >= 0 and box.bottom <= 720 and box.right <= 1280
    assert _contains(box, bbox)


def test_a_region_taller_than_the_frame_allows_is_clamped_to_the_frame() -> None:
    box = context_box(Box(10, 100, 700, 300), 720, 1280, 32, 32)
    assert (box.top, box.height) == (0, 720)  # as tall as the frame, no taller
    assert box.width >= 300 and _contains(box, Box(10, 100, 700, 300))


def test_a_frame_smaller_than_the_model_gives_the_whole_frame() -> None:
    ((_, box),) = region_boxes(_mask(20, 30, (5, 5, 4, 4)), 32, 32)
    assert box == Box(0, 0, 20, 30)


def test_separate_regions_get_one_box_each_and_near_ones_share() -> None:
    far = region_boxes(_mask(720, 1280, (50, 50, 60, 60), (500, 1000, 80, 100)), 32, 32)
    assert len(far) == 2
    assert not far[0][1].overlaps(far[1][1])
    assert {b for b, _ in far} == {Box(50, 50, 60, 60), Box(500, 1000, 80, 100)}
    near = region_boxes(_mask(720, 1280, (100, 100, 60, 60), (100, 170, 60, 60)), 32, 32)
    assert len(near) == 1 and near[0][0] == Box(100, 100, 60, 130)


def test_many_specks_are_merged_to_a_few_boxes_covering_every_pixel() -> None:
    specks = [(40 + 90 * i, 30 + 140 * j, 3, 3) for i in range(7) for j in range(8)]
    mask = _mask(720, 1280, *specks)
    parts = region_boxes(mask, 32, 32)
    assert 1 <= len(parts) <= MAX_BOXES
    covered = np.zeros(mask.shape[1:], int)
    for _, box in parts:
        ys = slice(box.top, box.bottom)
        xs = slice(box.left, box.right)
        covered[ys, xs] += 1
    assert (covered[mask[0]] == 1).all()  # every painted pixel in exactly one box


def test_the_box_covers_the_region_of_every_frame() -> None:
    region = np.zeros((3, 100, 100), bool)
    region[0, 10:20, 10:20] = True
    region[2, 60:70, 15:25] = True  # the region moves (inpainting from a frame on, say)
    assert bounding_box(region) == Box(10, 10, 60, 15)


def test_an_empty_mask_is_a_clear_error() -> None:
    with pytest.raises(JobError, match="empty"):
        region_boxes(np.zeros((4, 30, 40), bool), 16, 16)
