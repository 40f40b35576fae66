"""Temporal MultiDiffusion (Bar-Tal et al., 2023; Lumiere Sec. 3.2): a clip longer than a
model's window is covered by overlapping windows; at every denoising step each window is
denoised on its own and the per-frame estimates are fused by a weighted average. Windows run one
after another, so memory does not grow with the clip's length.

With `circular=True` the windows wrap around the clip's end, so the last frames are denoised
together with the first ones and the clip loops (cinemagraph "loop").
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from engine.diffusion.schedule import eps_from_x0
from engine.errors import Cancelled

FrameIndex = slice | torch.Tensor  # a slice, or a LongTensor of frame indices (circular)
WindowDenoiser = Callable[
    [torch.Tensor, torch.Tensor, FrameIndex], tuple[torch.Tensor, torch.Tensor]
]


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


def circular_fusion_weights(
    frames: int, window: int, stride: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Like fusion_weights, but windows start every `stride` frames all the way round and
    wrap past the end: (frame indices, normalised weights) per window."""
    if frames < window:
        raise ValueError(f"a looping clip needs at least {window} frames, got {frames}")
    if stride < 1 or stride > window:
        raise ValueError(f"stride must be in [1, {window}], got {stride}")
    raw = window_weights(window)
    plan = [(torch.arange(s, s + window) % frames, raw) for s in range(0, frames, stride)]
    total = torch.zeros(frames)
    for index, w in plan:
        total.index_add_(0, index, w)
    return [(index, w / total[index]) for index, w in plan]


def multidiffusion(
    denoise_window: WindowDenoiser,
    frames: int,
    window: int,
    stride: int,
    circular: bool = False,
    should_stop: Callable[[], bool] | None = None,
) -> Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Wrap a per-window denoiser (z_window, logsnr, frame index) -> (x0, eps) into a denoiser
    of the whole clip. z is (B, C, T, H, W).

    Only the clean estimates are fused; eps is then derived from z and the fused x0. That is
    exactly the fused eps when each window's eps is (z - alpha x0) / sigma, as the pipeline's
    are (the fusion weights of a frame sum to one), and it keeps one clip-sized accumulator
    instead of two, so the clip's length costs as little memory as it can.

    `should_stop` is polled before every window after the first: one step of a long clip runs
    many windows, so a cancel waits for one window, not for the whole step (Cancelled).
    """
    plan: list[tuple[FrameIndex, torch.Tensor]]
    if circular:
        plan = list(circular_fusion_weights(frames, window, stride))
    else:
        plan = list(fusion_weights(frames, window, stride))

    def denoise(z: torch.Tensor, logsnr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if len(plan) == 1:
            return denoise_window(z, logsnr, plan[0][0])
        x0 = torch.zeros_like(z)
        for i, (index, weights) in enumerate(plan):
            if i and should_stop is not None and should_stop():
                raise Cancelled()
            w = weights.to(z.device, z.dtype)[None, None, :, None, None]
            x0_w, _ = denoise_window(z[:, :, index], logsnr, index)
            if isinstance(index, slice):
                x0[:, :, index] += w * x0_w
            else:  # a wrapped window: indices are distinct, so index_add_ is a plain scatter
                x0.index_add_(2, index.to(z.device), w * x0_w)
        return x0, eps_from_x0(z, x0, logsnr)

    return denoise
