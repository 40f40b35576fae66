"""Model folders: find, describe, load and save them. Weights are safetensors only.

A model folder holds `config.json`, the base model's `*.safetensors`, optionally a spatial
super-resolution (SSR) model and style weights, and names its text encoder (a folder inside,
or an installed package that ships one). Pickle files (.pt, .ckpt, .bin, .pth, .pkl) are never
loaded: they can run arbitrary code.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import model_checks as checks
from engine.diffusion.schedule_config import ScheduleConfig
from engine.errors import LumiereError
from engine.input_files import InputFileError, check_input, open_input
from engine.model.config import STUNetConfig
from engine.tempfiles import (
    atomic_write_bytes,
    create_temp_beside,
    explain_full_disk,
    replace,
    sweep_stale_temps,
)
from engine.user_paths import models_dir

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # listing and checking model folders loads no torch; loading weights does
    import torch

    from engine.model.stunet import STUNet

FORMAT = "lumiere-studio-model"
FORMAT_VERSION = 1
PICKLE_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".pkl", ".pickle")
DEFAULT_MODEL = "lumiere-mini"
REPO_ROOT = Path(__file__).resolve().parent.parent


class ModelError(LumiereError):
    """A model folder is missing, malformed or unsafe; the message says what to do."""


class PickleRefused(ModelError):
    pass


def model_search_paths() -> list[Path]:
    paths = []
    if os.environ.get("LUMIERE_STUDIO_MODELS"):
        paths += [Path(p) for p in os.environ["LUMIERE_STUDIO_MODELS"].split(os.pathsep) if p]
    paths.append(REPO_ROOT / "resources" / "models")
    paths.append(models_dir())
    return paths


@dataclass
class StageInfo:
    config: STUNetConfig
    weights: str
    schedule: ScheduleConfig
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelInfo:
    name: str
    path: Path
    raw: dict[str, Any]
    base: StageInfo
    ssr: StageInfo | None
    text_encoder: dict[str, Any]
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


def _stage(raw: dict[str, Any], key: str, folder: Path) -> StageInfo | None:
    entry = raw.get(key)
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise ModelError(f"config.json: the '{key}' entry must be an object")
    try:
        checks.check_stunet_config(entry.get("config"), key)
        refuse_pickle(checks.confined(folder, entry.get("weights"), f"{key}.weights"))
        checks.check_schedule(entry.get("schedule", {}), key)
        for name, (low, high) in (("scale", (1, 16)), ("window", (1, 1024))):
            if name in entry:
                checks.bounded_int(entry[name], f"{key}.{name}", low, high)
        return StageInfo(
            config=STUNetConfig.from_dict(entry["config"]),
            weights=entry["weights"],
            schedule=ScheduleConfig(**entry.get("schedule", {})),
            extra={k: v for k, v in entry.items() if k not in ("config", "weights", "schedule")},
        )
    except checks.UnsafeModel:
        raise
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"config.json: the '{key}' entry is malformed: {e}") from e


def read_model_info(path: Path) -> ModelInfo:
    """A model folder's config, every number bounded and every file name kept inside the
    folder (see engine.model_checks); ModelError says what is wrong."""
    path = Path(path)
    if path.is_file():
        refuse_pickle(path)
        raise ModelError(f"{path} is a file; a model is a folder with config.json")
    cfg_path = path / "config.json"
    if not (cfg_path.exists() or cfg_path.is_symlink()):  # a FIFO is refused by read_config
        pickles = [p.name for p in path.glob("*") if p.suffix.lower() in PICKLE_SUFFIXES]
        hint = f" (it holds pickle files {pickles}, which are refused)" if pickles else ""
        raise ModelError(f"{path} is not a model folder: no config.json{hint}")
    try:
        return _model_info(path, checks.read_config(cfg_path))
    except checks.UnsafeModel as e:
        raise ModelError(f"{cfg_path}: {e}") from e


def _model_info(path: Path, raw: dict[str, Any]) -> ModelInfo:
    cfg_path = path / "config.json"
    if raw.get("format") != FORMAT:
        raise ModelError(f"{cfg_path}: format is {raw.get('format')!r}, expected {FORMAT!r}")
    version = raw.get("format_version", 0)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(f"{cfg_path}: made by a newer Lumiere Studio (format {version!r})")
    base = _stage(raw, "base", path)
    if base is None:
        raise ModelError(f"{cfg_path} has no 'base' model entry")
    native = checks.check_native(raw.get("native", {}))
    styles = raw.get("styles", {})
    if not isinstance(styles, dict):
        raise ModelError(f"{cfg_path}: 'styles' must be an object")
    for style, file in styles.items():
        refuse_pickle(checks.confined(path, file, f"style {style!r}"))
    encoder = raw.get("text_encoder", {})
    if not isinstance(encoder, dict):
        raise ModelError(f"{cfg_path}: 'text_encoder' must be an object")
    name = raw.get("name", path.name)
    return ModelInfo(
        name=name if isinstance(name, str) else path.name,
        path=path,
        raw=raw,
        base=base,
        ssr=_stage(raw, "ssr", path),
        text_encoder=encoder,
        native_frames=native["frames"],
        native_height=native["height"],
        native_width=native["width"],
        native_fps=native["fps"],
        styles=dict(styles),
    )


@dataclass
class BrokenModel:
    """A model folder that could not be read, listed with the reason instead of hidden."""

    name: str
    path: Path
    reason: str


def scan_models() -> tuple[list[ModelInfo], list[BrokenModel]]:
    """Every model folder in the search paths (the first of each name wins): those that read
    and those that do not, with why. One broken folder never hides the others."""
    found: dict[str, ModelInfo | BrokenModel] = {}
    for root in model_search_paths():
        try:
            subs = sorted(root.iterdir()) if root.is_dir() else []
        except OSError:
            continue
        for sub in subs:
            if sub.name in found or not (sub / "config.json").is_file():
                continue
            try:
                found[sub.name] = read_model_info(sub)
            except Exception as e:  # noqa: BLE001 - any failure marks this folder only
                found[sub.name] = BrokenModel(sub.name, sub, str(e) or type(e).__name__)
    good = [m for m in found.values() if isinstance(m, ModelInfo)]
    return good, [m for m in found.values() if isinstance(m, BrokenModel)]


def list_models() -> list[ModelInfo]:
    return scan_models()[0]


def find_model(name_or_dir: str | None) -> Path:
    """A model by folder path or by name in the search paths (None: the default model)."""
    name = name_or_dir or DEFAULT_MODEL
    as_path = Path(name).expanduser()
    if as_path.exists():
        refuse_pickle(as_path)
        logger.debug("model %s: the folder given", as_path)
        return as_path
    for root in model_search_paths():
        if (root / name / "config.json").is_file():
            logger.debug("model %r found in %s", name, root)
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
        check_input(path, "weights")  # a FIFO or device would block or never end
    except InputFileError as e:
        raise ModelError(str(e)) from e
    try:
        return load_file(str(path), device=str(device))
    except Exception as e:  # safetensors raises its own error types for truncated files
        raise ModelError(f"{path.name} could not be read (truncated or corrupt?): {e}") from e


def expected_tensors(config: STUNetConfig) -> dict[str, tuple[int, ...]]:
    """The tensor names and shapes a config builds, without allocating them."""
    import torch

    from engine.model.stunet import STUNet

    try:
        with torch.device("meta"):
            meta = STUNet(config)
    except (ValueError, TypeError, RuntimeError) as e:
        raise ModelError(f"the model config cannot be built: {e}") from e
    shapes = {k: tuple(v.shape) for k, v in meta.state_dict().items()}
    count = sum(math.prod(s) for s in shapes.values())
    if count > checks.MAX_PARAMETERS:
        raise ModelError(
            f"the model config asks for {count} parameters (at most {checks.MAX_PARAMETERS})"
        )
    return shapes


def load_stage(info: ModelInfo, stage: StageInfo) -> STUNet:
    """Build a stage and load its weights, after checking the weights file's header against
    the config: nothing is allocated for a model its weights do not describe."""
    from engine.model.stunet import STUNet

    try:
        path = checks.confined(info.path, stage.weights, "weights")
        checks.check_weights_fit(path, expected_tensors(stage.config), "its config")
    except checks.UnsafeModel as e:
        raise ModelError(str(e)) from e
    model = STUNet(stage.config)
    state = load_safetensors(path)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ModelError(
            f"{stage.weights} does not match its config: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}"
        )
    return model.eval().requires_grad_(False)


def atomic_save_safetensors(
    tensors: dict[str, torch.Tensor], path: Path, meta: dict[str, str] | None = None
) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temps(path, ".tmp")
    tmp = create_temp_beside(path, f".{path.name}.{os.getpid()}-")
    try:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, tmp, meta)
        replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        needed = sum(v.numel() * v.element_size() for v in tensors.values())
        raise explain_full_disk(e, path.parent, needed, path.name) from e


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def weights_hash(info: ModelInfo) -> str:
    """SHA-256 over the model's weight files, for provenance labels."""
    digest = hashlib.sha256()
    files = [info.base.weights] + ([info.ssr.weights] if info.ssr else [])
    for name in files:
        with open_input(checks.confined(info.path, name, "weights"), "weights") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
