"""engine/vision/frequency.py: the frequency split, and an edit that keeps the source's detail
and follows its flow."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.vision.frequency import cutoff_sigma, keep_detail, low_pass, split


def clip(t: int = 6, h: int = 48, w: int = 64) -> np.ndarray:
    """A fine texture panning 2 px a frame to the right."""
    rng = np.random.default_rng(0)
    base = rng.integers(40, 216, (h, w + 2 * t, 3), dtype=np.uint8)
    return np.stack([base[:, 2 * t - 2 * i : 2 * t - 2 * i + w] for i in range(t)])


def test_split_adds_back_exactly() -> None:
    image = clip()[0]
    low, high = split(image, 3.0)
    assert np.allclose(low + high, image, atol=1e-4)
    assert high.std() > 10 and np.abs(low - image).mean() > 5  # each holds part of it


def test_strength_0_is_the_source_and_1_the_edit() -> None:
    source = clip()
    edit = np.clip(source.astype(int) + 40, 0, 255).astype(np.uint8)
    kept = keep_detail(source, edit, 0.0)
    assert np.array_equal(kept, source) and kept is not source
    assert np.array_equal(keep_detail(source, edit, 1.0), edit)
    assert cutoff_sigma(0.2) > cutoff_sigma(0.6) > cutoff_sigma(1.0) == 0.0
    with pytest.raises(ValueError, match="strength"):
        cutoff_sigma(1.5)


def test_a_light_edit_keeps_the_detail_and_takes_the_tint() -> None:
    source = clip()
    rng = np.random.default_rng(1)  # the edit: a warm tint, its own grain, no source detail
    blurred = np.stack([cv2.GaussianBlur(f, (0, 0), 3) for f in source]).astype(int)
    edit = np.clip(blurred + (30, 10, -20) + rng.integers(-20, 20, source.shape), 0, 255)
    out = keep_detail(source, edit.astype(np.uint8), 0.3)
    shift = out.reshape(-1, 3).mean(0) - source.reshape(-1, 3).mean(0)
    assert shift == pytest.approx([30, 10, -20], abs=4)  # the tint is taken
    fine_out = out[2].astype(np.float32) - low_pass(out[2], 2)
    fine_src = source[2].astype(np.float32) - low_pass(source[2], 2)
    assert np.abs(fine_out - fine_src).mean() < 0.15 * np.abs(fine_src).mean()  # detail kept


def test_the_change_is_tied_along_the_sources_flow() -> None:
    source = clip(8)
    rng = np.random.default_rng(2)  # a tint that jumps from frame to frame: boiling
    tints = rng.uniform(-25, 25, (8, 1, 1, 3))
    edit = np.clip(source + tints, 0, 255).astype(np.uint8)
    out = keep_detail(source, edit, 0.3).astype(np.float32) - source
    jumps_in = np.abs(np.diff(tints[:, 0, 0], axis=0)).mean()
    jumps_out = np.abs(np.diff(out[:, 16:-16, 16:-16].mean(axis=(1, 2)), axis=0)).mean()
    assert jumps_out < 0.7 * jumps_in  # smoothed along the flow, not frame by frame


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        keep_detail(clip(), clip()[:, :8], 0.5)
