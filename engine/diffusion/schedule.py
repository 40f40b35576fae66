"""Continuous-time cosine noise schedule in log-SNR form, with the resolution shift for
pixel-space models, and the conversions between the model's prediction targets.

z_t = alpha * x0 + sigma * eps, alpha^2 + sigma^2 = 1, logsnr = log(alpha^2 / sigma^2).
v = alpha * eps - sigma * x0 (Salimans & Ho, 2022).
"""

from __future__ import annotations

import math

import torch

from engine.diffusion.schedule_config import PREDICTIONS, ScheduleConfig

__all__ = ["PREDICTIONS", "CosineSchedule", "ScheduleConfig"]


class CosineSchedule:
    def __init__(self, config: ScheduleConfig, size: int):
        self.config = config
        self.shift = 2.0 * math.log(config.reference_size / size)
        # t range that keeps log-SNR inside [logsnr_min, logsnr_max] before the shift.
        self.t_min = math.atan(math.exp(-0.5 * config.logsnr_max)) / (math.pi / 2)
        self.t_max = math.atan(math.exp(-0.5 * config.logsnr_min)) / (math.pi / 2)

    def logsnr(self, t: torch.Tensor) -> torch.Tensor:
        """t in [0, 1] (0 = clean, 1 = pure noise) to shifted log-SNR."""
        t = self.t_min + t * (self.t_max - self.t_min)
        return -2.0 * torch.log(torch.tan(math.pi / 2 * t)) + self.shift

    @staticmethod
    def alpha_sigma(logsnr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.sigmoid(logsnr).sqrt(), torch.sigmoid(-logsnr).sqrt()


def _bcast(a: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    # Onto like's device too: samplers hold noise levels on the CPU, and once reshaped they
    # are no longer scalars that an accelerator's kernels accept from the CPU.
    return a.reshape(a.shape + (1,) * (like.ndim - a.ndim)).to(like.device, like.dtype)


def add_noise(x0: torch.Tensor, eps: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
    alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
    return _bcast(alpha, x0) * x0 + _bcast(sigma, x0) * eps


def target(
    prediction: str, x0: torch.Tensor, eps: torch.Tensor, logsnr: torch.Tensor
) -> torch.Tensor:
    """What the network is trained to output for this prediction type."""
    alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
    if prediction == "v":
        return _bcast(alpha, x0) * eps - _bcast(sigma, x0) * x0
    if prediction == "eps":
        return eps
    if prediction == "x0":
        return x0
    raise ValueError(f"unknown prediction {prediction!r}")


def eps_from_x0(z: torch.Tensor, x0: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
    """The noise that z = alpha x0 + sigma eps implies, built in one allocation (samplers call
    this on whole clips)."""
    alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
    return (x0 * -_bcast(alpha, z)).add_(z).div_(_bcast(sigma, z))


def to_x0_eps(
    prediction: str, out: torch.Tensor, z: torch.Tensor, logsnr: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn a network output into (x0, eps) estimates given the noisy input z."""
    alpha, sigma = CosineSchedule.alpha_sigma(logsnr)
    a, s = _bcast(alpha, z), _bcast(sigma, z)
    if prediction == "v":
        return a * z - s * out, s * z + a * out
    if prediction == "eps":
        return (z - s * out) / a, out
    if prediction == "x0":
        return out, (z - a * out) / s
    raise ValueError(f"unknown prediction {prediction!r}")
