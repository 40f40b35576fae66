"""A footage-faithful cinemagraph: the still's own pixels, looping inside the painted region.

The model animates the region (its context boxes, as for the pure-model path); its animation's
dominant motion, together with the user's arrows and pins and the prompt's motion words, makes
a looping motion field (engine/vision/motion_field.py) that moves the still's pixels. Outside
the region, and under the freeze brush's strokes, every pixel is the still's, bit for bit; the
edge is feathered inside the region.
"""

from __future__ import annotations

import numpy as np

from engine.jobs import Job
from engine.tasks.composite import composite, feathered_alpha
from engine.tasks.motion_hints import anchors_of, arrows_of, freeze_of
from engine.tasks.region import Box, bounding_box
from engine.vision.global_motion import dominant_velocity
from engine.vision.motion_field import freeze_mask, plan_motion, render_loop
from engine.vision.motion_words import parse_motion

MARGIN = 16  # pixels of the still around the region that the loop may pull from
FEATHER = 2  # pixels inside the region's edge over which the loop fades in


def model_velocity(region: np.ndarray, animations: list[tuple[Box, np.ndarray]]) -> np.ndarray:
    """float32 (dx, dy) per frame in the still's pixels: the dominant motion of the model's
    animation of the region, each box weighted by how much of the region it holds."""
    total, weight = np.zeros(2, np.float32), 0.0
    for box, video in animations:
        ys, xs = box.slices()
        inside = region[ys, xs]
        share = float(inside.sum())
        if share == 0 or len(video) < 3:
            continue
        total += share * dominant_velocity(video[1:], inside)  # frame 0 is the still pasted
        weight += share
    return total / weight if weight else total


def _crop(region: np.ndarray) -> Box:
    box = bounding_box(region)
    h, w = region.shape
    top, left = max(0, box.top - MARGIN), max(0, box.left - MARGIN)
    bottom, right = min(h, box.bottom + MARGIN), min(w, box.right + MARGIN)
    return Box(top, left, bottom - top, right - left)


def footage_cinemagraph(
    still: np.ndarray,
    region: np.ndarray,
    animations: list[tuple[Box, np.ndarray]],
    job: Job,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(frames uint8 (T, H, W, 3), generated mask uint8 (T, H, W), notes) for bool region
    (T, H, W) (frame 0 empty: it is the still) and the model's animation of each box."""
    frames = len(region)
    painted: np.ndarray = np.any(region, axis=0)
    crop = _crop(painted)
    ys, xs = crop.slices()
    offset = np.array([crop.left, crop.top], np.float64)
    arrows = arrows_of(job.motion_arrows)
    anchors = anchors_of(job.motion_anchors)
    frozen = freeze_mask(freeze_of(job.motion_freeze), painted.shape)[ys, xs]
    velocity = model_velocity(painted, animations)
    motion = plan_motion(
        painted[ys, xs],
        frames,
        parse_motion(job.prompt),
        velocity,
        arrows=arrows - np.tile(offset, 2) if len(arrows) else None,
        anchors=anchors - offset if len(anchors) else None,
        frozen=frozen,
    )
    loop = render_loop(still[ys, xs], motion, frames)
    out = np.array(np.broadcast_to(still[None], (frames, *still.shape)))
    alpha = feathered_alpha(region[:, ys, xs], FEATHER)
    alpha[:, frozen] = 0  # frozen pixels are the still's, not a blend that rounds
    out[:, ys, xs] = composite(out[:, ys, xs], loop, alpha)
    mask = np.zeros(region.shape, np.uint8)
    mask[:, ys, xs] = np.where(alpha > 0, 255, 0)
    notes = [
        "the still's own pixels loop inside the region (pixels: footage); "
        + "; ".join(motion.notes)
    ]
    return out, mask, notes
