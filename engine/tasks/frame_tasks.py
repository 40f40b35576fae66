"""The whole-frame tasks: text to video, image to video and video to video (SDEdit).

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
from engine.media.load import load_image, load_video_frames
from engine.media.picture_size import WORK_SIDE
from engine.task_specs import SPECS
from engine.tasks.conditioning import image_to_video, text_to_video
from engine.tasks.fit import PadFit
from engine.tasks.i2v_motion import footage_i2v
from engine.tasks.inputs import fit_source, source_rate
from engine.tasks.sdedit import finer_detail
from engine.tasks.sizes import FramePlan, Geometry, cover_size, output_size
from engine.tasks.task import Finished, Part, Prepared, Sampled, Task, generated, input_file
from engine.tensors import to_float, to_uint8
from engine.vision.frequency import cutoff_sigma, keep_detail

V2V_SOURCE_SIDE = 2048  # v2v reads (and so returns) its source at most this large a side
I2V_MIN_SIDE = 1024  # i2v reads its still at most max(this, twice the output) large


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


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two [-1, 1] images (peak-to-peak 2)."""
    mse = float(((a.float() - b.float()) ** 2).mean())
    return float("inf") if mse == 0 else float(10 * np.log10(4.0 / mse))


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


class TextToVideo(FrameTask):
    spec = SPECS["t2v"]


class ImageToVideo(FrameTask):
    spec = SPECS["i2v"]

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


class VideoToVideo(FrameTask):
    spec = SPECS["v2v"]

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
