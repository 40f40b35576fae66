"""A STUNet's architecture as plain data: what a model folder's config.json says of each stage.
Kept apart from the network (engine/model/stunet.py) so that listing and checking model
folders needs no torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class STUNetConfig:
    in_channels: int = 7
    out_channels: int = 3
    channels: tuple[int, ...] = (32, 64, 128)
    # One flag per transition between levels: halve the frame count there too?
    temporal_down: tuple[bool, ...] = (True, True)
    res_blocks: int = 1
    temporal_attention_blocks: int = 2
    heads: int = 4
    context_dim: int = 384
    dropout: float = 0.0
    # Temporal attention blocks also attend to the prompt (see TemporalTransformer).
    temporal_text: bool = False
    # Spatial attention blocks add each pixel's place in the frame (see SpatialTransformer).
    spatial_positions: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.channels = tuple(self.channels)
        self.temporal_down = tuple(bool(v) for v in self.temporal_down)
        if len(self.temporal_down) != len(self.channels) - 1:
            raise ValueError(
                f"temporal_down needs {len(self.channels) - 1} flags (one per level "
                f"transition), got {len(self.temporal_down)}"
            )

    @property
    def temporal_factor(self) -> int:
        return 1 << sum(self.temporal_down)

    @property
    def spatial_factor(self) -> int:
        return 1 << (len(self.channels) - 1)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["channels"] = list(self.channels)
        d["temporal_down"] = list(self.temporal_down)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> STUNetConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown STUNet config keys: {sorted(unknown)}")
        return cls(**d)
