"""The conditioning each task gives the one conditional STUNet (DESIGN.md, "One conditional
model serves several tasks"): a masked conditioning video and a binary mask, 1 where pixels are
known and kept.

Videos are float tensors in [-1, 1], shaped (3, T, H, W); masks are (1, T, H, W) in {0, 1}.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Conditioning:
    video: torch.Tensor  # (3, T, H, W), the known pixels (anything where mask == 0)
    mask: torch.Tensor  # (1, T, H, W), 1 = known / kept

    def model_channels(self, frames: slice | torch.Tensor = slice(None)) -> torch.Tensor:
        """The 4 extra input channels of the given frames (all by default): masked video (3)
        and mask (1). Samplers ask per window, so no clip-sized copy is kept."""
        video, mask = self.video[:, frames], self.mask[:, frames]
        return torch.cat([video * mask, mask], dim=0)


def text_to_video(frames: int, height: int, width: int) -> Conditioning:
    return Conditioning(
        torch.zeros(3, frames, height, width), torch.zeros(1, frames, height, width)
    )


def image_to_video(image: torch.Tensor, frames: int) -> Conditioning:
    """image: (3, H, W). Frame 0 is the image; the rest is generated."""
    _, h, w = image.shape
    video = torch.zeros(3, frames, h, w)
    video[:, 0] = image
    mask = torch.zeros(1, frames, h, w)
    mask[:, 0] = 1.0
    return Conditioning(video, mask)


def inpainting(video: torch.Tensor, region: torch.Tensor) -> Conditioning:
    """region: (1, T, H, W) or (1, H, W), 1 where pixels are replaced. The rest is kept."""
    if region.ndim == 3:
        region = region[:, None].expand(1, video.shape[1], *region.shape[1:])
    return Conditioning(video, 1.0 - region.float())


def cinemagraph(image: torch.Tensor, region: torch.Tensor, frames: int) -> Conditioning:
    """image: (3, H, W); region: (1, H, W), 1 where the still is animated. Frame 0 is the whole
    still; on every other frame the still is kept outside the region."""
    _, h, w = image.shape
    video = image[:, None].expand(3, frames, h, w).clone()
    mask = (1.0 - region.float())[:, None].expand(1, frames, h, w).clone()
    mask[:, 0] = 1.0
    return Conditioning(video, mask)
