"""Classifier-free guidance (Ho & Salimans, 2022) with a negative prompt as the unconditional
branch: out = neg + scale * (pos - neg). Scale 1 is plain conditional sampling."""

from __future__ import annotations

import torch


def classifier_free_guidance(
    positive: torch.Tensor, negative: torch.Tensor, scale: float
) -> torch.Tensor:
    return negative + scale * (positive - negative)


def split_guided_batch(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The model runs prompt and negative prompt in one batch [pos; neg]; split it."""
    positive, negative = out.chunk(2, dim=0)
    return positive, negative
