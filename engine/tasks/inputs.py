"""Reading a task's source footage into what its conditioning is made from: the source clip's
frame rate within what a job may ask for, and a source brought to the output's size."""

from __future__ import annotations

import numpy as np

from engine.jobs import FPS_RANGE
from engine.tasks.fit import crop_box
from engine.tasks.sizes import same_aspect
from engine.tensors import resize, to_float, to_uint8


def source_rate(fps: float, notes: list[str]) -> float:
    """The source clip's frame rate as the result's, within what a job may ask for (1-240 fps):
    a clip at 0.4 or 1000 fps would otherwise fail only when the result is written."""
    low, high = FPS_RANGE
    if low <= round(fps) <= high:
        return fps
    rate = float(min(max(round(fps), low), high))
    notes.append(
        f"the source's frame rate ({fps:.4g} fps) is outside {low}-{high} fps; "
        f"the result is written at {rate:g} fps (set the frame rate to choose another)"
    )
    return rate


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
