"""From a job's input files to what the sampler needs: the task's conditioning at the model's
size, the source clip for SDEdit, and (for masked tasks) the input-size footage and region that
the result is composited back into."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from engine.jobs import Job, JobError
from engine.media.load import load_image, load_mask, load_video_frames
from engine.media.picture_size import WORK_SIDE
from engine.tasks.conditioning import (
    Conditioning,
    cinemagraph,
    image_to_video,
    inpainting,
    text_to_video,
)
from engine.tasks.fit import PadFit, crop_fit

USES = {  # which input files each task reads
    "t2v": set(),
    "i2v": {"image"},
    "cinemagraph": {"image", "mask"},
    "inpaint": {"video", "mask"},
    "v2v": {"video"},
}
FLAGS = {"image": "--image", "video": "--video", "mask": "--mask"}
FPS_RANGE = (1, 240)  # what Job.fps accepts
V2V_SOURCE_SIDE = 2048  # v2v reads its source at most this large (the result is model-sized)
I2V_MIN_SIDE = 1024  # i2v reads its still at most max(this, twice the output) large


@dataclass
class Prepared:
    cond: Conditioning  # at the model's size, `frames` long
    notes: list[str] = field(default_factory=list)
    source: str | None = None  # real footage the result is made from
    fps: float | None = None  # the source clip's frame rate
    init: torch.Tensor | None = None  # v2v: the source at the model's size (3, T, h, w)
    source_frames: np.ndarray | None = None  # v2v / i2v: uint8 input (T, H, W, 3)
    original: np.ndarray | None = None  # masked tasks: uint8 (T, H, W, 3) at the input's size
    region: np.ndarray | None = None  # masked tasks: bool (T, H, W), True = generated
    fit: PadFit | None = None


def to_float(frames: np.ndarray) -> torch.Tensor:
    """uint8 (T, H, W, 3) to (3, T, H, W) in [-1, 1]."""
    frames = np.ascontiguousarray(frames)
    if not frames.flags.writeable:  # PIL and PyAV hand out read-only arrays
        frames = frames.copy()
    return torch.from_numpy(frames).permute(3, 0, 1, 2).float() / 127.5 - 1


def source_rate(fps: float, notes: list[str]) -> float:
    """The source clip's frame rate as the result's, within what a job may ask for (1-240 fps):
    a clip at 0.4 or 1000 fps would otherwise fail only when the result is written."""
    if FPS_RANGE[0] <= round(fps) <= FPS_RANGE[1]:
        return fps
    rate = float(min(max(round(fps), FPS_RANGE[0]), FPS_RANGE[1]))
    notes.append(
        f"the source's frame rate ({fps:.4g} fps) is outside {FPS_RANGE[0]}-{FPS_RANGE[1]} fps; "
        f"the result is written at {rate:g} fps (set the frame rate to choose another)"
    )
    return rate


def check_inputs(job: Job) -> None:
    """Reject inputs the task would silently ignore (a mask on text-to-video, say)."""
    for name in ("image", "video", "mask"):
        if getattr(job, name) and name not in USES[job.task]:
            raise JobError(f"task {job.task} does not use {FLAGS[name]}; leave it out")
    if job.loop and job.task != "cinemagraph":
        raise JobError("--loop is for cinemagraphs only")
    if job.mask_from_frame and job.task != "inpaint":
        raise JobError("--mask-from-frame is for inpainting only")
    if job.video_start_frame and job.task not in ("inpaint", "v2v"):
        raise JobError("--start-frame needs a source video (inpaint, v2v)")
    if job.task in ("inpaint", "cinemagraph") and (job.width or job.height):
        raise JobError(f"task {job.task} keeps the input's size; leave out --size")


def prepare(job: Job, frames: int, model_h: int, model_w: int) -> Prepared:
    check_inputs(job)
    if job.task == "t2v":
        return Prepared(text_to_video(frames, model_h, model_w))
    if job.task == "i2v":
        # Twice the output's size is all the crop-and-resize needs: a 9400 px still costs
        # what a 1024 px one does (the float copies dominate, not the decode).
        side = max(job.width or model_w, job.height or model_h)
        still = load_image(job.image, max_side=min(WORK_SIDE, max(I2V_MIN_SIDE, 2 * side)))
        fitted, note = crop_fit(to_float(still[None]), model_h, model_w)
        prep = Prepared(image_to_video(fitted[:, 0], frames), source=job.image)
        prep.source_frames = still[None]
        prep.notes += [note] if note else []
        return prep
    if job.task == "v2v":
        video, fps = load_video_frames(
            job.video, job.video_start_frame, frames, max_side=V2V_SOURCE_SIDE
        )
        fitted, note = crop_fit(to_float(video), model_h, model_w)
        prep = Prepared(text_to_video(frames, model_h, model_w), source=job.video)
        prep.fps = source_rate(fps, prep.notes)
        prep.init, prep.source_frames = fitted, video
        prep.notes += [note] if note else []
        return prep
    return _prepare_masked(job, frames, model_h, model_w)


def _prepare_masked(job: Job, frames: int, model_h: int, model_w: int) -> Prepared:
    fps = None
    notes: list[str] = []
    if job.task == "cinemagraph":
        still = load_image(job.image, keep_size_for="a cinemagraph")
        original = np.repeat(still[None], frames, axis=0)
        source = job.image
    else:
        original, fps = load_video_frames(
            job.video, job.video_start_frame, frames, keep_size_for="inpainting"
        )
        fps = source_rate(fps, notes)
        source = job.video
    _, h, w, _ = original.shape
    painted, mask_note = load_mask(job.mask, (w, h))
    region = np.repeat(painted[None], frames, axis=0)
    fit = PadFit.plan(h, w, model_h, model_w)
    if job.task == "cinemagraph":
        region[0] = False  # frame 0 is the still itself
        still_m = fit.video_to_model(to_float(original[:1]))[:, 0]
        region_m = fit.region_to_model(torch.from_numpy(painted)[None, None].float())[:, 0]
        cond = cinemagraph(still_m, region_m, frames)
    else:
        if job.mask_from_frame >= frames:
            raise JobError(
                f"--mask-from-frame {job.mask_from_frame} is past the clip's last frame "
                f"({frames - 1})"
            )
        region[: job.mask_from_frame] = False
        region_m = fit.region_to_model(torch.from_numpy(region)[None].float())
        # A frame at a time: the float copy of a whole 2048x2048 clip is gigabytes.
        frames_m = [fit.video_to_model(to_float(original[t : t + 1])) for t in range(frames)]
        cond = inpainting(torch.cat(frames_m, dim=1), region_m)
    notes += [mask_note] if mask_note else []
    if (h, w) != (model_h, model_w):
        notes.append(fit.note())
    return Prepared(
        cond, notes, source, fps, original=original, region=region, fit=fit
    )  # fmt: skip
