"""Fitting inputs of any size and aspect to the model's frame, and mapping results back.

- `PadFit`: pad to another aspect with edge pixels (kept, never generated), then resize.
  Every input pixel is seen by the model, so what is generated maps back onto the input's own
  frame. Region tasks use it for a context box that the frame is too small to hold; whole-frame
  tasks for the few pixels between the output's aspect and the sampled grid's.
- `crop_box`: the centred box of another aspect, for a source cropped to an asked size.

Videos here are float tensors (C, T, H, W); sizes are (height, width).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.tensors import resize


@dataclass(frozen=True)
class PadFit:
    """Input (h, w) padded to (ph, pw) at offset (top, left), then resized to the model."""

    h: int
    w: int
    ph: int
    pw: int
    top: int
    left: int
    model_h: int
    model_w: int

    @classmethod
    def plan(cls, h: int, w: int, model_h: int, model_w: int) -> PadFit:
        if w * model_h > h * model_w:  # wider than the model: pad top and bottom
            ph, pw = max(h, round(w * model_h / model_w)), w
        else:
            ph, pw = h, max(w, round(h * model_w / model_h))
        return cls(h, w, ph, pw, (ph - h) // 2, (pw - w) // 2, model_h, model_w)

    @property
    def padded(self) -> bool:
        return (self.ph, self.pw) != (self.h, self.w)

    def _pad(self, video: torch.Tensor, mode: str) -> torch.Tensor:
        if not self.padded:
            return video
        bottom, right = self.ph - self.h - self.top, self.pw - self.w - self.left
        pads = (self.left, right, self.top, bottom)
        frames = video.permute(1, 0, 2, 3)
        if mode == "replicate":
            out = F.pad(frames, pads, mode="replicate")
        else:
            out = F.pad(frames, pads, value=0.0)
        return out.permute(1, 0, 2, 3)

    def video_to_model(self, video: torch.Tensor) -> torch.Tensor:
        return resize(self._pad(video, "replicate"), self.model_h, self.model_w)

    def region_to_model(self, region: torch.Tensor) -> torch.Tensor:
        """(1, T, H, W) in {0, 1}: a model pixel is in the region if any input pixel under it
        is (so the region at the model's size always covers the painted one)."""
        padded = self._pad(region.float(), "zero")
        frames = padded.permute(1, 0, 2, 3)
        small = F.interpolate(frames, size=(self.model_h, self.model_w), mode="area")
        return (small > 0).float().permute(1, 0, 2, 3)

    def from_padded(self, video: torch.Tensor) -> torch.Tensor:
        """A video at the padded size (any channel count) cropped back to the input's frame."""
        return video[..., self.top : self.top + self.h, self.left : self.left + self.w]

    def note(self) -> str:
        how = f"padded to {self.pw}x{self.ph} with edge pixels, " if self.padded else ""
        return (
            f"input {self.w}x{self.h} {how}resized to {self.model_w}x{self.model_h} for the "
            f"model; the result is mapped back to {self.w}x{self.h}"
        )


def crop_box(h: int, w: int, out_h: int, out_w: int) -> tuple[int, int, int, int]:
    """(top, left, height, width) of the largest centred box of the output's aspect."""
    if w * out_h > h * out_w:
        cw = max(1, round(h * out_w / out_h))
        return 0, (w - cw) // 2, h, cw
    ch = max(1, round(w * out_h / out_w))
    return (h - ch) // 2, 0, ch, w
