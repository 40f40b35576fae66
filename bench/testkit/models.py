"""The small untrained model configs the tests and the benches build: they check plumbing,
durability and speed, not pictures, so the smallest STUNet that runs every path will do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TINY_BASE: dict[str, Any] = {
    "in_channels": 7,
    "out_channels": 3,
    "channels": [8, 16, 32],
    "temporal_down": [True, True],
    "res_blocks": 1,
    "temporal_attention_blocks": 1,
    "heads": 2,
    "context_dim": 384,
}
TINY_SSR: dict[str, Any] = {
    "in_channels": 6,
    "out_channels": 3,
    "channels": [8, 16],
    "temporal_down": [False],
    "res_blocks": 1,
    "temporal_attention_blocks": 1,
    "heads": 2,
    "context_dim": 384,
}


def tiny_model(folder: Path, name: str = "tiny", **options: Any) -> Path:
    """An untrained base model (8 frames at 16x16 unless `options` say otherwise) in `folder`;
    `options` go to engine.train.export.write_untrained_model (base=, ssr_config=, seed=...)."""
    from engine.train.export import write_untrained_model

    base = options.pop("base", TINY_BASE)
    settings = {"frames": 8, "size": 16} | options
    return write_untrained_model(folder, name, base, **settings)
