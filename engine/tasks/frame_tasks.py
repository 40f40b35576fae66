"""The base of the whole-frame tasks (engine/tasks/kinds/: t2v, i2v, v2v).

Each makes a clip at an output size (engine/tasks/sizes.py) from a grid the base model samples
at the output's aspect; what differs is the source (none, a still, a clip), the size chosen
when none is asked, the conditioning, and what is put back after sampling (the still as frame 0,
the source's finer detail).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.jobs import Job
from engine.tasks.conditioning import text_to_video
from engine.tasks.inputs import fit_source
from engine.tasks.sizes import FramePlan, Geometry, output_size
from engine.tasks.task import Finished, Part, Prepared, Sampled, Task, generated
from engine.tensors import to_float, to_uint8


@dataclass(kw_only=True)
class FramePrepared(Prepared):
    plan: FramePlan  # output size and the sampled grid
    source_frames: np.ndarray | None = None  # uint8 input at the output size (i2v, v2v)


@dataclass
class SourceRead:
    """A whole-frame task's source: uint8 (T, H, W, 3) frames, their file and frame rate."""

    frames: np.ndarray | None = None
    path: str | None = None
    fps: float | None = None


class FrameTask(Task):
    """A whole-frame task; subclasses say what they read and how it conditions the model."""

    def read_source(self, job: Job, frames: int, prep_notes: list[str]) -> SourceRead:
        """The source frames (uint8 (T, H, W, 3)), the file they come from and its rate."""
        return SourceRead()

    def auto_size(self, geo: Geometry, source_hw: tuple[int, int] | None) -> tuple[int, int]:
        """(height, width) when the job asks for no size: the model's native frame."""
        return geo.native_h, geo.native_w

    def output_size(
        self, job: Job, geo: Geometry, source_hw: tuple[int, int] | None
    ) -> tuple[int, int]:
        return output_size(job, geo, source_hw, self.auto_size(geo, source_hw))

    def part(self, prep: FramePrepared, at_grid: torch.Tensor | None) -> Part:
        """The one part to sample; `at_grid` is the source at the grid (3, T, gh, gw)."""
        plan = prep.plan
        return Part(text_to_video(prep.frames, plan.grid_h, plan.grid_w), plan.fit)

    def prepare(self, job: Job, frames: int, geo: Geometry) -> FramePrepared:
        notes: list[str] = []
        read = self.read_source(job, frames, notes)
        source = read.frames
        out_h, out_w = self.output_size(job, geo, None if source is None else source.shape[1:3])
        plan = FramePlan.make(out_h, out_w, geo)
        if note := plan.tiles_note(geo):
            notes.append(note)
        prep = FramePrepared(
            job=job, frames=frames, plan=plan, notes=notes, source=read.path, fps=read.fps
        )
        at_grid = None
        if source is not None:
            prep.source_frames, note = fit_source(source, out_h, out_w)
            prep.notes += [note] if note else []
            at_grid = plan.fit.video_to_model(to_float(prep.source_frames))
        prep.parts = [self.part(prep, at_grid)]
        return prep

    def finish(self, prepared: Prepared, sampled: list[Sampled]) -> Finished:
        assert isinstance(prepared, FramePrepared)
        plan = prepared.plan
        (drawn,) = sampled
        video = self.refine(prepared, plan.fit.from_padded(drawn.video), drawn.drawn)
        frames = to_uint8(video)
        mask = generated(prepared.frames, plan.out_h, plan.out_w, 255)
        return Finished(frames, mask, self.relationship)

    def refine(
        self, prep: FramePrepared, video: torch.Tensor, drawn: tuple[int, int]
    ) -> torch.Tensor:
        """The video at the output size after sampling; unchanged unless a task adds to it."""
        return video
