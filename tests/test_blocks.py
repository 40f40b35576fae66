"""The STUNet's convolution blocks: the in-place (5D) fast paths compute exactly what the plain
frames-in-batch / pixels-in-batch formulations compute, with the same parameters."""

import pytest
import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from engine.model.blocks import (
    SpaceTimeConvBlock,
    SpatialUpsample,
    TemporalUpsample,
    channel_linear,
    frame_conv,
    per_frame,
    time_conv,
)


def _video(c: int = 6, t: int = 8, h: int = 10, w: int = 12, seed: int = 0) -> torch.Tensor:
    return torch.randn(2, c, t, h, w, generator=torch.Generator().manual_seed(seed))


def _randomise(module: nn.Module, seed: int = 1) -> nn.Module:
    """Non-trivial weights: the identity-like starts of temporal layers would hide errors."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    return module


def _pixels_in_batch(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    _, _, _, h, w = x.shape
    y = conv(rearrange(x, "b c t h w -> (b h w) c t"))
    return rearrange(y, "(b h w) c t -> b c t h w", h=h, w=w)


@pytest.mark.parametrize("stride", [1, 2])
def test_frame_conv_equals_per_frame_conv(stride):
    conv = _randomise(nn.Conv2d(6, 5, 3, stride=stride, padding=1))
    x = _video()
    torch.testing.assert_close(frame_conv(conv, x), per_frame(conv, x))


@pytest.mark.parametrize("stride", [1, 2])
def test_time_conv_equals_pixels_in_batch_conv(stride):
    conv = _randomise(nn.Conv1d(6, 6, 3, stride=stride, padding=1, padding_mode="replicate"))
    x = _video()
    torch.testing.assert_close(time_conv(conv, x), _pixels_in_batch(conv, x))


def test_channel_linear_equals_linear_on_channels_last():
    linear = _randomise(nn.Linear(6, 4))
    x = _video()
    expected = rearrange(linear(rearrange(x, "b c t h w -> b t h w c")), "b t h w c -> b c t h w")
    torch.testing.assert_close(channel_linear(linear, x), expected)


def test_temporal_upsample_equals_convolving_the_repeated_video():
    up = _randomise(TemporalUpsample(6))
    x = _video(t=5)
    expected = _pixels_in_batch(up.conv, x.repeat_interleave(2, dim=2))
    out = up(x)
    assert out.shape == (2, 6, 10, 10, 12)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)


def test_spatial_upsample_equals_per_frame_interpolate_and_conv():
    up = _randomise(SpatialUpsample(6))
    x = _video()
    expected = per_frame(lambda f: up.conv(F.interpolate(f, scale_factor=2.0)), x)
    torch.testing.assert_close(up(x), expected)


def test_space_time_block_matches_its_factorised_definition():
    block = _randomise(SpaceTimeConvBlock(8))
    x = _video(c=8)
    conv, norm = block.spatial
    h = F.silu(per_frame(lambda f: norm(conv(f)), x))
    h = F.silu(per_frame(block.norm2, _pixels_in_batch(block.temporal, h)))
    expected = x + rearrange(
        block.proj(rearrange(h, "b c t h w -> b t h w c")), "b t h w c -> b c t h w"
    )
    torch.testing.assert_close(block(x), expected, atol=1e-5, rtol=1e-5)
