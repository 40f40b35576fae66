"""Style transforms: shape and dtype kept, deterministic, frame-local (no added flicker), and
each produces its look (line drawing: mostly white paper with dark lines at edges)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.train.procedural import render, sample_clip
from engine.train.style_transforms import STYLE_TRANSFORMS


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return render(sample_clip(3), 6, 32, 32)


@pytest.mark.parametrize("name", ["line-drawing", "watercolour"])
def test_shape_dtype_and_determinism(name: str, clip: np.ndarray) -> None:
    out = STYLE_TRANSFORMS[name](clip)
    assert out.shape == clip.shape and out.dtype == np.uint8
    assert np.array_equal(out, STYLE_TRANSFORMS[name](clip.copy()))
    assert not np.array_equal(out, clip)


@pytest.mark.parametrize("name", ["line-drawing", "watercolour"])
def test_static_clip_stays_static(name: str, clip: np.ndarray) -> None:
    # The same frame repeated must give identical stylised frames: a style adds no motion.
    still = np.repeat(clip[:1], 5, axis=0)
    out = STYLE_TRANSFORMS[name](still)
    assert all(np.array_equal(out[0], f) for f in out[1:])


def test_line_drawing_is_lines_on_paper() -> None:
    video = np.zeros((2, 32, 32, 3), np.uint8)
    video[:, 8:24, 8:24] = (220, 30, 30)  # a red square on black
    out = STYLE_TRANSFORMS["line-drawing"](video).astype(int)
    assert out[:, 1:4, 1:4].mean() > 220  # flat background: paper
    assert out[:, 14:18, 14:18].mean() > 220  # flat inside: paper
    assert out[:, 7:9, 8:24].mean() < 120  # the square's edge: ink


def test_watercolour_lightens_and_softens() -> None:
    video = np.zeros((1, 32, 32, 3), np.uint8)
    video[:, :, 16:] = 255
    out = STYLE_TRANSFORMS["watercolour"](video).astype(int)
    assert out[:, :, :4].mean() > 40  # pigment is never pitch black
    row = out[0, 16, :, 0]
    assert np.count_nonzero(np.diff(row)) > 2  # the hard edge became a gradual wash


def test_rejects_wrong_input() -> None:
    with pytest.raises(ValueError, match="uint8 video"):
        STYLE_TRANSFORMS["watercolour"](np.zeros((4, 8, 8), np.uint8))
