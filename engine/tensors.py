"""The tensor conversions every stage shares: uint8 frames to model-range floats and back, and
the one video resize.

Frames on disk and in results are uint8 numpy (T, H, W, 3); the model works on float tensors
(C, T, H, W) in [-1, 1]; sizes are (height, width).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def to_float(frames: np.ndarray) -> torch.Tensor:
    """uint8 (T, H, W, 3) to (3, T, H, W) in [-1, 1]."""
    frames = np.ascontiguousarray(frames)
    if not frames.flags.writeable:  # PIL and PyAV hand out read-only arrays
        frames = frames.copy()
    return torch.from_numpy(frames).permute(3, 0, 1, 2).float() / 127.5 - 1


def to_uint8(video: torch.Tensor) -> np.ndarray:
    """(3, T, H, W) in [-1, 1] to uint8 (T, H, W, 3); values outside the range are clipped."""
    v = ((video.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    out: np.ndarray = v.permute(1, 2, 3, 0).cpu().numpy()
    return out


def resize(video: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear (antialiased when shrinking) resize of (C, T, H, W); the same tensor when it
    already has the size."""
    if video.shape[-2:] == (height, width):
        return video
    frames = video.permute(1, 0, 2, 3)
    out = F.interpolate(frames, size=(height, width), mode="bilinear", antialias=True)
    return out.permute(1, 0, 2, 3)
