"""Video inpainting: a clip's painted region replaced, from `mask_from_frame` on. With
`pixels` "footage" what other frames show is propagated and the model fills only the rest
(engine/tasks/footage_inpaint.py); "model" generates the whole region
(engine/tasks/region_tasks.py). Its spec is inpaint_spec.py."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from engine.jobs import Job, JobError
from engine.media.load import load_video_frames
from engine.tasks.conditioning import Conditioning, inpainting
from engine.tasks.fit import PadFit
from engine.tasks.footage_inpaint import FootagePrepared, finish_footage, prepare_footage
from engine.tasks.inputs import source_rate
from engine.tasks.kinds.inpaint_spec import SPEC
from engine.tasks.region_tasks import Footage, RegionPrepared, RegionTask
from engine.tasks.sizes import Geometry
from engine.tasks.task import Example, Finished, Prepared, Sampled, input_file
from engine.tensors import to_float


class Inpaint(RegionTask):
    spec = SPEC

    def prepare(self, job: Job, frames: int, geo: Geometry) -> RegionPrepared:
        if job.pixels == "model":
            return super().prepare(job, frames, geo)
        return prepare_footage(self, job, frames, geo)

    def finish(self, prepared: Prepared, sampled: list[Sampled]) -> Finished:
        if isinstance(prepared, FootagePrepared):
            return finish_footage(prepared, sampled, self.relationship)
        return super().finish(prepared, sampled)

    def footage(self, job: Job, frames: int, notes: list[str]) -> Footage:
        clip, fps = load_video_frames(
            input_file(job, "video"), job.video_start_frame, frames, keep_size_for="inpainting"
        )
        return clip, input_file(job, "video"), source_rate(fps, notes)

    def limit(self, job: Job, region: np.ndarray) -> None:
        frames = len(region)
        if job.mask_from_frame >= frames:
            raise JobError(
                f"`mask_from_frame` {job.mask_from_frame} is past the clip's last frame "
                f"({frames - 1})",
                field="mask_from_frame",
            )
        region[: job.mask_from_frame] = False

    def conditioning(
        self, original: np.ndarray, fit: PadFit, region: torch.Tensor, frames: int
    ) -> Conditioning:
        return inpainting(fit.video_to_model(to_float(original)), region)

    def training_example(self, video: torch.Tensor, region: Callable[[], torch.Tensor]) -> Example:
        """The clip, known outside the region."""
        return video, inpainting(video, region())


TASK = Inpaint()
