"""Crop-to-mask for the region tasks (inpainting, cinemagraph): only a context box around the
painted region is generated, so a 100x80 region of a 1280x720 clip is drawn from a ~128-px box
instead of from the whole frame squeezed into the model's 32x32.

A box is the region's bounding box (over every frame) plus a margin of context, grown to the
model's aspect and to at least the model's native size, then shifted (never shrunk) to lie
inside the frame. Only where the frame itself is smaller than the box is it clamped; the crop is
then padded to the model's aspect with edge pixels (`PadFit`).

Disjoint regions get one box each (generated one after another); boxes whose context overlaps
are merged into one, and more than `MAX_BOXES` are merged pairwise, cheapest union first, so a
speckled mask does not cost one generation per speck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.jobs import JobError

CONTEXT = 0.125  # margin on each side, as a share of the region's longer side
MIN_MARGIN = 2  # pixels: even a one-pixel region gets a ring of context
MAX_BOXES = 4
EMPTY_MASK = "the mask is empty (no white pixels): paint the region to change"


@dataclass(frozen=True)
class Box:
    """(top, left, height, width) in frame pixels."""

    top: int
    left: int
    height: int
    width: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def area(self) -> int:
        return self.height * self.width

    def slices(self) -> tuple[slice, slice]:
        return slice(self.top, self.bottom), slice(self.left, self.right)

    def overlaps(self, other: Box) -> bool:
        return (
            self.top < other.bottom
            and other.top < self.bottom
            and self.left < other.right
            and other.left < self.right
        )

    def union(self, other: Box) -> Box:
        top, left = min(self.top, other.top), min(self.left, other.left)
        bottom, right = max(self.bottom, other.bottom), max(self.right, other.right)
        return Box(top, left, bottom - top, right - left)


def bounding_box(region: np.ndarray) -> Box:
    """Bounding box of bool (..., H, W) over every leading index (every frame)."""
    flat: np.ndarray = np.any(region.reshape(-1, *region.shape[-2:]), axis=0)
    rows, cols = np.flatnonzero(flat.any(axis=1)), np.flatnonzero(flat.any(axis=0))
    if rows.size == 0:
        raise JobError(EMPTY_MASK, field="mask")
    return Box(int(rows[0]), int(cols[0]), int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1))


def _place(start: int, size: int, limit: int) -> tuple[int, int]:
    """(start, size) of a span kept inside [0, limit): shifted first, shrunk only when the
    span is longer than the limit itself."""
    size = min(size, limit)
    return min(max(start, 0), limit - size), size


def context_box(bbox: Box, frame_h: int, frame_w: int, model_h: int, model_w: int) -> Box:
    """The box generated for a region with bounding box `bbox`: centred on it, margin on every
    side, at the model's aspect, at least the model's size, inside the frame."""
    margin = max(MIN_MARGIN, math.ceil(CONTEXT * max(bbox.height, bbox.width)))
    need_h, need_w = bbox.height + 2 * margin, bbox.width + 2 * margin
    aspect = model_w / model_h
    height = max(need_h, math.ceil(need_w / aspect), model_h)
    width = max(need_w, math.ceil(height * aspect), model_w)
    centre_y, centre_x = bbox.top + bbox.height / 2, bbox.left + bbox.width / 2
    top, height = _place(round(centre_y - height / 2), height, frame_h)
    left, width = _place(round(centre_x - width / 2), width, frame_w)
    return Box(top, left, height, width)


def _components(mask: np.ndarray) -> list[Box]:
    """Bounding boxes of the connected parts of bool (H, W), found on a grid of cells (a cell
    is painted if any pixel in it is), so the cost does not grow with the frame's size."""
    h, w = mask.shape
    cell = max(1, min(h, w) // 64)
    gh, gw = -(-h // cell), -(-w // cell)
    padded = np.zeros((gh * cell, gw * cell), bool)
    padded[:h, :w] = mask
    grid: np.ndarray = np.any(padded.reshape(gh, cell, gw, cell), axis=(1, 3))
    label = np.zeros(grid.shape, np.int32)
    boxes: list[Box] = []
    for y0, x0 in zip(*np.nonzero(grid), strict=True):
        if label[y0, x0]:
            continue
        label[y0, x0] = len(boxes) + 1
        stack, cells = [(y0, x0)], []
        while stack:
            y, x = stack.pop()
            cells.append((y, x))
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < gh and 0 <= nx < gw and grid[ny, nx] and not label[ny, nx]:
                    label[ny, nx] = label[y0, x0]
                    stack.append((ny, nx))
        ys, xs = zip(*cells, strict=True)
        part = np.zeros_like(mask)
        t, b = min(ys) * cell, min(h, (max(ys) + 1) * cell)
        le, r = min(xs) * cell, min(w, (max(xs) + 1) * cell)
        part[t:b, le:r] = mask[t:b, le:r]
        boxes.append(bounding_box(part))  # tight, in pixels
    return boxes


def region_boxes(region: np.ndarray, model_h: int, model_w: int) -> list[tuple[Box, Box]]:
    """(bounding box, context box) per generated box for bool region (T, H, W); context boxes
    never overlap, so each painted pixel is generated exactly once."""
    frame_h, frame_w = region.shape[-2:]
    groups = _components(np.any(region.reshape(-1, frame_h, frame_w), axis=0))
    if not groups:
        raise JobError(EMPTY_MASK, field="mask")

    def ctx(b: Box) -> Box:
        return context_box(b, frame_h, frame_w, model_h, model_w)

    while True:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if ctx(groups[i]).overlaps(ctx(groups[j])):
                    groups[i] = groups[i].union(groups.pop(j))
                    merged = True
                    break
            if merged:
                break
        if not merged and len(groups) > MAX_BOXES:
            # merge the pair whose union costs the least extra area
            pairs = [(i, j) for i in range(len(groups)) for j in range(i + 1, len(groups))]
            i, j = min(pairs, key=lambda p: ctx(groups[p[0]].union(groups[p[1]])).area)
            groups[i] = groups[i].union(groups.pop(j))
            merged = True
        if not merged:
            return [(g, ctx(g)) for g in groups]
