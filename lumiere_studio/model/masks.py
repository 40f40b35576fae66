"""Masks painted over the viewer: uint8 (H, W), 255 = white = the region to change.

Brush dabs have a size and a hardness (hard core, linear falloff to the edge). Each edit
returns the changed rectangle's old pixels so undo can restore exactly that patch.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

MAX_MASK_SIDE = 16384  # as engine.project_schema.MAX_SIDE: no media is larger
Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


@dataclass
class Patch:
    rect: Rect
    before: np.ndarray
    after: np.ndarray


class Mask:
    def __init__(self, pixels: np.ndarray) -> None:
        if pixels.ndim != 2 or pixels.dtype != np.uint8:
            raise ValueError(f"mask must be uint8 (H, W), got {pixels.dtype} {pixels.shape}")
        self.pixels = pixels

    @property
    def size(self) -> tuple[int, int]:
        return self.pixels.shape[1], self.pixels.shape[0]

    def any(self) -> bool:
        return bool((self.pixels >= 128).any())

    def copy_rect(self, rect: Rect) -> np.ndarray:
        x0, y0, x1, y1 = rect
        return self.pixels[y0:y1, x0:x1].copy()

    def put_rect(self, rect: Rect, data: np.ndarray) -> None:
        x0, y0, x1, y1 = rect
        self.pixels[y0:y1, x0:x1] = data

    def full_rect(self) -> Rect:
        return (0, 0, self.size[0], self.size[1])

    def stroke_rect(self, points: list[tuple[float, float]], radius: float) -> Rect:
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        w, h = self.size
        r = int(np.ceil(radius)) + 1
        return (
            max(0, int(min(xs)) - r),
            max(0, int(min(ys)) - r),
            min(w, int(max(xs)) + r + 1),
            min(h, int(max(ys)) + r + 1),
        )

    def dab(self, x: float, y: float, radius: float, hardness: float, erase: bool) -> None:
        """One round brush dab: full strength inside hardness*radius, fading to the edge."""
        radius = max(0.5, radius)
        w, h = self.size
        x0, x1 = max(0, int(x - radius - 1)), min(w, int(x + radius + 2))
        y0, y1 = max(0, int(y - radius - 1)), min(h, int(y + radius + 2))
        if x0 >= x1 or y0 >= y1:
            return
        yy, xx = np.mgrid[y0:y1, x0:x1]
        dist = np.hypot(xx + 0.5 - x, yy + 0.5 - y)
        core = radius * float(np.clip(hardness, 0.0, 1.0))
        falloff = max(radius - core, 1e-6)
        strength = np.clip((radius - dist) / falloff, 0.0, 1.0)
        strength[dist <= core] = 1.0
        amount = (strength * 255).astype(np.uint8)
        region = self.pixels[y0:y1, x0:x1]
        if erase:
            np.minimum(region, 255 - amount, out=region)
        else:
            np.maximum(region, amount, out=region)

    def stroke(
        self, points: list[tuple[float, float]], radius: float, hardness: float, erase: bool
    ) -> None:
        """Dabs along the polyline, spaced a quarter radius apart so the line is solid."""
        if not points:
            return
        self.dab(*points[0], radius, hardness, erase)
        step = max(1.0, radius / 4)
        for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
            n = max(1, int(np.hypot(bx - ax, by - ay) / step))
            for i in range(1, n + 1):
                t = i / n
                self.dab(ax + (bx - ax) * t, ay + (by - ay) * t, radius, hardness, erase)

    def invert(self) -> None:
        np.subtract(255, self.pixels, out=self.pixels)

    def clear(self) -> None:
        self.pixels[:] = 0

    def fill(self) -> None:
        self.pixels[:] = 255

    def to_png_bytes(self) -> bytes:
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(self.pixels).save(buf, format="PNG")
        return buf.getvalue()

    @classmethod
    def from_png_bytes(cls, data: bytes) -> Mask:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as im:
                if max(im.size) > MAX_MASK_SIDE:  # read from the header, before decoding
                    raise ValueError(
                        f"a mask of {im.size[0]}x{im.size[1]} is larger than "
                        f"any media ({MAX_MASK_SIDE} pixels a side)"
                    )
                return cls(np.asarray(im.convert("L"), dtype=np.uint8).copy())
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
            raise ValueError(str(e)) from e
