"""Edge controls (engine/vision/mask_edges.py): grow/shrink, feather, invert."""

from __future__ import annotations

import numpy as np
import pytest

from engine.vision.mask_edges import Edges, apply_edges, signed_distance


def _square(size: int = 41, half: int = 10) -> np.ndarray:
    m = np.zeros((size, size), bool)
    c = size // 2
    m[c - half : c + half + 1, c - half : c + half + 1] = True
    return m


def test_plain_edges_give_the_mask_itself() -> None:
    m = _square()
    out = apply_edges(m, Edges())
    assert out.dtype == np.uint8 and np.array_equal(out > 0, m) and set(np.unique(out)) == {0, 255}


def test_grow_adds_every_pixel_within_that_distance() -> None:
    m = _square()  # rows/cols 10..30
    out = apply_edges(m, Edges(grow=3)) == 255
    assert out[20, 7] and not out[20, 6]  # 3 px left of the edge in, 4 px out
    assert out[7, 20] and out[33, 20] and not out[34, 20]
    # A corner rounds: (8, 8) is sqrt(8) ~ 2.8 px from (10, 10), (7, 7) is 4.2 px away.
    assert out[8, 8] and not out[7, 7]


def test_shrink_removes_every_pixel_within_that_distance_of_the_outside() -> None:
    m = _square()
    out = apply_edges(m, Edges(grow=-3)) == 255
    assert not out[20, 12] and out[20, 13]  # col 10 is the edge: 10, 11, 12 go
    assert out.sum() == (21 - 6) ** 2
    assert not apply_edges(m, Edges(grow=-11)).any()  # shrunk past its half width: nothing


def test_feather_is_a_linear_ramp_centred_on_the_edge() -> None:
    m = np.zeros((1, 40), bool)
    m[0, 20:] = True  # an edge between columns 19 and 20
    out = apply_edges(m, Edges(feather=8))[0].astype(int)
    # Pixel centres at -0.5 and +0.5 px from the edge: 0.5 -+ 0.5/8 of full.
    assert out[19] == round(255 * (0.5 - 0.5 / 8)) and out[20] == round(255 * (0.5 + 0.5 / 8))
    assert out[15] == 0 and out[24] == 255  # 4.5 px out and in: past the ramp's half width
    assert np.all(np.diff(out[15:25]) > 0)  # rising across the ramp
    assert np.array_equal(out >= 128, m[0])  # its >= 128 part is the mask itself


def test_feather_after_grow_keeps_the_grown_mask_as_its_half_level() -> None:
    m = _square()
    grown = apply_edges(m, Edges(grow=4))
    both = apply_edges(m, Edges(grow=4, feather=6))
    assert np.array_equal(both >= 128, grown == 255)
    assert ((both > 0) & (both < 255)).any()


def test_invert_turns_the_final_mask_over() -> None:
    m = _square()
    edges = Edges(grow=2, feather=4)
    assert np.array_equal(
        apply_edges(m, Edges(grow=2, feather=4, invert=True)), 255 - apply_edges(m, edges)
    )


def test_signed_distance_signs_and_half_pixel_offsets() -> None:
    m = np.zeros((5, 9), bool)
    m[:, 4:] = True
    d = signed_distance(m)
    assert d[2, 4] == pytest.approx(0.5) and d[2, 3] == pytest.approx(-0.5)
    assert d[2, 8] == pytest.approx(4.5) and d[2, 0] == pytest.approx(-3.5)


def test_an_empty_mask_grows_to_nothing_and_inverts_to_everything() -> None:
    empty = np.zeros((8, 8), bool)
    assert not apply_edges(empty, Edges(grow=5, feather=3)).any()
    assert (apply_edges(empty, Edges(invert=True)) == 255).all()


def test_negative_feather_is_refused() -> None:
    with pytest.raises(ValueError, match="feather"):
        Edges(feather=-1)


@pytest.mark.parametrize("grow,feather", [(4, 6), (-3, 5), (0, 9), (7, 0), (-2, 0)])
def test_working_on_the_masks_box_gives_the_whole_frames_result(grow, feather):
    """apply_edges works on the mask's neighbourhood only; it must equal the transform of
    the whole frame (a mask inside the frame and one touching its edge)."""
    from engine.vision.mask_edges import _edged

    rng = np.random.default_rng(abs(grow) * 10 + feather)
    for top, left in ((40, 60), (0, 0)):
        mask = np.zeros((120, 160), bool)
        blob = rng.random((30, 40)) > 0.3
        mask[top : top + 30, left : left + 40] = blob
        for invert in (False, True):
            edges = Edges(grow, feather, invert)
            whole = _edged(mask, edges)
            expected = 255 - whole if invert else whole
            assert np.array_equal(apply_edges(mask, edges), expected)
