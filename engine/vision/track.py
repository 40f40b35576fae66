"""Carry a mask through a clip: from a keyframe, frame to frame by optical flow, each step
refined on the new frame (GrabCut in a band along the edge), forward, backward or both.

One step from frame a to frame b takes the flow b -> a (where each pixel of b was in a) and
pulls a's soft mask along it: the mask lands where the object went, with no holes (a forward
splat leaves cracks where the object grows). The edge then snaps to b's own colours within a
few pixels, which stops the small flow errors from adding up over many frames. Work happens
at a reduced size (`work_side`), the mask is carried there as a soft (float) mask so it keeps
sub-pixel edges, and each frame's full-size mask is that soft mask scaled up and cut at 0.5.

Keyframes are the frames the user painted or corrected: a run from one never crosses another
(`span`), so a correction re-tracks only up to the next keyframe and no keyframe is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import cv2
import numpy as np

from engine.errors import Cancelled
from engine.vision.flow import Preset, optical_flow, pull
from engine.vision.segment import refine_edge

Direction = Literal["forward", "backward", "both"]
DIRECTIONS: tuple[Direction, ...] = ("forward", "backward", "both")
Progress = Callable[[int, int], None]  # (frames done, frames to do)


class Frames(Protocol):
    """Frame i of a clip by its number: an array (T, H, W, 3), a list, a decoder's cache."""

    def __getitem__(self, index: int, /) -> np.ndarray: ...


@dataclass(frozen=True)
class TrackSettings:
    work_side: int = 640  # px on the longer side where flow and refinement run
    preset: Preset = "medium"
    band: int = 3  # px at the working size: how far the edge may snap on one frame
    refine: bool = True
    max_change: float = 0.25  # a refinement changing the area more than this is not trusted


def span(
    keyframes: Iterable[int],
    start: int,
    direction: Direction,
    length: int,
    limit: int | None = None,
) -> list[int]:
    """The frames a run from keyframe `start` fills, in the order it fills them: forward up to
    (not including) the next keyframe or the end of the clip, backward down to the frame after
    the previous keyframe or 0; `limit` caps each direction's count. 'both' lists the forward
    frames first, then the backward ones."""
    if not 0 <= start < length:
        raise ValueError(f"frame {start} is outside the clip's {length} frames")
    keys = sorted(set(keyframes) - {start})
    after = [k for k in keys if k > start]
    before = [k for k in keys if k < start]
    end = min(after[0] if after else length, length)
    first = (before[-1] + 1) if before else 0
    forward = list(range(start + 1, end))
    backward = list(range(start - 1, first - 1, -1))
    if limit is not None:
        forward, backward = forward[:limit], backward[:limit]
    if direction == "forward":
        return forward
    if direction == "backward":
        return backward
    return forward + backward


def _work_size(w: int, h: int, work_side: int) -> tuple[int, int]:
    scale = min(1.0, work_side / max(w, h))
    return max(2, round(w * scale)), max(2, round(h * scale))


def _shrink(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if frame.shape[1::-1] == size:
        return frame
    return np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))


def full_size(soft: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """bool (H, W) at `size` (W, H) of a soft working-size mask, cut at one half."""
    if soft.shape[1::-1] != size:
        soft = cv2.resize(soft, size, interpolation=cv2.INTER_LINEAR)
    out: np.ndarray = soft >= 0.5
    return out


class Tracker:
    """Steps a soft mask from frame to frame at the working size."""

    def __init__(self, settings: TrackSettings | None = None) -> None:
        self.settings = settings or TrackSettings()

    def step(self, frame_a: np.ndarray, soft_a: np.ndarray, frame_b: np.ndarray) -> np.ndarray:
        """float32 soft mask of working-size frame b from a's soft mask."""
        s = self.settings
        flow_ba = optical_flow(frame_b, frame_a, s.preset)
        # Bilinear pulls widen the edge's ramp a little each frame; steepening it back keeps
        # the half-way line (the edge) where it is and the ramp about a pixel wide.
        soft_b = np.clip((pull(soft_a, flow_ba) - 0.5) * 2.0 + 0.5, 0.0, 1.0).astype(np.float32)
        if not s.refine:
            return soft_b
        hard = soft_b >= 0.5
        if not hard.any():
            return soft_b
        snapped = refine_edge(frame_b, hard, s.band)
        area, new_area = int(hard.sum()), int(snapped.sum())
        if abs(new_area - area) > s.max_change * area:
            return soft_b  # the colours do not separate here; trust the flow alone
        # Where the snap agrees with the flow the soft edge stays; where it moved the edge,
        # its decision wins (a soft value just across the half, so the edge stays sub-pixel).
        agree = snapped == hard
        snapped_soft = np.where(snapped, 0.75, 0.25).astype(np.float32)
        return np.where(agree, soft_b, snapped_soft).astype(np.float32)


def track(
    frames: Frames,
    start: int,
    mask: np.ndarray,
    order: Sequence[int],
    *,
    settings: TrackSettings | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """(frame number, bool full-size mask) for each frame of `order` (from `span`), carried
    from bool `mask` on frame `start`. `frames[i]` is frame i, uint8 RGB; each step goes from
    the frame next to it in the run's direction, so `order` must walk away from `start` one
    frame at a time (a 'both' run turns back to `start` when it switches direction).
    `cancel` is polled before each frame: when it says so, Cancelled is raised."""
    s = settings or TrackSettings()
    tracker = Tracker(s)
    h, w = mask.shape
    size = (w, h)
    work = _work_size(w, h, s.work_side)
    key_soft = _shrink(mask.astype(np.float32), work)
    soft, previous = key_soft, start
    total = len(order)
    for done, index in enumerate(order):
        if cancel is not None and cancel():
            raise Cancelled()
        if abs(index - previous) != 1:  # a new direction starts again from the keyframe
            soft, previous = key_soft, start
            if abs(index - previous) != 1:
                raise ValueError(f"frame {index} does not follow frame {previous} in the run")
        frame_a = _shrink(np.asarray(frames[previous]), work)
        frame_b = _shrink(np.asarray(frames[index]), work)
        soft = tracker.step(frame_a, soft, frame_b)
        previous = index
        yield index, full_size(soft, size)
        if progress is not None:
            progress(done + 1, total)
