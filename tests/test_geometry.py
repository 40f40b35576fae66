"""Where a clip's picture lands in the sequence's frame, for each fit mode, and compose."""

from __future__ import annotations

import numpy as np
import pytest

from engine.export.geometry import Placement, compose, placement, sequence_frame
from engine.timeline import TimelineClip


def test_fit_letterboxes_and_pillarboxes_keeping_the_aspect():
    assert placement(512, 512, 640, 272) == Placement(184, 0, 272, 272)  # pillarbox
    assert placement(1280, 720, 640, 640) == Placement(0, 140, 640, 360)  # letterbox
    assert placement(176, 144, 1920, 1080).height == 1080  # small clips are scaled up


def test_fill_crops_stretch_distorts_none_keeps_pixels():
    assert placement(512, 512, 640, 272, "fill") == Placement(0, -184, 640, 640)
    assert placement(512, 512, 640, 272, "stretch") == Placement(0, 0, 640, 272)
    assert placement(176, 144, 640, 272, "none") == Placement(232, 64, 176, 144)


def test_scale_and_position_move_about_the_centre():
    assert placement(100, 100, 200, 100, "fit", scale=0.5, x=10, y=-5) == Placement(85, 20, 50, 50)
    with pytest.raises(ValueError, match="fit must be"):
        placement(10, 10, 10, 10, "zoom")


def test_compose_crops_what_falls_outside_and_keeps_the_background():
    frame = np.full((4, 4, 3), 200, np.uint8)
    frame[:, :2] = 50  # left half dark
    canvas = sequence_frame(None, None, None, (6, 4), "#102030")
    assert canvas[0, 0].tolist() == [16, 32, 48]
    out = compose(canvas, frame, Placement(-2, 0, 4, 4))  # the left half is off the frame
    assert (out[:, :2] == 200).all() and out[0, 2].tolist() == [16, 32, 48]


def test_a_letterboxed_clip_has_bars_of_the_background_colour():
    clip = TimelineClip("a.mov", 0, 1, 0, "25")
    picture = np.full((10, 20, 3), 255, np.uint8)
    out = sequence_frame(picture, clip, None, (20, 20), "#000000")
    assert (out[:5] == 0).all() and (out[15:] == 0).all() and (out[5:15] == 255).all()
    proxy = np.full((5, 10, 3), 255, np.uint8)  # a half-size proxy lands in the same place
    assert np.array_equal(sequence_frame(proxy, clip, (20, 10), (20, 20)), out)
