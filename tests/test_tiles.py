"""Spatial MultiDiffusion: native-size tiles cover any frame, their weights sum to one at
every pixel, and fusing per-pixel estimates gives back exactly what one big call would."""

from __future__ import annotations

import pytest
import torch

from engine.diffusion.schedule import eps_from_x0
from engine.tasks.tiles import spatial_multidiffusion, tile_plan


@pytest.mark.parametrize(("h", "w"), [(16, 16), (16, 40), (24, 16), (40, 56)])
def test_tiles_cover_the_frame_and_weights_sum_to_one(h: int, w: int) -> None:
    total = torch.zeros(h, w)
    for (ys, xs), weights in tile_plan(h, w, 16, 16):
        assert (ys.stop - ys.start, xs.stop - xs.start) == (16, 16)
        assert (weights > 0).all()
        total[ys, xs] += weights
    assert torch.allclose(total, torch.ones(h, w))


def test_a_frame_smaller_than_a_tile_is_refused() -> None:
    with pytest.raises(ValueError, match="smaller than"):
        tile_plan(8, 32, 16, 16)


def test_fusing_a_per_pixel_denoiser_is_exact() -> None:
    """A denoiser whose estimate at a pixel depends only on that pixel gives the same clip
    tiled or not; each tile is called with its own crop and tile position."""
    calls = []

    def denoise_tile(z, logsnr, frames, tile):
        calls.append(tile)
        x0 = torch.tanh(z * 0.7)
        return x0, eps_from_x0(z, x0, logsnr)

    z = torch.randn(1, 3, 4, 16, 40)
    logsnr = torch.tensor([0.3])
    x0, eps = spatial_multidiffusion(denoise_tile, 16, 40, 16, 16)(z, logsnr, slice(None))
    assert len(calls) == 4  # tiles at x = 0, 8, 16, 24
    assert all(z[..., ys, xs].shape[-2:] == (16, 16) for ys, xs in calls)
    assert torch.allclose(x0, torch.tanh(z * 0.7), atol=1e-6)
    assert torch.allclose(eps, eps_from_x0(z, torch.tanh(z * 0.7), logsnr), atol=1e-5)


def test_a_native_frame_is_one_call_on_the_whole_frame() -> None:
    seen = []

    def denoise_tile(z, logsnr, frames, tile):
        seen.append(z.shape)
        return z, z

    z = torch.randn(1, 3, 2, 16, 16)
    out, _ = spatial_multidiffusion(denoise_tile, 16, 16, 16, 16)(z, torch.tensor([0.0]), 0)
    assert seen == [z.shape] and out is z
