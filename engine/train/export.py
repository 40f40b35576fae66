"""Turn training runs into a model folder the app and the CLI load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from engine.checkpoints import FORMAT, FORMAT_VERSION, atomic_write_text, read_model_info


def _run_state(run: Path) -> dict:
    state_path = run / "checkpoint" / "state.json"
    if not state_path.is_file():
        raise FileNotFoundError(f"{run} has no finished checkpoint (checkpoint/state.json)")
    return json.loads(state_path.read_text())


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
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(base_run / "checkpoint" / "ema.safetensors", out / "base.safetensors")
    cfg = base["train_config"]
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "description": description,
        "native": {"frames": cfg["frames"], "height": cfg["size"], "width": cfg["size"], "fps": fps},
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
        config["ssr"] = {
            "config": ssr["model_config"],
            "weights": "ssr.safetensors",
            "schedule": ssr["schedule"],
            "scale": scfg["ssr_scale"],
            "window": scfg["frames"],
            "trained_steps": ssr["step"],
        }
    existing = out / "config.json"
    if existing.is_file():  # keep styles registered by earlier fine-tunes
        config["styles"] = json.loads(existing.read_text()).get("styles", {})
    atomic_write_text(existing, json.dumps(config, indent=1))
    read_model_info(out)  # validate what was written
    return out
