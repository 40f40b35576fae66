"""Convolution blocks of the STUNet: the image (spatial) blocks and their temporal inflation.

Tensors are (batch, channels, frames, height, width) throughout. Spatial layers fold the frames
into the batch, so the image part of the network sees every frame independently; temporal
layers fold space into the batch and convolve along frames only.

Every temporal layer is marked with ``is_temporal = True`` and starts as an identity (zero
projection, or identity-like resampling kernels), so a freshly inflated network computes
exactly what its image U-Net computes frame by frame.
"""

from __future__ import annotations

import math
from typing import cast

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn


def group_norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with as many groups (up to 32) as divide the channel count."""
    groups = math.gcd(32, channels)
    return nn.GroupNorm(groups, channels, eps=1e-6)


def per_frame(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Apply a 2D module to every frame of a (b, c, t, h, w) video."""
    t = x.shape[2]
    y: torch.Tensor = module(rearrange(x, "b c t h w -> (b t) c h w"))
    return rearrange(y, "(b t) c h w -> b c t h w", t=t)


def frame_conv(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """Apply a 2D convolution to every frame of a (b, c, t, h, w) video.

    Same weights and result as ``per_frame(conv, x)``, run as a (1, k, k) 3D convolution so
    the video is not copied into a frames-in-batch layout and back.
    """
    return F.conv3d(
        x,
        conv.weight.unsqueeze(2),
        conv.bias,
        stride=(1, *conv.stride),
        padding=(0, *conv.padding),
    )


def time_conv(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """Apply a 1D convolution (replicate-padded) along frames at every pixel of a video.

    Run as a (k, 1, 1) 3D convolution on the video in place: the same result as folding
    the pixels into the batch, without the two full-size copies that folding costs.
    """
    pad = conv.padding[0]
    if isinstance(pad, str):  # "same"/"valid": the blocks here build convs with a number
        raise ValueError(f"time_conv needs a numeric padding, got {pad!r}")
    if pad:
        x = F.pad(x, (0, 0, 0, 0, pad, pad), mode="replicate")
    return F.conv3d(x, conv.weight[..., None, None], conv.bias, stride=(conv.stride[0], 1, 1))


def bias_of(layer: nn.Conv1d | nn.Conv2d) -> torch.Tensor:
    """The layer's bias: every convolution here is built with one."""
    if layer.bias is None:
        raise ValueError(f"{type(layer).__name__} was built without a bias")
    return layer.bias


def channel_linear(linear: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """Apply a Linear layer across the channels of a (b, c, t, h, w) video (a 1x1x1 conv)."""
    return F.conv3d(x, linear.weight[..., None, None, None], linear.bias)


class ResBlock2D(nn.Module):
    """Spatial residual block with the timestep embedding applied as scale and shift."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, dropout: float = 0.0):
        super().__init__()
        self.norm1 = group_norm(in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * out_ch)
        self.norm2 = group_norm(out_ch)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(bias_of(self.conv2))
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        # x: (b, c, t, h, w); emb: (b, emb_dim), shared by all frames of a clip.
        t = x.shape[2]
        frames = rearrange(x, "b c t h w -> (b t) c h w")
        h = self.conv1(F.silu(self.norm1(frames)))
        scale, shift = self.emb(F.silu(emb)).repeat_interleave(t, dim=0).chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale[..., None, None]) + shift[..., None, None]
        h = self.conv2(self.dropout(F.silu(h)))
        out: torch.Tensor = self.skip(frames) + h
        return rearrange(out, "(b t) c h w -> b c t h w", t=t)


class SpaceTimeConvBlock(nn.Module):
    """Factorised (2+1)D inflation block: 2D conv, norm, act, 1D temporal conv, norm, act,
    then a zero-initialised linear projection added as a residual (identity at start)."""

    is_temporal = True

    def __init__(self, channels: int):
        super().__init__()
        self.spatial = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), group_norm(channels)
        )
        self.temporal = nn.Conv1d(channels, channels, 3, padding=1, padding_mode="replicate")
        self.norm2 = group_norm(channels)
        self.proj = nn.Linear(channels, channels)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv, norm = self.spatial
        conv = cast(nn.Conv2d, conv)  # nn.Sequential types its items as Module
        h = F.silu(per_frame(norm, frame_conv(conv, x)))
        h = time_conv(self.temporal, h)
        h = F.silu(per_frame(self.norm2, h))
        return x + channel_linear(self.proj, h)


class SpatialDownsample(nn.Module):
    """Stride-2 convolution in H and W (part of the image U-Net)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return frame_conv(self.conv, x)


class SpatialUpsample(nn.Module):
    """Nearest x2 in H and W followed by a 3x3 convolution (part of the image U-Net)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return frame_conv(self.conv, F.interpolate(x, scale_factor=(1.0, 2.0, 2.0), mode="nearest"))


class TemporalDownsample(nn.Module):
    """Halves the frame count with a stride-2 temporal convolution.

    Initialised identity-like: each output frame is the (1/4, 1/2, 1/4) blend of its
    neighbourhood, so a still (constant in time) video passes through unchanged.
    """

    is_temporal = True

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, stride=2, padding=1, padding_mode="replicate")
        with torch.no_grad():
            self.conv.weight.zero_()
            bias_of(self.conv).zero_()
            kernel = torch.tensor([0.25, 0.5, 0.25])
            for c in range(channels):
                self.conv.weight[c, c] = kernel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return time_conv(self.conv, x)


class TemporalUpsample(nn.Module):
    """Doubles the frame count: nearest repeat, then a temporal convolution initialised to
    the identity kernel (0, 1, 0)."""

    is_temporal = True

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=1, padding_mode="replicate")
        with torch.no_grad():
            self.conv.weight.zero_()
            bias_of(self.conv).zero_()
            for c in range(channels):
                self.conv.weight[c, c, 1] = 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # conv3(repeat2(x)) without building the doubled video: with taps (w0, w1, w2), output
        # frame 2i is w0 x[i-1] + (w1 + w2) x[i] and frame 2i+1 is (w0 + w1) x[i] + w2 x[i+1]
        # (replicate padding at both ends), two 2-tap convolutions at the input's frame rate.
        w, b = self.conv.weight, self.conv.bias
        w0, w1, w2 = w.unbind(-1)
        padded = F.pad(x, (0, 0, 0, 0, 1, 1), mode="replicate")
        kernel_even = torch.stack([w0, w1 + w2], dim=-1)[..., None, None]
        kernel_odd = torch.stack([w0 + w1, w2], dim=-1)[..., None, None]
        even = F.conv3d(padded[:, :, :-1], kernel_even, b)
        odd = F.conv3d(padded[:, :, 1:], kernel_odd, b)
        bsz, c, t, h, wid = even.shape
        return torch.stack([even, odd], dim=3).view(bsz, c, 2 * t, h, wid)


def timestep_embedding(logsnr: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of the noise level (log-SNR scaled into a timestep-like range)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=logsnr.device) / half)
    # log-SNR spans roughly [-20, 20]; map it to [0, 1000] like discrete timesteps.
    steps = (20.0 - logsnr.float().clamp(-20, 20)) * 25.0
    args = steps[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
