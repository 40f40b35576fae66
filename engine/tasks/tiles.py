"""MultiDiffusion over space: a frame larger than the model's native one (another aspect, say)
is covered by native-size tiles that overlap by half; at every denoising step each tile is
denoised on its own and the clean estimates are fused by a weighted average (tent weights in y
times tent weights in x, normalised to sum to one at every pixel). It is what
engine/tasks/multidiffusion.py does over time, and composes with it: the temporal windows call
this per window, this calls the model per tile.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from engine.diffusion.schedule import eps_from_x0
from engine.tasks.multidiffusion import FrameIndex, window_starts, window_weights

Tile = tuple[slice, slice]
TileDenoiser = Callable[
    [torch.Tensor, torch.Tensor, FrameIndex, Tile], tuple[torch.Tensor, torch.Tensor]
]


def tile_plan(height: int, width: int, tile_h: int, tile_w: int) -> list[tuple[Tile, torch.Tensor]]:
    """(tile, weights (tile_h, tile_w)) covering (height, width); weights sum to one at every
    pixel."""
    if height < tile_h or width < tile_w:
        raise ValueError(f"a {width}x{height} frame is smaller than the {tile_w}x{tile_h} tile")
    ys = window_starts(height, tile_h, max(1, tile_h // 2))
    xs = window_starts(width, tile_w, max(1, tile_w // 2))
    raw = window_weights(tile_h)[:, None] * window_weights(tile_w)[None, :]
    total = torch.zeros(height, width)
    for y in ys:
        for x in xs:
            total[y : y + tile_h, x : x + tile_w] += raw
    plan = []
    for y in ys:
        for x in xs:
            tile = (slice(y, y + tile_h), slice(x, x + tile_w))
            plan.append((tile, raw / total[tile]))
    return plan


def spatial_multidiffusion(
    denoise_tile: TileDenoiser, height: int, width: int, tile_h: int, tile_w: int
) -> Callable[[torch.Tensor, torch.Tensor, FrameIndex], tuple[torch.Tensor, torch.Tensor]]:
    """A window denoiser (z, logsnr, frames) -> (x0, eps) over (height, width) frames made of
    `denoise_tile` calls on native-size tiles. z is (B, C, t, height, width)."""
    plan = tile_plan(height, width, tile_h, tile_w)

    def denoise(
        z: torch.Tensor, logsnr: torch.Tensor, frames: FrameIndex
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if len(plan) == 1:
            return denoise_tile(z, logsnr, frames, plan[0][0])
        x0 = torch.zeros_like(z)
        for (ys, xs), weights in plan:
            x0_t, _ = denoise_tile(z[..., ys, xs], logsnr, frames, (ys, xs))
            x0[..., ys, xs] += weights.to(z.device, z.dtype) * x0_t
        return x0, eps_from_x0(z, x0, logsnr)

    return denoise
