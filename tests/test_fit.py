"""Fitting an input of any aspect to the model's frame and back: edge padding that covers
the painted region, a crop back to the input's own frame, and the centred crop box."""

from __future__ import annotations

import torch

from engine.tasks.fit import PadFit, crop_box


def test_pad_fit_covers_the_region_and_maps_back() -> None:
    fit = PadFit.plan(20, 30, 16, 16)
    assert (fit.ph, fit.pw, fit.top, fit.left) == (30, 30, 5, 0)
    region = torch.zeros(1, 1, 20, 30)
    region[..., 7, 11] = 1  # a single painted pixel still reaches the model
    assert fit.region_to_model(region).sum() >= 1
    video = torch.rand(3, 1, 30, 30)
    assert fit.from_padded(video).shape == (3, 1, 20, 30)


def test_pad_fit_pads_the_short_side_and_keeps_a_same_aspect_input() -> None:
    wide = PadFit.plan(10, 40, 16, 16)  # wider than the model: pad top and bottom
    assert (wide.ph, wide.pw, wide.top, wide.left) == (40, 40, 15, 0) and wide.padded
    same = PadFit.plan(32, 32, 16, 16)
    assert not same.padded and (same.top, same.left) == (0, 0)


def test_video_to_model_pads_with_edge_pixels_then_resizes() -> None:
    fit = PadFit.plan(2, 4, 4, 4)  # pad 2 rows: one above, one below
    video = torch.zeros(3, 1, 2, 4)
    video[:, :, 0] = 1.0  # top row white, bottom row black
    out = fit.video_to_model(video)
    assert out.shape == (3, 1, 4, 4)
    assert torch.allclose(out[:, :, 0], torch.ones(3, 1, 4))  # the pad repeats the top row
    assert torch.allclose(out[:, :, -1], -torch.zeros(3, 1, 4))  # and the bottom one


def test_region_to_model_never_loses_a_painted_pixel() -> None:
    fit = PadFit.plan(64, 64, 8, 8)
    region = torch.zeros(1, 2, 64, 64)
    region[:, 1, 63, 0] = 1  # one corner pixel on frame 1
    small = fit.region_to_model(region)
    assert small[:, 0].sum() == 0 and small[0, 1, 7, 0] == 1


def test_crop_box_is_centred_at_the_asked_aspect() -> None:
    assert crop_box(20, 40, 8, 8) == (0, 10, 20, 20)  # wider: crop the sides
    assert crop_box(40, 20, 8, 8) == (10, 0, 20, 20)  # taller: crop top and bottom
    assert crop_box(20, 40, 10, 20) == (0, 0, 20, 40)  # same aspect: the whole frame
