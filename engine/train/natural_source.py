"""The natural data source: for a seed, a procedural scene or a real photo put in motion
(motions.py), or a window of a real clip; deterministic per seed (photos and clips are picked
from a folder read in name order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.train.motions import NaturalClip, animate
from engine.train.natural import CANVAS_MARGIN, procedural_scene
from engine.train.photos import PhotoLibrary, clip_window, photo_scene


@dataclass
class NaturalSource:
    library: PhotoLibrary | None = None
    photo_share: float = 0.4  # share of clips made from a photo, when a library is given
    clip_share: float = 0.1  # share that is a window of a real clip, when the library has one

    def __post_init__(self) -> None:
        for name in ("photo_share", "clip_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")

    def clip(self, seed: int, frames: int, h: int, w: int) -> NaturalClip:
        rng = np.random.default_rng([seed, 0x6E61])
        u = rng.uniform()
        lib = self.library
        if lib is not None and lib.clips and u < self.clip_share:
            return clip_window(lib, rng, frames, h, w)
        canvas = (h * CANVAS_MARGIN, w * CANVAS_MARGIN)
        if lib is not None and lib.photos and u < self.clip_share + self.photo_share:
            scene = photo_scene(lib, rng, *canvas)
        else:
            scene = procedural_scene(rng, *canvas)
        return animate(scene, frames, h, w, rng)
