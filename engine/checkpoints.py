"""Model folders: find, describe, load and save them. Weights are safetensors only.

A model folder holds `config.json`, the base model's `*.safetensors`, optionally a spatial
super-resolution (SSR) model and style weights, and names its text encoder (a folder inside,
or an installed package that ships one). Pickle files (.pt, .ckpt, .bin, .pth, .pkl) are never
loaded: they can run arbitrary code.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from platformdirs import user_data_dir

from engine.diffusion.schedule import ScheduleConfig
from engine.model.stunet import STUNet, STUNetConfig
from engine.tempfiles import atomic_write_bytes, create_temp_beside

FORMAT = "lumiere-studio-model"
FORMAT_VERSION = 1
PICKLE_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".pkl", ".pickle")
DEFAULT_MODEL = "lumiere-mini"
REPO_ROOT = Path(__file__).resolve().parent.parent


class ModelError(Exception):
    """A model folder is missing, malformed or unsafe; the message says what to do."""


class PickleRefused(ModelError):
    pass


def model_search_paths() -> list[Path]:
    paths = []
    if os.environ.get("LUMIERE_STUDIO_MODELS"):
        paths += [Path(p) for p in os.environ["LUMIERE_STUDIO_MODELS"].split(os.pathsep) if p]
    paths.append(REPO_ROOT / "resources" / "models")
    paths.append(Path(user_data_dir("lumiere-studio", appauthor=False)) / "models")
    return paths


@dataclass
class StageInfo:
    config: STUNetConfig
    weights: str
    schedule: ScheduleConfig
    extra: dict = field(default_factory=dict)


@dataclass
class ModelInfo:
    name: str
    path: Path
    raw: dict
    base: StageInfo
    ssr: StageInfo | None
    text_encoder: dict
    native_frames: int
    native_height: int
    native_width: int
    native_fps: int
    styles: dict[str, str]

    @property
    def ssr_scale(self) -> int:
        return int(self.ssr.extra.get("scale", 4)) if self.ssr else 1

    def summary(self) -> str:
        ssr = f", SSR x{self.ssr_scale}" if self.ssr else ", no SSR"
        styles = f", styles: {', '.join(sorted(self.styles))}" if self.styles else ""
        return (
            f"{self.name}: {self.native_frames} frames at {self.native_width}x"
            f"{self.native_height}, {self.native_fps} fps{ssr}{styles} ({self.path})"
        )


def refuse_pickle(path: Path) -> None:
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise PickleRefused(
            f"{path.name} is a pickle checkpoint; Lumiere Studio loads weights only from "
            f".safetensors files because pickles can run code when loaded. Convert it with "
            f"safetensors.torch.save_file on a machine you trust."
        )


def _stage(raw: dict, key: str) -> StageInfo | None:
    entry = raw.get(key)
    if entry is None:
        return None
    try:
        return StageInfo(
            config=STUNetConfig.from_dict(entry["config"]),
            weights=entry["weights"],
            schedule=ScheduleConfig(**entry.get("schedule", {})),
            extra={k: v for k, v in entry.items() if k not in ("config", "weights", "schedule")},
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"config.json: the '{key}' entry is malformed: {e}") from e


def read_model_info(path: Path) -> ModelInfo:
    path = Path(path)
    if path.is_file():
        refuse_pickle(path)
        raise ModelError(f"{path} is a file; a model is a folder with config.json")
    cfg_path = path / "config.json"
    if not cfg_path.is_file():
        pickles = [p.name for p in path.glob("*") if p.suffix.lower() in PICKLE_SUFFIXES]
        hint = f" (it holds pickle files {pickles}, which are refused)" if pickles else ""
        raise ModelError(f"{path} is not a model folder: no config.json{hint}")
    try:
        raw = json.loads(cfg_path.read_text())
    except json.JSONDecodeError as e:
        raise ModelError(f"{cfg_path} is not valid JSON: {e}") from e
    if raw.get("format") != FORMAT:
        raise ModelError(f"{cfg_path}: format is {raw.get('format')!r}, expected {FORMAT!r}")
    if int(raw.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelError(
            f"{cfg_path}: made by a newer Lumiere Studio (format {raw['format_version']})"
        )
    base = _stage(raw, "base")
    if base is None:
        raise ModelError(f"{cfg_path} has no 'base' model entry")
    native = raw.get("native", {})
    styles = dict(raw.get("styles", {}))
    return ModelInfo(
        name=raw.get("name", path.name),
        path=path,
        raw=raw,
        base=base,
        ssr=_stage(raw, "ssr"),
        text_encoder=raw.get("text_encoder", {}),
        native_frames=int(native.get("frames", 16)),
        native_height=int(native.get("height", 32)),
        native_width=int(native.get("width", 32)),
        native_fps=int(native.get("fps", 8)),
        styles=styles,
    )


def list_models() -> list[ModelInfo]:
    found: dict[str, ModelInfo] = {}
    for root in model_search_paths():
        if not root.is_dir():
            continue
        for sub in sorted(root.iterdir()):
            if (sub / "config.json").is_file() and sub.name not in found:
                try:
                    found[sub.name] = read_model_info(sub)
                except ModelError:
                    continue
    return list(found.values())


def find_model(name_or_dir: str | None) -> Path:
    """A model by folder path or by name in the search paths (None: the default model)."""
    name = name_or_dir or DEFAULT_MODEL
    as_path = Path(name).expanduser()
    if as_path.exists():
        refuse_pickle(as_path)
        return as_path
    for root in model_search_paths():
        if (root / name / "config.json").is_file():
            return root / name
    searched = ", ".join(str(p) for p in model_search_paths())
    raise ModelError(f"model {name!r} not found (searched: {searched})")


def load_safetensors(path: Path, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    refuse_pickle(path)
    if path.suffix != ".safetensors":
        raise ModelError(f"{path.name}: weights must be .safetensors")
    if not path.is_file():
        raise ModelError(f"weights file {path} is missing")
    try:
        return load_file(str(path), device=str(device))
    except Exception as e:  # safetensors raises its own error types for truncated files
        raise ModelError(f"{path.name} could not be read (truncated or corrupt?): {e}") from e


def load_stage(info: ModelInfo, stage: StageInfo) -> STUNet:
    model = STUNet(stage.config)
    state = load_safetensors(info.path / stage.weights)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ModelError(
            f"{stage.weights} does not match its config: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}"
        )
    return model.eval().requires_grad_(False)


def atomic_save_safetensors(tensors: dict[str, torch.Tensor], path: Path, meta=None) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = create_temp_beside(path, f".{path.name}.")
    try:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, tmp, meta)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def weights_hash(info: ModelInfo) -> str:
    """SHA-256 over the model's weight files, for provenance labels."""
    digest = hashlib.sha256()
    files = [info.base.weights] + ([info.ssr.weights] if info.ssr else [])
    for name in files:
        with open(info.path / name, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
