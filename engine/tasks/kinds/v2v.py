"""Video to video (SDEdit): a clip redrawn from its own noised frames, `strength` saying how
far; a source larger than what the models drew keeps its finer detail
(engine/tasks/sdedit.py), and with `pixels` footage the edit's change is tied along the
source's flow. The model learns it as text to video: it has no training example of its own.
Its spec is v2v_spec.py."""

from __future__ import annotations

import torch

from engine.jobs import Job
from engine.media.load import load_video_frames
from engine.tasks.conditioning import text_to_video
from engine.tasks.fit import PadFit
from engine.tasks.frame_tasks import FramePrepared, FrameTask, SourceRead
from engine.tasks.inputs import source_rate
from engine.tasks.kinds.v2v_spec import SPEC
from engine.tasks.sdedit import finer_detail
from engine.tasks.sizes import Geometry
from engine.tasks.task import Finished, Part, Prepared, Sampled, generated, input_file
from engine.tensors import to_float
from engine.vision.frequency import cutoff_sigma, keep_detail

V2V_SOURCE_SIDE = 2048  # v2v reads (and so returns) its source at most this large a side


class VideoToVideo(FrameTask):
    spec = SPEC

    def read_source(self, job: Job, frames: int, prep_notes: list[str]) -> SourceRead:
        path = input_file(job, "video")
        clip, fps = load_video_frames(path, job.video_start_frame, frames, max_side=V2V_SOURCE_SIDE)
        return SourceRead(clip, path, source_rate(fps, prep_notes))

    def auto_size(self, geo: Geometry, source_hw: tuple[int, int] | None) -> tuple[int, int]:
        """The clip's own size."""
        assert source_hw is not None
        return source_hw

    def part(self, prep: FramePrepared, at_grid: torch.Tensor | None) -> Part:
        assert at_grid is not None and prep.source_frames is not None
        plan, source = prep.plan, prep.source_frames
        part = Part(text_to_video(prep.frames, plan.grid_h, plan.grid_w), plan.fit, init=at_grid)

        def ssr_init(h: int, w: int) -> torch.Tensor:  # the SSR edits the source at its size
            return PadFit.plan(plan.out_h, plan.out_w, h, w).video_to_model(to_float(source))

        part.ssr_init = ssr_init
        return part

    def prepare(self, job: Job, frames: int, geo: Geometry) -> FramePrepared:
        prep = super().prepare(job, frames, geo)
        if job.strength == 0.0:
            prep.parts = []  # nothing to sample: `finish` returns the source
            prep.notes.append("strength 0: the source is returned unchanged")
        return prep

    def finish(self, prepared: Prepared, sampled: list[Sampled]) -> Finished:
        assert isinstance(prepared, FramePrepared) and prepared.source_frames is not None
        if not sampled:
            t, h, w, _ = prepared.source_frames.shape
            return Finished(prepared.source_frames.copy(), generated(t, h, w, 0), self.relationship)
        done = super().finish(prepared, sampled)
        strength = prepared.job.strength
        if prepared.job.pixels == "footage" and strength < 1.0:
            # the edit's change below the strength's cut-off, tied along the source's flow
            done.frames = keep_detail(prepared.source_frames, done.frames, strength)
            prepared.notes.append(
                f"the source's detail finer than {cutoff_sigma(strength):.1f} px (Gaussian "
                "sigma) is kept, the edit smoothed along its flow (pixels: footage)"
            )
        return done

    def refine(
        self, prep: FramePrepared, video: torch.Tensor, drawn: tuple[int, int]
    ) -> torch.Tensor:
        """A source larger than what the models drew keeps its own finer detail, faded by
        1 - strength (engine/tasks/sdedit.py)."""
        plan, fit, strength = prep.plan, prep.plan.fit, prep.job.strength
        if not (fit.ph > drawn[0] or fit.pw > drawn[1]):
            return video
        assert prep.source_frames is not None
        low = (round(plan.out_h * drawn[0] / fit.ph), round(plan.out_w * drawn[1] / fit.pw))
        prep.notes.append(
            f"the source's detail finer than {drawn[1]}x{drawn[0]} is kept at "
            f"{1 - strength:.2f} (1 - strength)"
        )
        return video + (1 - strength) * finer_detail(to_float(prep.source_frames), *low)


TASK = VideoToVideo()
