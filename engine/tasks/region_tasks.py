"""The base of the region tasks (engine/tasks/kinds/: cinemagraph, inpaint).

Both keep the input's own size and generate only context boxes around the painted region
(engine/tasks/region.py), each at the model's size; `finish` pastes every box back inside the
region with a feathered edge, so every pixel outside it is the input's own, bit for bit. What
differs is the footage (a still repeated, or a clip), which frames the region covers, and the
conditioning.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass

import numpy as np
import torch

from engine.jobs import Job
from engine.media.mask_frames import load_region
from engine.tasks.composite import composite, feathered_alpha
from engine.tasks.conditioning import Conditioning
from engine.tasks.fit import PadFit
from engine.tasks.region import Box, region_boxes
from engine.tasks.sizes import Geometry
from engine.tasks.task import Finished, Part, Prepared, Sampled, Task, input_file
from engine.tensors import to_uint8


@dataclass(kw_only=True)
class RegionPrepared(Prepared):
    original: np.ndarray  # uint8 (T, H, W, 3) at the input's size
    region: np.ndarray  # bool (T, H, W), True = generated
    boxes: list[Box]  # one per part
    geo: Geometry


def region_feather(box: Box, geo: Geometry) -> int:
    """Feather width for a pasted box: one model pixel's width at the box's scale."""
    return max(1, round(max(box.height / geo.native_h, box.width / geo.native_w)))


Footage = tuple[np.ndarray, str, float | None]  # frames at the input's size, file, rate


def boxes_text(boxes: list[Box], geo: Geometry, around: str = "") -> str:
    """'2 context boxes around the mask (127x127 at (10, 20), ...) at 32x32' for a task's
    notes (`around`: what they are around, or nothing)."""
    where = ", ".join(f"{b.width}x{b.height} at ({b.left}, {b.top})" for b in boxes)
    plural = "es" if len(boxes) > 1 else ""
    around = f" {around}" if around else ""
    return f"{len(boxes)} context box{plural}{around} ({where}) at {geo.native_w}x{geo.native_h}"


class RegionTask(Task):
    @abstractmethod
    def footage(self, job: Job, frames: int, notes: list[str]) -> Footage:
        """uint8 (T, H, W, 3) at the input's size, the file it comes from and its rate."""

    @abstractmethod
    def limit(self, job: Job, region: np.ndarray) -> None:
        """Take out of bool region (T, H, W) the frames the task keeps whole."""

    @abstractmethod
    def conditioning(
        self, original: np.ndarray, fit: PadFit, region: torch.Tensor, frames: int
    ) -> Conditioning:
        """The conditioning of one box: `original` is its crop of the footage, `region` its
        region at the model's size (1, T, h, w)."""

    def prepare(self, job: Job, frames: int, geo: Geometry) -> RegionPrepared:
        notes: list[str] = []
        original, source, fps = self.footage(job, frames, notes)
        _, h, w, _ = original.shape
        region, mask_note = load_region(
            input_file(job, "mask"), frames, (w, h), job.video_start_frame
        )
        self.limit(job, region)
        parts, boxes = self.context_parts(original, region, geo, frames)
        notes += [mask_note] if mask_note else []
        notes.append(
            f"generated {boxes_text(boxes, geo, 'around the mask')}; the rest of the {w}x{h} "
            "frame is kept"
        )
        return RegionPrepared(
            job=job,
            frames=frames,
            parts=parts,
            notes=notes,
            source=source,
            fps=fps,
            original=original,
            region=region,
            boxes=boxes,
            geo=geo,
        )

    def context_parts(
        self, footage: np.ndarray, region: np.ndarray, geo: Geometry, frames: int
    ) -> tuple[list[Part], list[Box]]:
        """One part to sample for each context box around bool `region` (T, H, W), each
        conditioned on its crop of uint8 `footage` (T, H, W, 3)."""
        parts, boxes = [], []
        for _, box in region_boxes(region, geo.native_h, geo.native_w):
            ys, xs = box.slices()
            fit = PadFit.plan(box.height, box.width, geo.native_h, geo.native_w)
            region_m = fit.region_to_model(torch.from_numpy(region[:, ys, xs])[None].float())
            cond = self.conditioning(footage[:, ys, xs], fit, region_m, frames)
            parts.append(Part(cond, fit, label=f"box {box.width}x{box.height}: "))
            boxes.append(box)
        return parts, boxes

    def finish(self, prepared: Prepared, sampled: list[Sampled]) -> Finished:
        """Each box pasted back inside the painted region with the feather."""
        assert isinstance(prepared, RegionPrepared)
        out = np.array(prepared.original)  # a writable copy (a cinemagraph's is a broadcast view)
        generated_mask = np.zeros(prepared.region.shape, np.uint8)
        for box, part, drawn in zip(prepared.boxes, prepared.parts, sampled, strict=True):
            ys, xs = box.slices()
            region = prepared.region[:, ys, xs]
            alpha = feathered_alpha(region, region_feather(box, prepared.geo))
            pasted = to_uint8(part.fit.from_padded(drawn.video))
            out[:, ys, xs] = composite(out[:, ys, xs], pasted, alpha)
            generated_mask[:, ys, xs] = np.where(alpha > 0, 255, 0)
        return Finished(out, generated_mask, self.relationship)
