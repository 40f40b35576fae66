"""Styles: fine-tuned spatial weights blended with the base model's at load time,
W = a * W_style + (1 - a) * W_base (a = the style strength). A style file holds only the
spatial tensors it changed; temporal layers always come from the base model, so a style
changes the look and keeps the motion."""

from __future__ import annotations

import copy
from pathlib import Path

import torch

from engine.checkpoints import ModelError, ModelInfo, load_safetensors
from engine.jobs import JobError
from engine.model.stunet import STUNet
from engine.model_checks import UnsafeModel, confined, safetensors_header


def style_path(info: ModelInfo, name: str) -> Path:
    if name not in info.styles:
        have = ", ".join(sorted(info.styles)) or "none"
        raise JobError(f"model {info.name} has no style {name!r} (styles: {have})", field="style")
    try:  # checked again here: the folder may have changed since it was listed
        return confined(info.path, info.styles[name], f"style {name!r}")
    except UnsafeModel as e:
        raise ModelError(str(e)) from e


def load_style_tensors(info: ModelInfo, name: str, base: STUNet) -> dict[str, torch.Tensor]:
    """A style's tensors, checked against the base model: same names and shapes, and none of
    them temporal."""
    path = style_path(info, name)
    own = base.state_dict()
    try:  # names and shapes from the header first: nothing is read that does not fit
        header = safetensors_header(path)
    except UnsafeModel as e:
        raise ModelError(f"style {name!r}: {e}") from e
    for key, (_dtype, shape) in header.items():
        if key not in own or tuple(own[key].shape) != shape:
            raise ModelError(f"style {name!r} does not fit model {info.name}: tensor {key}")
    tensors = load_safetensors(path)
    temporal = set(base.temporal_parameters())
    for key, value in tensors.items():
        if key not in own or own[key].shape != value.shape:
            raise ModelError(f"style {name!r} does not fit model {info.name}: tensor {key}")
        if key in temporal:
            raise ModelError(f"style {name!r} changes temporal layer {key}; styles are spatial")
    return tensors


def blend_model(base: STUNet, style: dict[str, torch.Tensor], strength: float) -> STUNet:
    """A copy of `base` with W = a * W_style + (1 - a) * W_base for each style tensor.
    a = 0 returns `base` itself, so the output is the base output exactly."""
    if not 0.0 <= strength <= 1.0:
        raise JobError(
            f"style strength must be between 0 and 1, got {strength}", field="style_strength"
        )
    if strength == 0.0:
        return base
    blended = copy.deepcopy(base)
    params = blended.state_dict()
    with torch.no_grad():
        for key, w_style in style.items():
            w_base = params[key]
            params[key].copy_(torch.lerp(w_base, w_style.to(w_base.device, w_base.dtype), strength))
    return blended.eval().requires_grad_(False)
