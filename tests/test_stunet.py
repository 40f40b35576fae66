"""The STUNet: Fig. 4 structure, identity start, shape flow, frame-count errors."""

import pytest
import torch

from engine.model.attention import TemporalTransformer
from engine.model.blocks import SpaceTimeConvBlock, TemporalDownsample, TemporalUpsample
from engine.model.stunet import STUNet, STUNetConfig

SMALL = STUNetConfig(channels=(8, 16, 32), temporal_down=(True, True), heads=2)


def _inputs(cfg: STUNetConfig, b: int, t: int, h: int, w: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, cfg.in_channels, t, h, w, generator=g)
    text = torch.randn(b, 5, cfg.context_dim, generator=g)
    mask = torch.ones(b, 5)
    return x, torch.full((b,), 1.5), text, mask, text.mean(1)


def _randomise_image_layers(model: STUNet) -> None:
    """Give the image U-Net non-trivial weights (fresh zero-init convs would hide bugs),
    leaving the temporal (inflation) layers at their fresh initialisation."""
    temporal = set(model.temporal_parameters())
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name not in temporal:
                p.add_(0.05 * torch.randn(p.shape, generator=g))


def _per_frame_run(model: STUNet, x, logsnr, text, mask, pooled) -> torch.Tensor:
    """The image U-Net (temporal layers skipped) applied to each frame on its own."""
    b, c, t, h, w = x.shape
    frames = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, 1, h, w)
    rep = lambda a: a.repeat_interleave(t, dim=0)  # noqa: E731
    out = model(frames, rep(logsnr), rep(text), rep(mask), rep(pooled), spatial_only=True)
    return out.reshape(b, t, -1, h, w).permute(0, 2, 1, 3, 4)


def test_identity_start_equals_image_unet_frame_by_frame():
    """Fresh temporal layers (conv blocks, attention) add exactly zero: with no temporal
    resizing, any video gives the frame-by-frame image U-Net output."""
    cfg = STUNetConfig(channels=(8, 16, 32), temporal_down=(False, False), heads=2)
    torch.manual_seed(0)
    model = STUNet(cfg).eval()
    _randomise_image_layers(model)
    x, logsnr, text, mask, pooled = _inputs(cfg, 1, 6, 16, 16)  # every frame different
    video = model(x, logsnr, text, mask, pooled)
    expected = _per_frame_run(model, x, logsnr, text, mask, pooled)
    assert torch.allclose(video, expected, atol=1e-5), (video - expected).abs().max()


def test_identity_start_with_temporal_resizers():
    """Temporal down/upsamplers start as identity-like filters (a normalised blur and a
    frame repeat); on a video that is constant in time they change nothing, so the full
    STUNet equals the image U-Net on each frame."""
    torch.manual_seed(0)
    model = STUNet(SMALL).eval()
    _randomise_image_layers(model)
    x, logsnr, text, mask, pooled = _inputs(SMALL, 2, 1, 16, 16)
    x = x.expand(-1, -1, 8, -1, -1).contiguous()
    video = model(x, logsnr, text, mask, pooled)
    expected = _per_frame_run(model, x, logsnr, text, mask, pooled)
    assert torch.allclose(video, expected, atol=1e-5), (video - expected).abs().max()


def test_temporal_resizers_halve_and_restore_time():
    down, up = TemporalDownsample(4), TemporalUpsample(4)
    ramp = torch.linspace(0, 1, 8).reshape(1, 1, 8, 1, 1).expand(2, 4, 8, 3, 3).contiguous()
    small = down(ramp)
    assert small.shape == (2, 4, 4, 3, 3)
    # Low-pass then subsample: the halved ramp is still increasing and within the input range.
    assert (small[:, :, 1:] > small[:, :, :-1]).all() and small.min() >= 0 and small.max() <= 1
    big = up(small)
    assert big.shape == ramp.shape
    assert torch.equal(big[:, :, 0], big[:, :, 1])  # frame repeat at the start


def test_trained_temporal_layers_do_mix_frames():
    """The converse: once temporal layers have weights, frames influence each other (so the
    identity test above is not passing because temporal layers are disconnected)."""
    torch.manual_seed(0)
    model = STUNet(SMALL).eval()
    _randomise_image_layers(model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in set(model.temporal_parameters()):
                p.add_(0.1 * torch.randn_like(p))
    x, logsnr, text, mask, pooled = _inputs(SMALL, 1, 8, 16, 16)
    out = model(x, logsnr, text, mask, pooled)
    x2 = x.clone()
    x2[:, :, -1] += 1.0  # change only the last frame
    out2 = model(x2, logsnr, text, mask, pooled)
    assert (out2[:, :, 0] - out[:, :, 0]).abs().max() > 1e-4


def test_structure_follows_fig4():
    model = STUNet(SMALL)
    # Every spatial downsampling at a level with temporal_down is paired with a temporal one.
    for level, layers in enumerate(model.downsample):
        kinds = [type(m) for m in layers]
        assert (TemporalDownsample in kinds) == SMALL.temporal_down[level]
    for layers in model.upsample:
        assert TemporalUpsample in [type(m) for m in layers]
    # Conv inflation blocks on fine levels, temporal attention at the coarsest.
    fine = [m for stage in model.down[0] for m in stage]
    coarse = [m for stage in model.down[-1] for m in stage] + list(model.mid)
    assert any(isinstance(m, SpaceTimeConvBlock) for m in fine)
    assert not any(isinstance(m, TemporalTransformer) for m in fine)
    assert (
        sum(isinstance(m, TemporalTransformer) for m in model.mid)
        == SMALL.temporal_attention_blocks
    )
    assert any(isinstance(m, TemporalTransformer) for m in coarse)


def test_shape_flow_through_every_level():
    model = STUNet(SMALL).eval()
    seen: list[tuple[int, ...]] = []
    record = lambda mod, i, o: seen.append(tuple(o.shape[2:]))  # noqa: E731
    hooks = [stage[0].register_forward_hook(record) for blocks in model.down for stage in blocks]
    hooks.append(model.mid[-1].register_forward_hook(record))
    x, logsnr, text, mask, pooled = _inputs(SMALL, 2, 8, 16, 16)
    out = model(x, logsnr, text, mask, pooled)
    for h in hooks:
        h.remove()
    assert out.shape == (2, 3, 8, 16, 16)
    # T, H and W halve together from level to level.
    assert seen == [(8, 16, 16), (4, 8, 8), (2, 4, 4), (2, 4, 4)]


def test_level_may_keep_time():
    cfg = STUNetConfig(channels=(8, 16, 32), temporal_down=(False, True), heads=2)
    model = STUNet(cfg).eval()
    assert cfg.temporal_factor == 2
    x, logsnr, text, mask, pooled = _inputs(cfg, 1, 6, 16, 16)
    assert model(x, logsnr, text, mask, pooled).shape == (1, 3, 6, 16, 16)


def test_bad_frame_count_names_valid_counts():
    model = STUNet(SMALL)
    x, logsnr, text, mask, pooled = _inputs(SMALL, 1, 6, 16, 16)
    with pytest.raises(ValueError, match=r"multiple of 4.*4, 8, 12"):
        model(x, logsnr, text, mask, pooled)
    with pytest.raises(ValueError, match="multiples of 4"):
        model.check_shape(8, 18, 16)


def test_text_changes_the_output():
    torch.manual_seed(0)
    model = STUNet(SMALL).eval()
    _randomise_image_layers(model)
    x, logsnr, text, mask, pooled = _inputs(SMALL, 1, 4, 16, 16)
    a = model(x, logsnr, text, mask, pooled)
    b = model(x, logsnr, -text, mask, -pooled)
    assert (a - b).abs().max() > 1e-3


def test_grown_model_loads_plain_weights_and_computes_the_same():
    torch.manual_seed(0)
    plain = STUNet(SMALL).eval()
    _randomise_image_layers(plain)
    options = {"temporal_text": True, "spatial_positions": True}
    grown = STUNet(STUNetConfig(**{**SMALL.to_dict(), **options})).eval()
    fresh = grown.load_grown(plain.state_dict())
    assert any(".text_attn." in n for n in fresh) and any(".positions." in n for n in fresh)
    assert all(any(k in n for k in (".text_attn.", ".norm_text.", ".positions.")) for n in fresh)
    inputs = _inputs(SMALL, 1, 8, 16, 16)
    with torch.no_grad():
        assert torch.allclose(plain(*inputs), grown(*inputs), atol=1e-6)
    broken = {k: v for k, v in plain.state_dict().items() if not k.startswith("conv_in")}
    with pytest.raises(ValueError, match="conv_in"):
        grown.load_grown(broken)


def test_noise_level_on_the_cpu_reaches_a_model_on_another_device():
    # Samplers keep noise levels on the CPU ("meta" stands in for a GPU: it checks devices).
    model = STUNet(SMALL).to("meta")
    x, logsnr, text, mask, pooled = _inputs(SMALL, 1, 8, 16, 16)
    out = model(x.to("meta"), logsnr, text.to("meta"), mask.to("meta"), pooled.to("meta"))
    assert out.device.type == "meta" and out.shape == (1, SMALL.out_channels, 8, 16, 16)
