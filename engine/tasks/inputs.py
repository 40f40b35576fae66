"""From a job's input files to what the sampler needs.

Whole-frame tasks (t2v, i2v, v2v): the output size and the grid the base model samples
(engine/tasks/sizes.py), the conditioning and the SDEdit source at that grid.
Region tasks (inpaint, cinemagraph): the input-size footage and region, and one context box per
painted region (engine/tasks/region.py), each with its conditioning at the model's size; only
the boxes are generated and pasted back.
"""

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
from engine.tasks.fit import PadFit, crop_box
from engine.tasks.region import Box, region_boxes
from engine.tasks.sizes import FramePlan, Geometry, output_size, same_aspect
from engine.tensors import resize, to_float, to_uint8

USES = {  # which input files each task reads
    "t2v": set(),
    "i2v": {"image"},
    "cinemagraph": {"image", "mask"},
    "inpaint": {"video", "mask"},
    "v2v": {"video"},
}
FLAGS = {"image": "--image", "video": "--video", "mask": "--mask"}
FPS_RANGE = (1, 240)  # what Job.fps accepts
V2V_SOURCE_SIDE = 2048  # v2v reads (and so returns) its source at most this large a side
I2V_MIN_SIDE = 1024  # i2v reads its still at most max(this, twice the output) large


@dataclass
class RegionPart:
    """One context box of a region task: where it lies in the frame, how its crop maps onto
    the model's frame, and the task's conditioning there."""

    box: Box
    fit: PadFit
    cond: Conditioning


@dataclass
class Prepared:
    cond: Conditioning | None = None  # whole-frame tasks: at the plan's grid, `frames` long
    plan: FramePlan | None = None  # whole-frame tasks: output size and sampled grid
    notes: list[str] = field(default_factory=list)
    source: str | None = None  # real footage the result is made from
    fps: float | None = None  # the source clip's frame rate
    init: torch.Tensor | None = None  # v2v: the source at the grid (3, T, gh, gw)
    source_frames: np.ndarray | None = None  # v2v / i2v: uint8 input at the output size
    original: np.ndarray | None = None  # region tasks: uint8 (T, H, W, 3) at the input's size
    region: np.ndarray | None = None  # region tasks: bool (T, H, W), True = generated
    parts: list[RegionPart] = field(default_factory=list)  # region tasks: the boxes


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


def fit_source(frames: np.ndarray, out_h: int, out_w: int) -> tuple[np.ndarray, str | None]:
    """uint8 (T, H, W, 3) at the output size: the frames' own bytes when they have it, resized
    when only the size differs, centre-cropped first only when another aspect was asked."""
    h, w = frames.shape[1:3]
    if (h, w) == (out_h, out_w):
        return frames, None
    note = f"input {w}x{h} resized to {out_w}x{out_h}"
    if not same_aspect(h, w, out_h, out_w):
        top, left, ch, cw = crop_box(h, w, out_h, out_w)
        frames = frames[:, top : top + ch, left : left + cw]
        note = (
            f"input {w}x{h} centre-cropped to {cw}x{ch} (the asked size's aspect) and resized "
            f"to {out_w}x{out_h}"
        )
    return to_uint8(resize(to_float(frames), out_h, out_w)), note


def prepare(job: Job, frames: int, geo: Geometry) -> Prepared:
    check_inputs(job)
    if job.task in ("inpaint", "cinemagraph"):
        return _prepare_region(job, frames, geo)
    prep = Prepared()
    source = None
    if job.task == "i2v":
        # Twice the output's size is all the fit needs: a 9400 px still costs what a
        # 1024 px one does (the float copies dominate, not the decode).
        side = max(job.width or 0, job.height or 0)
        source = load_image(job.image, max_side=min(WORK_SIDE, max(I2V_MIN_SIDE, 2 * side)))[None]
        prep.source = job.image
    elif job.task == "v2v":
        source, fps = load_video_frames(job.video, job.video_start_frame, frames,
                                        max_side=V2V_SOURCE_SIDE)  # fmt: skip
        prep.fps = source_rate(fps, prep.notes)
        prep.source = job.video
    out_h, out_w = output_size(job, geo, None if source is None else source.shape[1:3])
    plan = FramePlan.make(out_h, out_w, geo)
    prep.plan = plan
    if note := plan.tiles_note(geo):
        prep.notes.append(note)
    if source is None:
        prep.cond = text_to_video(frames, plan.grid_h, plan.grid_w)
        return prep
    prep.source_frames, note = fit_source(source, out_h, out_w)
    prep.notes += [note] if note else []
    at_grid = plan.fit.video_to_model(to_float(prep.source_frames))
    if job.task == "i2v":
        prep.cond = image_to_video(at_grid[:, 0], frames)
    else:
        prep.cond, prep.init = text_to_video(frames, plan.grid_h, plan.grid_w), at_grid
    return prep


def _prepare_region(job: Job, frames: int, geo: Geometry) -> Prepared:
    fps = None
    notes: list[str] = []
    if job.task == "cinemagraph":
        still = load_image(job.image, keep_size_for="a cinemagraph")
        original = np.broadcast_to(still[None], (frames, *still.shape))
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
    if job.task == "cinemagraph":
        region[0] = False  # frame 0 is the still itself
    else:
        if job.mask_from_frame >= frames:
            raise JobError(
                f"--mask-from-frame {job.mask_from_frame} is past the clip's last frame "
                f"({frames - 1})"
            )
        region[: job.mask_from_frame] = False
    parts = []
    for _, box in region_boxes(region, geo.native_h, geo.native_w):
        ys, xs = box.slices()
        fit = PadFit.plan(box.height, box.width, geo.native_h, geo.native_w)
        region_m = fit.region_to_model(torch.from_numpy(region[:, ys, xs])[None].float())
        if job.task == "cinemagraph":
            still_m = fit.video_to_model(to_float(original[:1, ys, xs]))[:, 0]
            cond = cinemagraph(still_m, region_m[:, 1], frames)
        else:
            cond = inpainting(fit.video_to_model(to_float(original[:, ys, xs])), region_m)
        parts.append(RegionPart(box, fit, cond))
    notes = [mask_note] if mask_note else []
    boxes = ", ".join(f"{p.box.width}x{p.box.height} at ({p.box.left}, {p.box.top})" for p in parts)
    notes.append(
        f"generated {len(parts)} context box{'es' if len(parts) > 1 else ''} around the mask "
        f"({boxes}) at {geo.native_w}x{geo.native_h}; the rest of the {w}x{h} frame is kept"
    )
    return Prepared(
        notes=notes, source=source, fps=fps, original=original, region=region, parts=parts
    )
