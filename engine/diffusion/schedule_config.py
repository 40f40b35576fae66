"""The noise schedule's settings as plain data (a model folder's config.json holds them); the
schedule itself is engine/diffusion/schedule.py. No torch, so model folders list without it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PREDICTIONS = ("v", "eps", "x0")


@dataclass
class ScheduleConfig:
    prediction: str = "v"
    # The cosine schedule is defined at `reference_size`; bigger frames get a noisier
    # schedule (log-SNR shifted by 2 * log(reference / size), Hoogeboom et al. 2023).
    reference_size: float = 32
    logsnr_min: float = -15.0
    logsnr_max: float = 15.0

    def __post_init__(self) -> None:
        if self.prediction not in PREDICTIONS:
            raise ValueError(f"prediction must be one of {PREDICTIONS}, got {self.prediction!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
