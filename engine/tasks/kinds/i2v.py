"""Image to video: a clip that starts from a still; frame 0 is the still byte for byte, and
with `pixels` footage the model's animation moves the still's own pixels
(engine/tasks/i2v_motion.py). Its spec is i2v_spec.py."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from engine.jobs import Job
from engine.media.load import load_image
from engine.media.picture_size import WORK_SIDE
from engine.tasks.conditioning import image_to_video
from engine.tasks.frame_tasks import FramePrepared, FrameTask, SourceRead
from engine.tasks.i2v_motion import footage_i2v
from engine.tasks.kinds.i2v_spec import SPEC
from engine.tasks.sizes import Geometry, cover_size
from engine.tasks.task import Example, Finished, Part, Prepared, Sampled, input_file

I2V_MIN_SIDE = 1024  # i2v reads its still at most max(this, twice the output) large


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two [-1, 1] images (peak-to-peak 2)."""
    mse = float(((a.float() - b.float()) ** 2).mean())
    return float("inf") if mse == 0 else float(10 * np.log10(4.0 / mse))


class ImageToVideo(FrameTask):
    spec = SPEC
    # the still gives the start of the motion, so the direction word alone says where the
    # object goes next: the clearest lesson in motion the data offers
    caption_motion_only = True

    def read_source(self, job: Job, frames: int, prep_notes: list[str]) -> SourceRead:
        # Twice the output's size is all the fit needs: a 9400 px still costs what a
        # 1024 px one does (the float copies dominate, not the decode).
        side = max(job.width or 0, job.height or 0)
        still = load_image(
            input_file(job, "image"), max_side=min(WORK_SIDE, max(I2V_MIN_SIDE, 2 * side))
        )
        return SourceRead(still[None], job.image)

    def auto_size(self, geo: Geometry, source_hw: tuple[int, int] | None) -> tuple[int, int]:
        """The still's aspect at the size the model makes without tiles (native x SSR)."""
        assert source_hw is not None
        return cover_size(*source_hw, *geo.untiled)

    def part(self, prep: FramePrepared, at_grid: torch.Tensor | None) -> Part:
        assert at_grid is not None
        cond = image_to_video(at_grid[:, 0], prep.frames)

        def check(video: torch.Tensor) -> str:
            db = psnr(video[:, 0], cond.video[:, 0])
            return f"model's own frame 0 vs the still: {db:.1f} dB PSNR"

        return Part(cond, prep.plan.fit, check=check)

    def finish(self, prepared: Prepared, sampled: list[Sampled]) -> Finished:
        done = super().finish(prepared, sampled)
        assert isinstance(prepared, FramePrepared) and prepared.source_frames is not None
        done.frames[0] = prepared.source_frames[0]  # frame 0 is the still itself, byte for byte
        done.generated_mask[0] = 0
        if prepared.job.pixels == "footage":  # the model's animation moves the still itself
            done.frames, _, notes = footage_i2v(
                prepared.source_frames[0], done.frames, prepared.job.prompt
            )
            prepared.notes.extend(notes)
        return done

    def training_example(self, video: torch.Tensor, region: Callable[[], torch.Tensor]) -> Example:
        """The clip, its first frame known."""
        return video, image_to_video(video[:, 0], video.shape[1])


TASK = ImageToVideo()
