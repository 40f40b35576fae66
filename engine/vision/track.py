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
from engine.vision.segment import bounding_crop, refine_edge

Direction = Literal["forward", "backward", "both"]
DIRECTIONS: tuple[Direction, ...] = ("forward", "backward", "both")
Progress = Callable[[int, int], None]  # (frames done, frames to do)
# How the mask moves between two frames: "affine" fits one affine motion to the object's
# flow (robustly: RANSAC), so the mask keeps its shape and the background's flow, which DIS
# smooths across the object's edge, never drags it along; "flow" pulls it pixel by pixel
# along the dense flow (it follows bending limbs, but grows a halo frame after frame).
Motion = Literal["affine", "flow"]
_MAX_POINTS = 4000
_MATCH_LEVELS = 20  # levels (of 255, smoothed, every channel) within which a pixel matches
_MIN_MATCH = 0.35  # share of the object that must match for a motion to be believed
_CLEAR_VIEW = 0.6  # share that must match for the motion to be kept for coasting
_OPEN = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
_HIDDEN_SHARE = 0.03  # a mismatching patch this share of the object is something in front
_MAX_COAST = 30  # frames the template is kept through while the object is mostly hidden


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
    # Snap the edge also on frames the affine mode registered to the keyframe? Those edges are
    # the keyframe's own, warped; measured (bench/masks.py) the snap there costs IoU.
    refine_registered: bool = False
    cut_hidden: bool = True  # leave out what passes in front of the object (affine mode)
    motion: Motion = "affine"


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


def object_motion(mask: np.ndarray, flow_ab: np.ndarray) -> np.ndarray | None:
    """The 2x3 affine motion of the object `mask` from a to b, fitted by RANSAC to the flow of
    its pixels (those at least 2 px inside its edge, where the flow is the object's own), or
    None when too few pixels or no consistent fit."""
    inner = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    if inner.sum() < 12:
        inner = mask
    ys, xs = np.nonzero(inner)
    if len(xs) < 12:
        return None
    if len(xs) > _MAX_POINTS:  # an even spread of the object's pixels is plenty
        pick = np.linspace(0, len(xs) - 1, _MAX_POINTS).astype(np.int64)
        ys, xs = ys[pick], xs[pick]
    src = np.stack([xs, ys], axis=1).astype(np.float32)
    dst = src + flow_ab[ys, xs]
    m, inliers = cv2.estimateAffine2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=1.0, maxIters=500, confidence=0.99
    )
    if m is None or inliers is None or int(inliers.sum()) < max(6, len(xs) // 5):
        return None
    return np.asarray(m, np.float64)


def _crop_around(mask: np.ndarray, margin: int) -> tuple[slice, slice]:
    """Slices of mask's bounding box widened by `margin` (the whole frame for no mask)."""
    if not mask.any():
        return slice(0, mask.shape[0]), slice(0, mask.shape[1])
    return bounding_crop(mask, margin)


def _fit_in_crop(
    a: np.ndarray, mask_a: np.ndarray, b: np.ndarray, margin: int, preset: Preset
) -> np.ndarray | None:
    """The object's affine motion from a to b (frame coordinates), the flow taken on a crop
    around the object only: the rest of the frame cannot tell where the object went."""
    rows, cols = _crop_around(mask_a, margin)
    flow = optical_flow(a[rows, cols], b[rows, cols], preset)
    m = object_motion(mask_a[rows, cols], flow)
    if m is None:
        return None
    shift = np.array([[1, 0, cols.start], [0, 1, rows.start], [0, 0, 1]], np.float64)
    back = np.array([[1, 0, -cols.start], [0, 1, -rows.start], [0, 0, 1]], np.float64)
    full: np.ndarray = (shift @ _h(m) @ back)[:2]
    return full


def _smooth(frame: np.ndarray) -> np.ndarray:
    """Blurred int16 colours: a pixel-exact comparison would fail on resampling and noise
    alone; colour (not luma) so unrelated textures rarely match by chance."""
    return np.asarray(cv2.GaussianBlur(frame, (5, 5), 1.2), np.int16)


def _h(m: np.ndarray) -> np.ndarray:
    """A 2x3 affine as a 3x3 matrix."""
    return np.vstack([m, [0.0, 0.0, 1.0]])


class Tracker:
    """Steps a soft mask from frame to frame at the working size, from one keyframe.

    In "affine" mode it keeps the keyframe's picture and mask as a template. For each new
    frame it weighs candidate motions (the object's flow from the last frame fitted by
    RANSAC, the last motion again, no motion) by how well the template, warped by each,
    matches the new frame inside the mask; the best is then corrected by a second flow,
    template-warped -> new frame, fitted only on the pixels that match (so what passes in
    front of the object neither drags the mask along nor skews the fit). Errors of single
    steps do not add up: each frame's mask is the keyframe's mask warped once. Where no
    candidate matches (the object turned, bent or left), the frame goes by the dense flow
    and becomes the new template."""

    def __init__(
        self, key_frame: np.ndarray, key_soft: np.ndarray, settings: TrackSettings | None = None
    ) -> None:
        self.settings = settings or TrackSettings()
        self._set_template(key_frame, key_soft)

    def _set_template(self, frame: np.ndarray, soft: np.ndarray) -> None:
        self.key_frame, self.key_soft = frame, soft
        self.key_smooth = _smooth(frame)
        ys, xs = np.nonzero(soft >= 0.5)
        self.key_box = (  # the template object's bounding box (x0, y0, x1, y1)
            (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
            if len(xs)
            else (0, 0, 0, 0)
        )
        self.total = np.eye(3)  # template -> current frame
        self.velocity = np.eye(3)  # the last step's motion
        self.visible = soft >= 0.5  # the object's pixels seen on the last frame
        self.coasted = 0  # frames in a row with too little of the object in view

    def _margin(self, shape: tuple[int, ...]) -> int:
        return max(24, int(0.08 * max(shape[:2])))

    def _match(self, m: np.ndarray, smooth_b: np.ndarray) -> tuple[float, np.ndarray]:
        """The share of the template's object pixels that, warped by m (3x3, template ->
        frame b), look like frame b there, and those pixels (in b). Only the box the object
        lands in is compared."""
        h, w = smooth_b.shape[:2]
        seen = np.zeros((h, w), bool)
        x0, y0, x1, y1 = self.key_box
        corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], np.float64)
        landed = corners @ m[:2].T
        cx0, cy0 = (max(0, int(np.floor(v)) - 2) for v in landed.min(axis=0))
        cx1, cy1 = (int(np.ceil(v)) + 3 for v in landed.max(axis=0))
        cx1, cy1 = min(w, cx1), min(h, cy1)
        if cx1 - cx0 < 1 or cy1 - cy0 < 1:
            return 0.0, seen  # the object would be out of the frame
        to_crop = np.array([[1, 0, -cx0], [0, 1, -cy0], [0, 0, 1]], np.float64) @ m
        size = (cx1 - cx0, cy1 - cy0)
        inside = cv2.warpAffine(self.key_soft, to_crop[:2], size, flags=cv2.INTER_LINEAR) >= 0.5
        warped = cv2.warpAffine(self.key_smooth, to_crop[:2], size, flags=cv2.INTER_LINEAR)
        diff = np.abs(warped - smooth_b[cy0:cy1, cx0:cx1])
        close = (diff.max(axis=2) if diff.ndim == 3 else diff) <= _MATCH_LEVELS
        seen[cy0:cy1, cx0:cx1] = inside & close
        return float(seen.sum()) / max(1, int(inside.sum())), seen

    def _visible_part(self, moved: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """`moved` less the large patches inside it that do not look like the template there:
        something in front of the object (a pole, a passer-by), which the mask must leave out.
        Small mismatches (noise, a glint, resampling) stay inside."""
        if not self.settings.cut_hidden:
            return moved
        inside = moved >= 0.5
        hidden = (inside & ~seen).astype(np.uint8)
        hidden = cv2.morphologyEx(hidden, cv2.MORPH_OPEN, _OPEN)
        count, parts, stats, _ = cv2.connectedComponentsWithStats(hidden, connectivity=8)
        least = max(30, int(_HIDDEN_SHARE * inside.sum()))
        big = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= least]
        if not big:
            return moved
        out: np.ndarray = np.array(moved, np.float32)
        out[np.isin(parts, big)] = 0.0
        return out

    def carry(
        self, frame_a: np.ndarray, soft_a: np.ndarray, frame_b: np.ndarray
    ) -> tuple[np.ndarray, bool]:
        """a's soft mask moved onto frame b (not yet refined), and whether it was registered
        to the keyframe (True) or went by the dense flow."""
        s = self.settings
        h, w = soft_a.shape
        if s.motion == "affine":
            margin = self._margin(soft_a.shape)
            smooth_b = _smooth(frame_b)
            candidates = [self.total, self.velocity @ self.total]
            fitted_on = self.visible if self.visible.sum() >= 12 else soft_a >= 0.5
            step = _fit_in_crop(frame_a, fitted_on, frame_b, margin, s.preset)
            if step is not None:
                candidates.append(_h(step) @ self.total)
            scored = [(self._match(m, smooth_b), m) for m in candidates]
            (score, seen), best = max(scored, key=lambda c: c[0][0])
            if score < _MIN_MATCH and self.coasted < _MAX_COAST:
                # Mostly hidden (something passes in front): what little shows cannot say
                # where it went, so it keeps its last motion and the template; a few frames
                # on, the object shows again and is found.
                self.coasted += 1
                (_, seen), guess = scored[1]
                # Still, the part in view may show where it is: a fit on all the template's
                # pixels (RANSAC keeps the larger consistent group) is kept if it matches better.
                key = cv2.warpAffine(self.key_frame, guess[:2], (w, h), flags=cv2.INTER_LINEAR)
                inside = cv2.warpAffine(self.key_soft, guess[:2], (w, h)) >= 0.5
                found = _fit_in_crop(key, inside, frame_b, margin, s.preset)
                if found is not None:
                    (found_score, found_seen) = self._match(_h(found) @ guess, smooth_b)
                    if found_score > score:
                        guess, seen = _h(found) @ guess, found_seen
                self.total = guess
                moved = cv2.warpAffine(self.key_soft, guess[:2], (w, h), flags=cv2.INTER_LINEAR)
                return self._visible_part(np.asarray(moved, np.float32), seen), True
            if score >= _MIN_MATCH:
                self.coasted = 0
                key = cv2.warpAffine(self.key_frame, best[:2], (w, h), flags=cv2.INTER_LINEAR)
                fix = _fit_in_crop(key, seen, frame_b, margin // 2, s.preset)
                new_total = _h(fix) @ best if fix is not None else best
                if score >= _CLEAR_VIEW:  # a half-hidden object's fit is not a motion to keep
                    self.velocity = new_total @ np.linalg.inv(self.total)
                self.total = new_total
                self.visible = self._match(new_total, smooth_b)[1]
                moved = cv2.warpAffine(
                    self.key_soft, self.total[:2], (w, h), flags=cv2.INTER_LINEAR
                )
                return self._visible_part(np.asarray(moved, np.float32), self.visible), True
        flow_ba = optical_flow(frame_b, frame_a, s.preset)
        moved = pull(soft_a, flow_ba)
        if s.motion == "affine":  # nothing matched: this frame is the template from now on
            self._set_template(frame_b, moved)
        return moved, False

    def step(self, frame_a: np.ndarray, soft_a: np.ndarray, frame_b: np.ndarray) -> np.ndarray:
        """float32 soft mask of working-size frame b from a's soft mask."""
        s = self.settings
        # Bilinear resampling widens the edge's ramp a little each frame; steepening it back
        # keeps the half-way line (the edge) where it is and the ramp about a pixel wide.
        moved, registered = self.carry(frame_a, soft_a, frame_b)
        soft_b = np.clip((moved - 0.5) * 2.0 + 0.5, 0.0, 1.0).astype(np.float32)
        if not s.refine or (registered and not s.refine_registered):
            return soft_b
        hard = soft_b >= 0.5
        if not hard.any():
            return soft_b
        snapped = refine_edge(frame_b, hard, s.band)
        area, new_area = int(hard.sum()), int(snapped.sum())
        if abs(new_area - area) > s.max_change * area:
            return soft_b  # the colours do not separate here; trust the motion alone
        # Where the snap agrees with the motion the soft edge stays; where it moved the edge,
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
    h, w = mask.shape
    size = (w, h)
    work = _work_size(w, h, s.work_side)
    key_soft = _shrink(mask.astype(np.float32), work)
    key_frame = _shrink(np.asarray(frames[start]), work)
    tracker = Tracker(key_frame, key_soft, s)
    soft, previous, frame_a = key_soft, start, key_frame
    total = len(order)
    for done, index in enumerate(order):
        if cancel is not None and cancel():
            raise Cancelled()
        if abs(index - previous) != 1:  # a new direction starts again from the keyframe
            soft, previous, frame_a = key_soft, start, key_frame
            tracker = Tracker(key_frame, key_soft, s)
            if abs(index - previous) != 1:
                raise ValueError(f"frame {index} does not follow frame {previous} in the run")
        frame_b = _shrink(np.asarray(frames[index]), work)
        soft = tracker.step(frame_a, soft, frame_b)
        previous, frame_a = index, frame_b  # the next step starts from this frame
        yield index, full_size(soft, size)
        if progress is not None:
            progress(done + 1, total)
