"""Attention blocks for the coarsest STUNet level.

Spatial self-attention and text cross-attention belong to the image U-Net; temporal
attention is inflation (``is_temporal``) and starts as an identity through zero-initialised
output projections. All attention goes through ``scaled_dot_product_attention`` so CUDA
picks flash / memory-efficient kernels.
"""

from __future__ import annotations

import functools
import math
from typing import cast

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, dim: int, heads: int, context_dim: int | None = None):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_kv = nn.Linear(context_dim or dim, 2 * dim, bias=False)
        self.out = nn.Linear(dim, dim)

    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        context_mask: torch.Tensor | None = None,
        context_repeat: int = 1,
    ) -> torch.Tensor:
        """`context_repeat`: each context row serves that many consecutive rows of x; the
        keys and values are projected once per row and then repeated (cheaper than repeating
        the wide context first)."""
        context = x if context is None else context
        q = rearrange(self.to_q(x), "b n (h d) -> b h n d", h=self.heads)
        k, v = rearrange(self.to_kv(context), "b m (two h d) -> two b h m d", two=2, h=self.heads)
        mask = None if context_mask is None else context_mask[:, None, None, :].bool()
        if context_repeat > 1:
            k, v = k.repeat_interleave(context_repeat, 0), v.repeat_interleave(context_repeat, 0)
            mask = None if mask is None else mask.repeat_interleave(context_repeat, 0)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        out: torch.Tensor = self.out(rearrange(y, "b h n d -> b n (h d)"))
        return out


class FeedForward(nn.Sequential):
    def __init__(self, dim: int, mult: int = 4):
        super().__init__(nn.Linear(dim, dim * mult), nn.GELU(), nn.Linear(dim * mult, dim))


def _zero(linear: nn.Linear) -> None:
    nn.init.zeros_(linear.weight)
    nn.init.zeros_(linear.bias)


@functools.lru_cache(maxsize=16)
def frame_positions(height: int, width: int, dim: int, device: torch.device) -> torch.Tensor:
    """(height * width, dim) sinusoids of each pixel's place as a fraction of the frame, so
    "the left third" means the same at every frame size. Cached: every denoising step asks
    for the same few tables."""
    with torch.inference_mode(False):  # a cached table must also serve training (autograd)
        return _frame_positions(height, width, dim, device)


def _frame_positions(height: int, width: int, dim: int, device: torch.device) -> torch.Tensor:
    bands = dim // 4
    # Wavelengths from four frame widths down to a quarter of one: coarse and fine place.
    freqs = math.pi * 2.0 ** torch.linspace(-1.0, 3.0, bands, device=device)
    ys = (torch.arange(height, device=device, dtype=torch.float32) + 0.5) / height
    xs = (torch.arange(width, device=device, dtype=torch.float32) + 0.5) / width
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    ay, ax = y.reshape(-1, 1) * freqs, x.reshape(-1, 1) * freqs
    return torch.cat([ay.sin(), ay.cos(), ax.sin(), ax.cos()], dim=-1)


class SpatialTransformer(nn.Module):
    """Per-frame self-attention over pixels, cross-attention to the prompt, feed-forward.

    With `positions`, each pixel's place in the frame enters the stream through a
    zero-initialised projection (so weights saved without it still compute the same): convs
    and position-free attention only know where they are near the borders, and a prompt that
    says where an object goes needs to know where "left" is."""

    def __init__(self, dim: int, heads: int, context_dim: int, positions: bool = False):
        super().__init__()
        self.positions: nn.Linear | None = None
        if positions:
            self.positions = nn.Linear(4 * (dim // 4), dim)
            _zero(self.positions)
        self.norm_self = nn.LayerNorm(dim)
        self.self_attn = MultiHeadAttention(dim, heads)
        self.norm_cross = nn.LayerNorm(dim)
        self.cross_attn = MultiHeadAttention(dim, heads, context_dim)
        self.norm_ff = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(
        self, x: torch.Tensor, context: torch.Tensor, context_mask: torch.Tensor
    ) -> torch.Tensor:
        b, _, t, h, w = x.shape
        tokens: torch.Tensor = rearrange(x, "b c t h w -> (b t) (h w) c")
        if self.positions is not None:
            grid = frame_positions(h, w, x.shape[1], x.device).to(tokens.dtype)  # read-only
            tokens = tokens + self.positions(grid)
        ctx = context.repeat_interleave(t, dim=0)
        ctx_mask = context_mask.repeat_interleave(t, dim=0)
        tokens = tokens + self.self_attn(self.norm_self(tokens))
        tokens = tokens + self.cross_attn(self.norm_cross(tokens), ctx, ctx_mask)
        tokens = tokens + self.ff(self.norm_ff(tokens))
        return rearrange(tokens, "(b t) (h w) c -> b c t h w", b=b, h=h)


def sinusoid_positions(length: int, dim: int, device: torch.device) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=device) / half)
    args = torch.arange(length, device=device)[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


class TemporalTransformer(nn.Module):
    """Self-attention along frames at every pixel, then a feed-forward; all residual
    branches end in zero-initialised projections so the block starts as an identity.

    With `context_dim`, the frames also attend to the prompt, their queries carrying the
    frame position: a direction word can then say what differs from frame to frame, which
    per-frame spatial cross-attention alone has to learn the long way round."""

    is_temporal = True

    def __init__(self, dim: int, heads: int, context_dim: int | None = None):
        super().__init__()
        self.norm_attn = nn.LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, heads)
        self.norm_text: nn.LayerNorm | None = None
        self.text_attn: MultiHeadAttention | None = None
        if context_dim:
            self.norm_text = nn.LayerNorm(dim)
            self.text_attn = MultiHeadAttention(dim, heads, context_dim)
            _zero(self.text_attn.out)
        self.norm_ff = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)
        _zero(self.attn.out)
        _zero(cast(nn.Linear, self.ff[-1]))  # nn.Sequential types its items as Module

    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        context_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        _, c, t, h, w = x.shape
        tokens: torch.Tensor = rearrange(x, "b c t h w -> (b h w) t c")
        pos = sinusoid_positions(t, c, x.device).to(tokens.dtype)
        tokens = tokens + self.attn(self.norm_attn(tokens + pos))
        if self.text_attn is not None and self.norm_text is not None and context is not None:
            query = self.norm_text(tokens + pos)
            tokens = tokens + self.text_attn(query, context, context_mask, context_repeat=h * w)
        tokens = tokens + self.ff(self.norm_ff(tokens))
        return rearrange(tokens, "(b h w) t c -> b c t h w", h=h, w=w)
