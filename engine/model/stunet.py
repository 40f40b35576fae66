"""Space-Time U-Net (Lumiere, Fig. 4).

A text-to-image U-Net inflated for video: each spatial downsampling is paired with a temporal
one (configurable per level), the finer levels get factorised space-time convolution blocks and
the coarsest level gets temporal attention after its spatial attention. The input is the noisy
video (3 channels) + the masked conditioning video (3) + the mask (1), so one network serves
text-to-video, image-to-video, inpainting and cinemagraphs.

``forward(..., spatial_only=True)`` skips every temporal layer: that is the image U-Net run on
each frame independently, which a freshly inflated model reproduces exactly.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.model.attention import SpatialTransformer, TemporalTransformer
from engine.model.blocks import (
    ResBlock2D,
    SpaceTimeConvBlock,
    SpatialDownsample,
    SpatialUpsample,
    TemporalDownsample,
    TemporalUpsample,
    frame_conv,
    group_norm,
    per_frame,
    timestep_embedding,
)
from engine.model.config import STUNetConfig

__all__ = ["STUNet", "STUNetConfig", "GROWN_BRANCHES"]

# Optional branches that start as identities: weights saved without them load into a model
# that has them (STUNet.load_grown).
GROWN_BRANCHES = (".text_attn.", ".norm_text.", ".positions.")


def _valid_counts(factor: int, n: int = 6) -> str:
    return ", ".join(str(factor * k) for k in range(1, n + 1)) + ", ..."


class STUNet(nn.Module):
    def __init__(self, config: STUNetConfig):
        super().__init__()
        self.config = config
        ch = config.channels
        emb_dim = ch[0] * 4
        self.emb_dim = emb_dim
        self.time_mlp = nn.Sequential(
            nn.Linear(ch[0], emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim)
        )
        self.text_pool = nn.Linear(config.context_dim, emb_dim)
        self.conv_in = nn.Conv2d(config.in_channels, ch[0], 3, padding=1)

        last = len(ch) - 1
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skip_channels: list[int] = []
        current = ch[0]
        for level, width in enumerate(ch):
            blocks = nn.ModuleList()
            for _ in range(config.res_blocks):
                blocks.append(self._stage(current, width, level == last))
                current = width
                skip_channels.append(width)
            self.down.append(blocks)
            if level < last:
                resize: list[nn.Module] = [SpatialDownsample(width)]
                if config.temporal_down[level]:
                    resize.append(TemporalDownsample(width))
                self.downsample.append(nn.ModuleList(resize))

        self.mid = self._stage(current, current, True)

        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for level in reversed(range(len(ch))):
            width = ch[level]
            blocks = nn.ModuleList()
            for _ in range(config.res_blocks):
                blocks.append(self._stage(current + skip_channels.pop(), width, level == last))
                current = width
            self.up.append(blocks)
            if level > 0:
                resize = [SpatialUpsample(width)]
                if config.temporal_down[level - 1]:
                    resize.append(TemporalUpsample(width))
                self.upsample.append(nn.ModuleList(resize))

        self.head = nn.Sequential(
            group_norm(current), nn.SiLU(), nn.Conv2d(current, config.out_channels, 3, padding=1)
        )

    def _stage(self, in_ch: int, out_ch: int, coarsest: bool) -> nn.ModuleList:
        """One U-Net stage: the image ResBlock, then its inflation (conv block on fine levels,
        spatial + text attention and temporal attention on the coarsest)."""
        cfg = self.config
        layers: list[nn.Module] = [ResBlock2D(in_ch, out_ch, self.emb_dim, cfg.dropout)]
        if coarsest:
            layers.append(
                SpatialTransformer(out_ch, cfg.heads, cfg.context_dim, cfg.spatial_positions)
            )
            prompt_dim = cfg.context_dim if cfg.temporal_text else None
            layers += [
                TemporalTransformer(out_ch, cfg.heads, prompt_dim)
                for _ in range(cfg.temporal_attention_blocks)
            ]
        else:
            layers.append(SpaceTimeConvBlock(out_ch))
        return nn.ModuleList(layers)

    def check_shape(self, frames: int | None, height: int, width: int) -> None:
        """Raise a ValueError naming the valid sizes if the model cannot take this input."""
        tf, sf = self.config.temporal_factor, self.config.spatial_factor
        if frames is not None and (frames < 1 or frames % tf):
            raise ValueError(
                f"this model takes a frame count that is a multiple of {tf} "
                f"(valid: {_valid_counts(tf)}); got {frames}"
            )
        if height % sf or width % sf:
            raise ValueError(
                f"this model takes a height and width that are multiples of {sf}; "
                f"got {width}x{height}"
            )

    def _run_stage(
        self,
        stage: nn.Module,
        h: torch.Tensor,
        emb: torch.Tensor,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        spatial_only: bool,
    ) -> torch.Tensor:
        for layer in stage.children():
            if spatial_only and getattr(layer, "is_temporal", False):
                continue
            if isinstance(layer, ResBlock2D):
                h = layer(h, emb)
            elif isinstance(layer, SpatialTransformer | TemporalTransformer):
                h = layer(h, text, text_mask)
            else:
                h = layer(h)
        return h

    def _resize(self, layers: nn.Module, h: torch.Tensor, spatial_only: bool) -> torch.Tensor:
        for layer in layers.children():
            if not (spatial_only and getattr(layer, "is_temporal", False)):
                h = layer(h)
        return h

    def forward(
        self,
        x: torch.Tensor,
        logsnr: torch.Tensor,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        text_pooled: torch.Tensor,
        spatial_only: bool = False,
    ) -> torch.Tensor:
        """x: (b, in_channels, t, h, w); logsnr: (b,); text: (b, L, context_dim);
        text_mask: (b, L) with 1 for real tokens; text_pooled: (b, context_dim)."""
        _, _, t, hgt, wid = x.shape
        self.check_shape(None if spatial_only else t, hgt, wid)
        # Samplers keep their time grid on the CPU: fine for elementwise maths with a scalar,
        # not as a layer's input on an accelerator.
        logsnr = logsnr.to(x.device)
        emb = self.time_mlp(timestep_embedding(logsnr, self.config.channels[0]).to(x.dtype))
        emb = emb + self.text_pool(text_pooled)

        h = frame_conv(self.conv_in, x)
        skips = []
        # children(), not iteration: torch types a ModuleList's items as Module, and these
        # items are ModuleLists themselves (same modules, same order).
        for level, blocks in enumerate(self.down):
            for stage in blocks.children():
                h = self._run_stage(stage, h, emb, text, text_mask, spatial_only)
                skips.append(h)
            if level < len(self.downsample):
                h = self._resize(self.downsample[level], h, spatial_only)
        h = self._run_stage(self.mid, h, emb, text, text_mask, spatial_only)
        for i, blocks in enumerate(self.up):
            for stage in blocks.children():
                h = self._run_stage(
                    stage, torch.cat([h, skips.pop()], dim=1), emb, text, text_mask, spatial_only
                )
            if i < len(self.upsample):
                h = self._resize(self.upsample[i], h, spatial_only)
        return per_frame(self.head, h)

    def load_grown(self, state: dict[str, torch.Tensor]) -> list[str]:
        """Load weights saved by a model without the optional branches (`temporal_text`,
        `spatial_positions`); those keep their identity start, so the grown model computes
        exactly what the saved one did. Returns the names started fresh;
        any other missing or unexpected name is an error."""
        missing, unexpected = self.load_state_dict(state, strict=False)
        grown = [n for n in missing if any(k in n for k in GROWN_BRANCHES)]
        if unexpected or len(grown) != len(missing):
            others = [n for n in missing if n not in grown]
            raise ValueError(
                f"weights do not match this model: missing {others[:5]}, "
                f"unexpected {unexpected[:5]}"
            )
        return grown

    def temporal_parameters(self) -> list[str]:
        """Names of the parameters that belong to inflation (temporal) layers."""
        names = []
        for mod_name, module in self.named_modules():
            if getattr(module, "is_temporal", False):
                names += [f"{mod_name}.{p}" for p, _ in module.named_parameters()]
        return names
