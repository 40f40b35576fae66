"""Cinemagraph: a still animated inside the painted region; frame 0 is the still itself.

With `pixels` "footage" (engine/tasks/cinemagraph_motion.py) the model's animation of the
region only decides the motion, and the loop moves the still's own pixels; with "model" the
model's frames are pasted in (engine/tasks/region_tasks.py). Its spec (rules for arrows and
anchors included) is cinemagraph_spec.py."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from engine.jobs import Job, JobError
from engine.media.load import load_image
from engine.tasks.cinemagraph_motion import footage_cinemagraph
from engine.tasks.conditioning import Conditioning, cinemagraph
from engine.tasks.fit import PadFit
from engine.tasks.kinds.cinemagraph_spec import SPEC
from engine.tasks.motion_hints import (
    anchors_of,
    arrows_of,
    check_inside,
    freeze_of,
    freeze_points,
    with_track_hints,
)
from engine.tasks.region_tasks import Footage, RegionPrepared, RegionTask
from engine.tasks.sizes import Geometry
from engine.tasks.task import Example, Finished, Prepared, Sampled, input_file
from engine.tensors import to_float, to_uint8


class Cinemagraph(RegionTask):
    spec = SPEC
    # a camera move has no region to animate alone: its example is image to video instead
    without_moving_layer = "i2v"

    def check_frames(self, job: Job, frames: int, native_frames: int) -> None:
        """A loop closes over the model's own window: it needs at least that many frames."""
        if job.loop and frames < native_frames:
            raise JobError(f"`loop` needs at least the native {native_frames} frames", field="loop")

    def prepare(self, job: Job, frames: int, geo: Geometry) -> RegionPrepared:
        prep = super().prepare(job, frames, geo)
        if job.pixels == "footage":
            prep.job, note = with_track_hints(job, input_file(job, "mask"))
            job = prep.job
            prep.notes += [note] if note else []
            h, w = prep.original.shape[1:3]
            check_inside(arrows_of(job.motion_arrows), w, h, "motion_arrows")
            check_inside(anchors_of(job.motion_anchors), w, h, "motion_anchors")
            check_inside(freeze_points(freeze_of(job.motion_freeze)), w, h, "motion_freeze")
        return prep

    def finish(self, prepared: Prepared, sampled: list[Sampled]) -> Finished:
        if prepared.job.pixels != "footage":
            return super().finish(prepared, sampled)
        assert isinstance(prepared, RegionPrepared)
        animations = [
            (box, to_uint8(part.fit.from_padded(drawn.video)))
            for box, part, drawn in zip(prepared.boxes, prepared.parts, sampled, strict=True)
        ]
        frames, mask, notes = footage_cinemagraph(
            prepared.original[0], prepared.region, animations, prepared.job
        )
        prepared.notes.extend(notes)
        return Finished(frames, mask, self.relationship)

    def footage(self, job: Job, frames: int, notes: list[str]) -> Footage:
        still = load_image(input_file(job, "image"), keep_size_for="a cinemagraph")
        return np.broadcast_to(still[None], (frames, *still.shape)), input_file(job, "image"), None

    def limit(self, job: Job, region: np.ndarray) -> None:
        region[0] = False  # frame 0 is the still itself

    def conditioning(
        self, original: np.ndarray, fit: PadFit, region: torch.Tensor, frames: int
    ) -> Conditioning:
        still = fit.video_to_model(to_float(original[:1]))[:, 0]
        return cinemagraph(still, region[:, 1], frames)

    def training_example(self, video: torch.Tensor, region: Callable[[], torch.Tensor]) -> Example:
        """The still outside the region and the clip inside it, the still known."""
        mask, still = region(), video[:, 0]
        target = torch.where(mask[:, None].bool(), video, still[:, None])
        return target, cinemagraph(still, mask, video.shape[1])


TASK = Cinemagraph()
