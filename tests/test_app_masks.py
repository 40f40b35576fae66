"""Painted masks: brush dabs with hardness, strokes without gaps, erasing, the rectangle an
edit touched (for undo), whole-mask operations, and PNG storage that refuses bad files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lumiere_studio.model.masks import MAX_MASK_SIDE, Mask


def _blank(w: int = 40, h: int = 30) -> Mask:
    return Mask(np.zeros((h, w), np.uint8))


def test_only_a_uint8_picture_is_a_mask():
    with pytest.raises(ValueError, match="uint8"):
        Mask(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="uint8"):
        Mask(np.zeros((4, 4, 3), np.uint8))
    assert _blank().size == (40, 30)


def test_a_dab_is_full_in_its_core_and_fades_to_nothing_at_its_edge():
    m = _blank()
    m.dab(20, 15, radius=8, hardness=0.5, erase=False)
    p = m.pixels.astype(int)
    assert p[15, 20] == 255 and p[15, 23] == 255  # inside the 4 px core
    assert 0 < p[15, 26] < 255  # in the falloff
    assert p[15, 25] > p[15, 26]  # fading outwards
    assert p[15, 29:].max() == 0 and p[:6, :].max() == 0  # beyond the radius
    hard = _blank()
    hard.dab(20, 15, radius=8, hardness=1.0, erase=False)
    assert set(np.unique(hard.pixels[15, 12:28])) == {255}  # a hard brush has no falloff
    assert hard.pixels[15, 28] == 0  # centre 28.5 lies 8.5 px away


def test_erasing_only_lowers_and_painting_only_raises():
    m = _blank()
    m.fill()
    m.dab(20, 15, radius=5, hardness=1.0, erase=True)
    assert m.pixels[15, 20] == 0 and m.pixels[0, 0] == 255
    m.dab(20, 15, radius=5, hardness=0.0, erase=False)  # a soft dab over the hole
    assert 0 < m.pixels[15, 23] < 255 and m.pixels[0, 0] == 255


def test_a_stroke_is_solid_and_its_rect_holds_every_changed_pixel():
    m = _blank()
    points = [(2.0, 3.0), (37.0, 26.0)]
    before = m.pixels.copy()
    m.stroke(points, radius=2, hardness=1.0, erase=False)
    for t in np.linspace(0, 1, 50):  # no gap along the line
        x, y = 2 + 35 * t, 3 + 23 * t
        assert m.pixels[int(y), int(x)] == 255
    x0, y0, x1, y1 = m.stroke_rect(points, 2)
    changed = np.argwhere(m.pixels != before)
    assert changed[:, 0].min() >= y0 and changed[:, 0].max() < y1
    assert changed[:, 1].min() >= x0 and changed[:, 1].max() < x1
    assert m.stroke_rect([(-50.0, -50.0), (500.0, 500.0)], 3) == m.full_rect()  # clamped
    m.stroke([], 2, 1.0, False)  # nothing to paint


def test_rect_copies_restore_exactly_and_whole_mask_operations():
    m = _blank()
    m.dab(10, 10, 4, 0.3, False)
    rect = (5, 5, 16, 16)
    saved = m.copy_rect(rect)
    m.clear()
    assert not m.any()
    m.put_rect(rect, saved)
    assert (m.copy_rect(rect) == saved).all() and m.any()
    m.invert()
    assert m.pixels[0, 0] == 255 and m.pixels[10, 10] == 0
    m.fill()
    assert m.pixels.min() == 255


def test_png_round_trip_and_refusals():
    m = _blank()
    m.stroke([(1.0, 1.0), (30.0, 20.0)], 3, 0.6, False)
    again = Mask.from_png_bytes(m.to_png_bytes())
    assert (again.pixels == m.pixels).all()
    rgb = io.BytesIO()
    Image.new("RGB", (8, 6), (255, 255, 255)).save(rgb, format="PNG")
    assert Mask.from_png_bytes(rgb.getvalue()).pixels.min() == 255  # any picture, as grey
    with pytest.raises(ValueError):
        Mask.from_png_bytes(b"not a png")
    with pytest.raises(ValueError):
        Mask.from_png_bytes(m.to_png_bytes()[:40])  # cut short
    huge = io.BytesIO()
    Image.new("L", (MAX_MASK_SIDE + 1, 1)).save(huge, format="PNG")
    with pytest.raises(ValueError, match="larger than any media"):
        Mask.from_png_bytes(huge.getvalue())
