"""The size and aspect contract of the whole-frame tasks (text-, image- and video-to-video).

- The output keeps the source's size (video-to-video) or the still's aspect (image-to-video,
  at the size the SSR stage makes); text-to-video makes the model's native size unless a size
  is asked. An asked size is kept exactly; a source of another aspect is centre-cropped to it
  only then (asking for that aspect is asking for the crop), never stretched.
- The base model samples a grid at the output's aspect whose short side is the model's native
  size; where the grid is larger than the native frame it is covered by native-size tiles fused
  at every step (engine/tasks/tiles.py), so each tile is the frame the model was trained on.
  The SSR stage then upsamples the whole grid, and a last resize gives the exact output size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.jobs import Job
from engine.tasks.fit import PadFit

ASPECT_TOLERANCE = 0.01  # aspects closer than 1 % count as the same (no crop for rounding)


@dataclass(frozen=True)
class Geometry:
    """What of a model decides sizes: its native frame, its SSR factor (1 = no SSR) and the
    multiple every sampled height and width must be."""

    native_h: int
    native_w: int
    ssr_scale: int = 1
    multiple: int = 4

    @property
    def untiled(self) -> tuple[int, int]:
        """The largest (height, width) the model makes without tiling: native x SSR."""
        return self.native_h * self.ssr_scale, self.native_w * self.ssr_scale


def _even(x: float) -> int:
    return max(2, 2 * round(x / 2))


def cover_size(h: int, w: int, frame_h: int, frame_w: int) -> tuple[int, int]:
    """(h, w) scaled so that it just covers (frame_h, frame_w), rounded to even numbers (what
    H.264 needs)."""
    s = max(frame_h / h, frame_w / w)
    return _even(h * s), _even(w * s)


def same_aspect(h1: int, w1: int, h2: int, w2: int) -> bool:
    return abs((w1 / h1) / (w2 / h2) - 1) < ASPECT_TOLERANCE


def output_size(
    job: Job, geo: Geometry, source_hw: tuple[int, int] | None, auto: tuple[int, int]
) -> tuple[int, int]:
    """(height, width) of a whole-frame task's output: the asked size, one asked side with the
    source's aspect, else `auto` (the task's own choice)."""
    if job.width and job.height:
        return job.height, job.width
    h, w = source_hw or (geo.native_h, geo.native_w)  # one side asked: the other follows it
    if job.width:
        return _even(job.width * h / w), job.width
    if job.height:
        return job.height, _even(job.height * w / h)
    return auto


def grid_size(out_h: int, out_w: int, geo: Geometry) -> tuple[int, int]:
    """(height, width) the base model samples for an output: the output's aspect with the
    model's native size as the short side, rounded up to the model's multiple."""
    s = max(geo.native_h / out_h, geo.native_w / out_w)

    def up(x: float, least: int) -> int:
        x = round(x, 6)  # 32.0000001 is 32, not one multiple more
        return max(least, geo.multiple * math.ceil(x / geo.multiple))

    return up(out_h * s, geo.native_h), up(out_w * s, geo.native_w)


@dataclass(frozen=True)
class FramePlan:
    """Output size, the grid the base model samples, and how one maps onto the other (the
    output padded by a few pixels to the grid's exact aspect, then resized)."""

    out_h: int
    out_w: int
    grid_h: int
    grid_w: int
    fit: PadFit

    @classmethod
    def make(cls, out_h: int, out_w: int, geo: Geometry) -> FramePlan:
        gh, gw = grid_size(out_h, out_w, geo)
        return cls(out_h, out_w, gh, gw, PadFit.plan(out_h, out_w, gh, gw))

    def tiles_note(self, geo: Geometry) -> str | None:
        if (self.grid_h, self.grid_w) == (geo.native_h, geo.native_w):
            return None
        return (
            f"sampled at {self.grid_w}x{self.grid_h} in {geo.native_w}x{geo.native_h} tiles "
            f"fused at every step, for the {self.out_w}x{self.out_h} output's aspect"
        )
