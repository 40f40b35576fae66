"""Attention blocks: projected-once context matches a repeated context; temporal blocks start as
identities; with prompt attention their frames can respond to the prompt differently; frame
positions are relative to the frame and let identical pixels tell where they are."""

import torch

from engine.model.attention import (
    MultiHeadAttention,
    SpatialTransformer,
    TemporalTransformer,
    frame_positions,
)


def _randomise(module: torch.nn.Module, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=g))


def test_context_repeat_equals_repeating_the_context():
    attn = MultiHeadAttention(16, 2, context_dim=12)
    _randomise(attn)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(6, 4, 16, generator=g)
    ctx = torch.randn(2, 5, 12, generator=g)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.float32)
    once = attn(x, ctx, mask, context_repeat=3)
    repeated = attn(x, ctx.repeat_interleave(3, 0), mask.repeat_interleave(3, 0))
    assert torch.allclose(once, repeated, atol=1e-6)
    # The mask matters: the padded tokens of the first prompt are really ignored.
    ctx_changed = ctx.clone()
    ctx_changed[0, 3:] += 5.0
    assert torch.allclose(attn(x, ctx_changed, mask, context_repeat=3), once, atol=1e-6)


def test_temporal_block_with_prompt_attention_starts_as_identity():
    block = TemporalTransformer(16, 2, context_dim=12)
    x = torch.randn(2, 16, 4, 3, 3)
    ctx, mask = torch.randn(2, 5, 12), torch.ones(2, 5)
    assert torch.equal(block(x, ctx, mask), x)


def test_prompt_attention_lets_frames_respond_differently():
    """Frames that are all alike come out different frame by frame when the prompt changes:
    the queries carry the frame position, so a prompt can ask for motion."""
    block = TemporalTransformer(16, 2, context_dim=12)
    _randomise(block)
    x = torch.randn(1, 16, 1, 3, 3).expand(1, 16, 4, 3, 3).contiguous()
    mask = torch.ones(1, 5)
    a, b = torch.randn(1, 5, 12), torch.randn(1, 5, 12)
    change = block(x, a, mask) - block(x, b, mask)
    per_frame = change.abs().mean(dim=(0, 1, 3, 4))
    assert per_frame.min() > 1e-3
    assert (change[:, :, 0] - change[:, :, 3]).abs().max() > 1e-3

    plain = TemporalTransformer(16, 2)
    _randomise(plain)
    assert torch.equal(plain(x, a, mask), plain(x, b, mask))


def test_frame_positions_are_fractions_of_the_frame():
    small, large = frame_positions(3, 3, 32, torch.device("cpu")), frame_positions(9, 9, 32, "cpu")
    assert small.shape == (9, 32) and large.shape == (81, 32)
    # Pixel (1, 1) of 9x9 and pixel (0, 0) of 3x3 both sit 1/6 of the way into the frame.
    assert torch.allclose(large.reshape(9, 9, 32)[1, 1], small[0], atol=1e-6)
    assert not torch.allclose(large.reshape(9, 9, 32)[0, 0], small[0], atol=1e-2)
    # Every pixel has its own code.
    assert torch.cdist(large, large).fill_diagonal_(10.0).min() > 1e-2


def test_positions_start_as_identity_then_tell_pixels_apart():
    block = SpatialTransformer(16, 2, context_dim=12, positions=True)
    plain = SpatialTransformer(16, 2, context_dim=12)
    plain.load_state_dict({k: v for k, v in block.state_dict().items() if "positions" not in k})
    x = torch.randn(1, 16, 1, 1, 1).expand(1, 16, 2, 4, 4).contiguous()
    ctx, mask = torch.randn(1, 5, 12), torch.ones(1, 5)
    assert torch.allclose(block(x, ctx, mask), plain(x, ctx, mask), atol=1e-6)
    # Position-free attention gives identical pixels identical outputs; positions do not.
    same = plain(x, ctx, mask)
    assert torch.allclose(same, same[..., :1, :1].expand_as(same), atol=1e-5)
    _randomise(block.positions)
    placed = block(x, ctx, mask)
    assert (placed[..., 0, 0] - placed[..., 3, 3]).abs().max() > 1e-2


def test_cached_positions_serve_training_after_inference():
    """The position table is cached; one first made during a generation (inference mode)
    must still let a later training step backpropagate."""
    block = SpatialTransformer(16, 2, context_dim=12, positions=True)
    x, ctx, mask = torch.randn(1, 16, 2, 5, 5), torch.randn(1, 5, 12), torch.ones(1, 5)
    with torch.inference_mode():
        block(x, ctx, mask)
    block(x, ctx, mask).sum().backward()
    grad = block.positions.weight.grad
    assert grad is not None and grad.abs().sum() > 0  # the table takes part in the step
