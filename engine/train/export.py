"""Turn training runs into a model folder the app and the CLI load."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from engine.checkpoints import FORMAT, FORMAT_VERSION, atomic_write_text, read_model_info
from engine.tempfiles import (
    create_temp_dir_beside,
    explain_full_disk,
    recover_folder_swaps,
    replace_folder,
    sweep_stale_temps,
)


def _run_state(run: Path) -> dict[str, Any]:
    state_path = run / "checkpoint" / "state.json"
    if not state_path.is_file():
        raise FileNotFoundError(f"{run} has no finished checkpoint (checkpoint/state.json)")
    state: dict[str, Any] = json.loads(state_path.read_text())
    return state


def _staging_folder(out: Path) -> Path:
    """A hidden folder beside `out` holding (hard links to) what `out` has besides the files
    an export writes (styles, notes), so that swapping it in keeps them."""
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_folder_swaps(out)
    sweep_stale_temps(out, ".tmp")
    staging = create_temp_dir_beside(out, f".{out.name}.{os.getpid()}-")
    for entry in sorted(out.iterdir()) if out.is_dir() else []:
        if entry.name in ("config.json", "base.safetensors", "ssr.safetensors"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, staging / entry.name, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, staging / entry.name)
    return staging


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def export_model(
    base_run: Path,
    out: Path,
    name: str,
    ssr_run: Path | None = None,
    fps: int = 8,
    description: str = "",
    reproduce: str = "",
) -> Path:
    """Write `out/` with config.json, base.safetensors (EMA weights) and, if given,
    ssr.safetensors. The text encoder is referenced, not copied."""
    base = _run_state(base_run)
    final, out = out, _staging_folder(out)
    try:
        shutil.copyfile(base_run / "checkpoint" / "ema.safetensors", out / "base.safetensors")
    except OSError as e:
        shutil.rmtree(out, ignore_errors=True)
        raise explain_full_disk(
            e,
            final.parent,
            (base_run / "checkpoint" / "ema.safetensors").stat().st_size,
            final.name,
        ) from e
    cfg = base["train_config"]
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "description": description,
        "native": {
            "frames": cfg["frames"],
            "height": cfg["size"],
            "width": cfg["size"],
            "fps": fps,
        },
        "text_encoder": cfg["text_encoder"],
        "base": {
            "config": base["model_config"],
            "weights": "base.safetensors",
            "schedule": base["schedule"],
            "trained_steps": base["step"],
            "batch_size": cfg["batch_size"],
            "held_out": cfg.get("held_out", []),
        },
        "reproduce": reproduce,
    }
    if ssr_run is not None:
        ssr = _run_state(ssr_run)
        shutil.copyfile(ssr_run / "checkpoint" / "ema.safetensors", out / "ssr.safetensors")
        scfg = ssr["train_config"]
        schedule = dict(ssr["schedule"])
        if scfg.get("crop"):
            # Trained on crops, run on whole frames: scale the reference size so the engine's
            # resolution shift at the full size gives the noise levels the model trained with.
            schedule["reference_size"] = schedule["reference_size"] * scfg["size"] / scfg["crop"]
        config["ssr"] = {
            "config": ssr["model_config"],
            "weights": "ssr.safetensors",
            "schedule": schedule,
            "scale": scfg["ssr_scale"],
            "window": scfg["frames"],
            "trained_steps": ssr["step"],
        }
    existing = final / "config.json"
    if existing.is_file():  # keep styles registered by earlier fine-tunes
        config["styles"] = json.loads(existing.read_text()).get("styles", {})
    try:
        atomic_write_text(out / "config.json", json.dumps(config, indent=1))
        read_model_info(out)  # validate what was written
        replace_folder(out, final)  # all files at once: never new weights under an old config
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return final


def write_untrained_model(
    out: Path,
    name: str,
    base_config: dict[str, Any],
    frames: int,
    size: int,
    ssr_config: dict[str, Any] | None = None,
    ssr_scale: int = 2,
    ssr_window: int = 8,
    fps: int = 8,
    seed: int = 0,
    text_encoder: dict[str, Any] | None = None,
) -> Path:
    """A model folder with freshly initialised weights: for tests, benchmarks and as the start
    of a training run on another machine. Its output is noise-like, not a picture."""
    import torch

    from engine.checkpoints import atomic_save_safetensors
    from engine.model.stunet import STUNet, STUNetConfig
    from engine.train.loop import DEFAULT_TEXT_ENCODER

    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    base = STUNet(STUNetConfig.from_dict(base_config))
    atomic_save_safetensors(base.state_dict(), out / "base.safetensors")
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "description": "untrained (random weights)",
        "native": {"frames": frames, "height": size, "width": size, "fps": fps},
        "text_encoder": text_encoder or dict(DEFAULT_TEXT_ENCODER),
        "base": {"config": base.config.to_dict(), "weights": "base.safetensors", "schedule": {}},
    }
    if ssr_config is not None:
        ssr = STUNet(STUNetConfig.from_dict(ssr_config))
        atomic_save_safetensors(ssr.state_dict(), out / "ssr.safetensors")
        config["ssr"] = {
            "config": ssr.config.to_dict(),
            "weights": "ssr.safetensors",
            "schedule": {},
            "scale": ssr_scale,
            "window": ssr_window,
        }
    atomic_write_text(out / "config.json", json.dumps(config, indent=1))
    read_model_info(out)
    return out
