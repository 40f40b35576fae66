"""Temporal MultiDiffusion (Bar-Tal et al., 2023; Lumiere Sec. 3.2): a clip longer than a
model's window is covered by overlapping windows; at every denoising step each window is
denoised on its own and the per-frame estimates are fused by a weighted average. Windows run one
after another, so memory does not grow with the clip's length.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

WindowDenoiser = Callable[[torch.Tensor, torch.Tensor, slice], tuple[torch.Tensor, torch.Tensor]]


def window_starts(frames: int, window: int, stride: int) -> list[int]:
    """Start frames of windows of `window` frames covering [0, frames), the last one flush
    with the end."""
    if frames <= window:
        return [0]
    if stride < 1 or stride > window:
        raise ValueError(f"stride must be in [1, {window}], got {stride}")
    starts = list(range(0, frames - window + 1, stride))
    if starts[-1] != frames - window:
        starts.append(frames - window)
    return starts


def window_weights(window: int) -> torch.Tensor:
    """Per-frame weight inside a window: a tent that favours a window's middle frames (never
    zero, so every frame of a clip gets weight)."""
    pos = torch.arange(window, dtype=torch.float32)
    centre = (window - 1) / 2
    return 1.0 - 0.9 * (pos - centre).abs() / max(centre, 1.0)


def fusion_weights(frames: int, window: int, stride: int) -> list[tuple[slice, torch.Tensor]]:
    """(frame slice, normalised per-frame weights) per window; at each frame the weights of the
    windows covering it sum to one."""
    if frames <= window:
        return [(slice(0, frames), torch.ones(frames))]
    starts = window_starts(frames, window, stride)
    raw = window_weights(window)
    total = torch.zeros(frames)
    for s in starts:
        total[s : s + window] += raw
    return [(slice(s, s + window), raw / total[s : s + window]) for s in starts]


def multidiffusion(
    denoise_window: WindowDenoiser, frames: int, window: int, stride: int
) -> Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Wrap a per-window denoiser (z_window, logsnr, frame slice) -> (x0, eps) into a denoiser
    of the whole clip. z is (B, C, T, H, W)."""
    plan = fusion_weights(frames, window, stride)

    def denoise(z: torch.Tensor, logsnr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if len(plan) == 1:
            return denoise_window(z, logsnr, plan[0][0])
        x0 = torch.zeros_like(z)
        eps = torch.zeros_like(z)
        for frame_slice, weights in plan:
            w = weights.to(z.device, z.dtype)[None, None, :, None, None]
            x0_w, eps_w = denoise_window(z[:, :, frame_slice], logsnr, frame_slice)
            x0[:, :, frame_slice] += w * x0_w
            eps[:, :, frame_slice] += w * eps_w
        return x0, eps

    return denoise
