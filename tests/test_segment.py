"""Click to mask (engine/vision/segment.py): GrabCut from a box or clicks on one frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.vision.segment import Box, SegmentError, band_labels, grab, refine_edge


def _scene(h: int = 180, w: int = 320) -> tuple[np.ndarray, np.ndarray]:
    """A reddish textured ellipse on a greenish textured background, and its true mask."""
    rng = np.random.default_rng(1)
    image = (rng.integers(0, 50, (h, w, 3)) + np.array([40, 120, 40])).astype(np.uint8)
    truth = np.zeros((h, w), np.uint8)
    cv2.ellipse(truth, (w // 2, h // 2), (w // 5, h // 4), 25, 0, 360, 1, -1)
    inside = truth.astype(bool)
    image[inside] = rng.integers(0, 50, (int(inside.sum()), 3)) + np.array([170, 50, 50])
    return image, inside


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_a_box_finds_the_object() -> None:
    image, truth = _scene()
    mask = grab(image, Box(80, 30, 170, 120))
    assert mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 255}
    assert iou(mask > 0, truth) > 0.9


def test_a_large_frame_works_at_a_reduced_size_and_keeps_the_full_size_edge() -> None:
    image, truth = _scene(540, 960)
    mask = grab(image, Box(240, 90, 500, 360), work_side=240)
    assert mask.shape == truth.shape and iou(mask > 0, truth) > 0.93


def test_include_clicks_alone_find_the_object() -> None:
    image, truth = _scene()
    mask = grab(image, include=[(160, 90), (140, 80)])
    assert iou(mask > 0, truth) > 0.85


def test_an_exclude_click_takes_out_what_it_lands_on() -> None:
    image, truth = _scene()
    second = np.zeros_like(truth)
    second[20:50, 20:60] = True  # a second red patch inside the box
    image[second] = image[truth][: int(second.sum())]
    box = Box(10, 10, 260, 150)
    assert (grab(image, box) > 0)[second].mean() > 0.5  # without the click: both red things
    mask = grab(image, box, exclude=[(40, 35)]) > 0
    assert not mask[second].any() and iou(mask, truth) > 0.9


def test_bad_input_is_a_plain_message() -> None:
    image, _ = _scene()
    with pytest.raises(SegmentError, match="box or at least one include"):
        grab(image)
    with pytest.raises(SegmentError, match="outside"):
        grab(image, include=[(400, 10)])
    with pytest.raises(SegmentError, match="less than 2x2"):
        grab(image, Box(318, 10, 40, 40).clipped(320, 180) and Box(330, 10, 40, 40))


def test_band_labels_leave_only_the_edge_undecided() -> None:
    mask = np.zeros((40, 40), bool)
    mask[10:30, 10:30] = True
    labels = band_labels(mask, 3)
    assert (labels[15:25, 15:25] == cv2.GC_FGD).all() and labels[0, 0] == cv2.GC_BGD
    assert labels[10, 20] == cv2.GC_PR_FGD and labels[8, 20] == cv2.GC_PR_BGD


def test_refine_edge_moves_a_shifted_edge_back_onto_the_object() -> None:
    image, truth = _scene()
    shifted = np.roll(truth, 2, axis=1)  # 2 px off, as a flow step might leave it
    assert iou(refine_edge(image, shifted, band=4), truth) > iou(shifted, truth)
