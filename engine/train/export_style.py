"""Turn a style fine-tune run (`train --init-weights base.safetensors --trainable spatial
--style NAME`) into a style file of a model folder: `<model>/styles/<name>.safetensors` with
only the spatial tensors of the run's EMA weights, registered in config.json "styles"."""

from __future__ import annotations

import json
from pathlib import Path


def export_style(run: Path, model: Path, name: str | None = None) -> Path:
    """Write the style and register it; returns the style file's path. The run must be a
    spatial fine-tune of this model's base (same architecture)."""
    # Imported here: the CLI registers this sub-command without loading torch.
    import torch

    from engine.checkpoints import (
        ModelError,
        atomic_save_safetensors,
        atomic_write_text,
        load_safetensors,
        read_model_info,
    )
    from engine.model.stunet import STUNet

    state_path = run / "checkpoint" / "state.json"
    if not state_path.is_file():
        raise ModelError(f"{run} has no finished checkpoint (checkpoint/state.json)")
    state = json.loads(state_path.read_text())
    train_cfg = state.get("train_config", {})
    name = name or train_cfg.get("style")
    if not name:
        raise ModelError(f"{run} was not trained with --style; give the style a name (--name)")
    if "/" in name or "\\" in name or name.startswith("."):
        raise ModelError(f"style name {name!r} must be a plain name (no folders)")
    if train_cfg.get("trainable") != "spatial":
        raise ModelError(
            f"{run} fine-tuned all layers (trainable={train_cfg.get('trainable')!r}); a style "
            f"must train only spatial layers (--trainable spatial)"
        )
    info = read_model_info(model)
    if state.get("model_config") != info.base.config.to_dict():
        raise ModelError(f"{run} trained a different architecture than {model}'s base model")
    net = STUNet(info.base.config)
    temporal = set(net.temporal_parameters())
    ema = load_safetensors(run / "checkpoint" / "ema.safetensors")
    base = load_safetensors(info.path / info.base.weights)
    # Only tensors the fine-tune could change and did change: the file stays small and the
    # blend leaves every other weight bit-identical to the base.
    spatial = {
        k: v
        for k, v in ema.items()
        if k not in temporal and k in base and not torch.equal(v, base[k])
    }
    if not spatial:
        raise ModelError(f"{run}'s spatial weights equal the base model's: nothing to export")
    rel = f"styles/{name}.safetensors"
    meta = {"style": name, "trained_steps": str(state.get("step", "")), "run": str(run)}
    atomic_save_safetensors(spatial, info.path / rel, meta)
    config = json.loads((info.path / "config.json").read_text())
    config.setdefault("styles", {})[name] = rel
    atomic_write_text(info.path / "config.json", json.dumps(config, indent=1))
    read_model_info(info.path)  # validate what was written
    return info.path / rel
