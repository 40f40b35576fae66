"""Samplers: DDIM and DPM-Solver++(2M), written against a denoiser callable.

A denoiser maps (z, logsnr) to estimates (x0, eps). Guidance, conditioning, temporal windows
and masks are all wrapped into the denoiser by the pipeline, so the samplers stay plain
numerical integrators. Between steps they report progress and check for cancellation.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from engine.diffusion.schedule import CosineSchedule
from engine.errors import Cancelled  # raised when the job's cancel flag is set

Denoiser = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
StepCallback = Callable[[int, int, torch.Tensor], None]
SAMPLERS = ("dpm++2m", "ddim")


def time_grid(steps: int, t_start: float = 1.0) -> torch.Tensor:
    """steps+1 times from t_start down to 0 (uniform in t)."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    return torch.linspace(t_start, 0.0, steps + 1)


def sample(
    denoiser: Denoiser,
    z: torch.Tensor,
    schedule: CosineSchedule,
    steps: int,
    sampler: str = "dpm++2m",
    t_start: float = 1.0,
    on_step: StepCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> torch.Tensor:
    """Integrate from noise level t_start to 0 and return the clean estimate."""
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    ts = time_grid(steps, t_start)
    logsnrs = schedule.logsnr(ts)
    x0_prev: torch.Tensor | None = None
    h_prev: torch.Tensor | None = None
    for i in range(steps):
        if should_stop is not None and should_stop():
            raise Cancelled()
        ls_t, ls_s = logsnrs[i], logsnrs[i + 1]
        x0, eps = denoiser(z, ls_t)
        last = i == steps - 1
        if last:
            z = x0
        # The updates below allocate one clip-sized tensor each (fused multiply-adds rather
        # than expressions), which keeps long clips' memory down.
        elif sampler == "ddim":
            alpha_s, sigma_s = CosineSchedule.alpha_sigma(ls_s)
            z = torch.mul(x0, alpha_s).addcmul_(eps, sigma_s)
        else:
            alpha_t, sigma_t = CosineSchedule.alpha_sigma(ls_t)
            alpha_s, sigma_s = CosineSchedule.alpha_sigma(ls_s)
            h = (ls_s - ls_t) / 2  # step in half-log-SNR (lambda)
            if x0_prev is None or h_prev is None:
                d = x0
            else:
                r = h_prev / h
                # (1 + 1/2r) x0 - (1/2r) x0_prev, as one interpolation
                d = torch.lerp(x0_prev, x0, 1 + 1 / (2 * r))
            z = torch.mul(z, sigma_s / sigma_t).addcmul_(d, alpha_s * torch.expm1(-h), value=-1)
            x0_prev, h_prev = x0, h
        if on_step is not None:
            on_step(i + 1, steps, x0)
    return z
