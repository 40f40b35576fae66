"""Classifier-free guidance arithmetic."""

import torch

from engine.diffusion.guidance import classifier_free_guidance, split_guided_batch


def test_guidance_scale_semantics():
    pos, neg = torch.tensor([2.0]), torch.tensor([1.0])
    assert classifier_free_guidance(pos, neg, 1.0) == 2.0  # scale 1: the conditional output
    assert classifier_free_guidance(pos, neg, 0.0) == 1.0  # scale 0: the negative/unconditional
    assert classifier_free_guidance(pos, neg, 3.0) == 4.0  # extrapolates away from negative


def test_split_guided_batch_halves_in_order():
    both = torch.arange(6.0).reshape(2, 3)
    pos, neg = split_guided_batch(both)
    assert torch.equal(pos, both[:1]) and torch.equal(neg, both[1:])
