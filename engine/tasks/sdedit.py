"""Video-to-video by SDEdit (Meng et al., 2022): noise the source clip to an intermediate
noise level and denoise it with the new prompt. `strength` is where on the schedule's time
axis to start (0 = the source unchanged, 1 = pure noise, the source forgotten).

The model edits the frequencies it draws (its grid, and the SSR's); a source larger than that
keeps its own finer detail, faded by 1 - strength, so a light edit of a 1280x720 clip is not a
128-px clip enlarged, and strength 1 still forgets the source."""

from __future__ import annotations

import math

import torch

from engine.diffusion.schedule import CosineSchedule, add_noise
from engine.tensors import resize


def sdedit_steps(steps: int, strength: float) -> int:
    """Denoising steps for a partial trajectory: the job's steps cover the full one."""
    return max(1, math.ceil(steps * strength))


def sdedit_start(
    source: torch.Tensor, strength: float, schedule: CosineSchedule, seed: int
) -> torch.Tensor:
    """The noisy start z_t for source (B, 3, T, H, W) in [-1, 1] at t = strength."""
    if not 0.0 < strength <= 1.0:
        raise ValueError(f"SDEdit strength must be in (0, 1], got {strength}")
    gen = torch.Generator().manual_seed(seed)
    eps = torch.randn(source.shape, generator=gen).to(source.device, source.dtype)
    logsnr = schedule.logsnr(torch.tensor([strength]))
    return add_noise(source, eps, logsnr.to(source.device))


def finer_detail(source: torch.Tensor, low_h: int, low_w: int) -> torch.Tensor:
    """What of source (3, T, H, W) is finer than (low_h, low_w): the source minus itself
    brought down to that size and back (antialiased down, bilinear up)."""
    h, w = source.shape[-2:]
    return source - resize(resize(source, low_h, low_w), h, w)
