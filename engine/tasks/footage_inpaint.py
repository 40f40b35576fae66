"""Video inpainting from the footage (issue 27): propagate, then generate, then blend.

`prepare` measures the clip's optical flow both ways around the painted region (grown by
`mask_grow`), completes it inside the region and pulls every hidden pixel that some other
frame shows from that frame (engine/vision/propagate.py), last along direct flows between the
two frames so far frames add no drift (engine/vision/direct_flow.py). Only the pixels no
frame shows go to the STUNet, on crop-to-mask boxes around them, with the propagated pixels
as known (the masked-video conditioning). `finish` blends the model's fill of one key frame
into its ring in the gradient domain (its texture finer than DETAIL_SIGMA model pixels, at
most as strong as the ring's, on the ring's own shading) and carries it to the other frames
along the same flows, so it does not flicker; each frame's copy is blended into that frame's
ring. Where every hidden pixel is shown by some frame, nothing is sampled.

The flows cover a work area around the region (its box and a margin as wide as the region),
not the whole frame, so their cost follows the region's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.jobs import Job
from engine.media.mask_frames import load_region
from engine.tasks.region import Box, bounding_box
from engine.tasks.region_tasks import RegionPrepared, RegionTask, boxes_text, region_feather
from engine.tasks.sizes import Geometry
from engine.tasks.task import Finished, Part, Sampled, input_file
from engine.tensors import to_uint8
from engine.vision.blend import detail_blend, poisson_blend
from engine.vision.flow_fill import dilate
from engine.vision.propagate import Flows, fill_from_footage, propagate

MIN_MARGIN = 48  # pixels of context around the region that the flows are measured on
# The model's fill gives the texture finer than this many model pixels; the shading comes from
# the ring (the bundled model paints region-sized flat stickers: issue 27's colour gaps 38-107)
DETAIL_SIGMA = 1.5


@dataclass(kw_only=True)
class FootagePrepared(RegionPrepared):
    filled: np.ndarray  # uint8 (T, H, W, 3): the clip with what some frame shows pulled in
    unseen: np.ndarray  # bool (T, H, W): hidden pixels no frame shows (the model's)
    area: tuple[slice, slice]  # the work area the flows cover
    forward: Flows  # completed flows t -> t + 1 over the work area
    backward: Flows  # completed flows t + 1 -> t


def work_area(region: np.ndarray) -> tuple[slice, slice]:
    """The region's box over every frame with a margin as wide as the region (at least
    MIN_MARGIN), inside the frame."""
    box = bounding_box(region)
    margin = max(MIN_MARGIN, box.height, box.width)
    h, w = region.shape[-2:]
    return (
        slice(max(0, box.top - margin), min(h, box.bottom + margin)),
        slice(max(0, box.left - margin), min(w, box.right + margin)),
    )


def key_frame(unseen: np.ndarray) -> int:
    """The frame whose fill the others take: the one with the most unseen pixels, the one
    nearest the middle among equals (the shortest chains)."""
    counts = unseen.reshape(len(unseen), -1).sum(axis=1)
    middle = (len(unseen) - 1) / 2
    return max(range(len(unseen)), key=lambda t: (counts[t], -abs(t - middle)))


def prepare_footage(task: RegionTask, job: Job, frames: int, geo: Geometry) -> FootagePrepared:
    notes: list[str] = []
    original, source, fps = task.footage(job, frames, notes)
    _, h, w, _ = original.shape
    # one mask, a folder or video of them, or a mask track: the region on each frame
    painted, mask_note = load_region(input_file(job, "mask"), frames, (w, h), job.video_start_frame)
    notes += [mask_note] if mask_note else []
    region = np.stack([dilate(frame, job.mask_grow) for frame in painted])
    task.limit(job, region)
    ys, xs = work_area(region)
    filled_area, unseen_area, forward, backward = fill_from_footage(
        original[:, ys, xs], region[:, ys, xs]
    )
    filled = np.array(original)
    filled[:, ys, xs] = filled_area
    unseen = np.zeros_like(region)
    unseen[:, ys, xs] = unseen_area
    hidden, shown = int(region.sum()), int(region.sum() - unseen.sum())
    notes.append(
        f"mask grown by {job.mask_grow} px; {100 * shown / hidden:.1f} % of the hidden pixels "
        "are shown by another frame and taken from it along the optical flow"
    )
    parts: list[Part] = []
    boxes: list[Box] = []
    if unseen.any():  # the propagated pixels are known to the model: only these are drawn
        parts, boxes = task.context_parts(filled, unseen, geo, frames)
        notes.append(
            f"the model fills what no frame shows: {boxes_text(boxes, geo)}, blended into its "
            "ring and carried along the flow"
        )
    else:
        notes.append("every hidden pixel is shown by some frame: the model did not need to run")
    return FootagePrepared(
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
        filled=filled,
        unseen=unseen,
        area=(ys, xs),
        forward=forward,
        backward=backward,
    )


def finish_footage(
    prepared: FootagePrepared, sampled: list[Sampled], relationship: str
) -> Finished:
    out = np.array(prepared.filled)
    unseen = prepared.unseen
    generated_mask = np.where(prepared.region, 255, 0).astype(np.uint8)
    if not sampled:
        return Finished(out, generated_mask, relationship)
    drawn = np.array(out)  # the model's own fill of every frame
    sigma = 1.0
    for box, part, got in zip(prepared.boxes, prepared.parts, sampled, strict=True):
        bys, bxs = box.slices()
        pasted = to_uint8(part.fit.from_padded(got.video))
        mine = unseen[:, bys, bxs]
        drawn[:, bys, bxs][mine] = pasted[mine]
        sigma = max(sigma, DETAIL_SIGMA * region_feather(box, prepared.geo))
    key = key_frame(unseen)
    out[key] = detail_blend(out[key], drawn[key], unseen[key], sigma)
    # the key frame's fill carried to the others by the same flows; what it does not reach
    # keeps that frame's own draw
    ys, xs = prepared.area
    targets = unseen[:, ys, xs].copy()
    targets[key] = False
    usable = np.zeros_like(targets)
    usable[key] = True
    carried, missed = propagate(
        out[:, ys, xs], targets, prepared.forward, prepared.backward, usable=usable
    )
    for t in range(len(out)):
        if t == key or not unseen[t].any():
            continue
        fill = np.array(drawn[t])
        area = fill[ys, xs]
        reached = targets[t] & ~missed[t]
        area[reached] = carried[t][reached]
        out[t] = poisson_blend(out[t], fill, unseen[t])
    return Finished(out, generated_mask, relationship)
