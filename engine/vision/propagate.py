"""Flow-guided propagation: every hidden pixel of a clip that some other frame shows is pulled
from that frame, the nearest frame first, along the chain of frame-to-frame flows.

Only the hidden pixels are tracked (as points, not whole frames), so the cost grows with the
hole, not the frame. Each step of a chain is checked forward and backward: a point whose
round trip fails (an occlusion, a flow that disagrees with itself) stops there, in that
direction. A source pixel counts only when every pixel its bilinear sample touches is one
the source frame shows (`usable`), so nothing of the hole leaks back in.
"""

from __future__ import annotations

import numpy as np

from engine.vision.direct_flow import PairFlows, propagate_direct
from engine.vision.flow import Preset, bilinear, optical_flow
from engine.vision.flow_fill import complete_flow, harmonic_fill

Flows = list[np.ndarray]  # T - 1 float32 (H, W, 2) flows


def clip_flows(frames: np.ndarray, preset: Preset = "medium") -> tuple[Flows, Flows]:
    """(forward, backward) flows of uint8 (T, H, W, 3) `frames`: forward[t] is t -> t + 1,
    backward[t] is t + 1 -> t."""
    forward = [optical_flow(frames[t], frames[t + 1], preset) for t in range(len(frames) - 1)]
    backward = [optical_flow(frames[t + 1], frames[t], preset) for t in range(len(frames) - 1)]
    return forward, backward


def complete_flows(
    forward: Flows, backward: Flows, hole: np.ndarray, band: int = 16
) -> tuple[Flows, Flows]:
    """The clip's flows with each frame's hole (bool (T, H, W)) completed from its border
    (engine/vision/flow_fill.py): forward[t] takes frame t's hole, backward[t] frame t + 1's."""
    fwd, bwd = [], []
    for t, (f, b) in enumerate(zip(forward, backward, strict=True)):
        fwd.append(complete_flow(f, b, hole[t], band=band)[0] if hole[t].any() else f)
        bwd.append(complete_flow(b, f, hole[t + 1], band=band)[0] if hole[t + 1].any() else b)
    return fwd, bwd


def smoothed(frames: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """uint8 copy of (T, H, W, 3) `frames` with each frame's hole replaced by the harmonic
    fill of its border: a textureless patch that DIS flows through, where the hole's own
    content (a static object, a flat colour) would hold the flow around it still."""
    out: np.ndarray = frames.copy()
    for t in range(len(frames)):
        if hole[t].any() and not hole[t].all():
            out[t] = np.clip(np.rint(harmonic_fill(frames[t], hole[t])), 0, 255)
    return out


def footage_flows(
    frames: np.ndarray, hole: np.ndarray, preset: Preset = "medium", band: int = 16
) -> tuple[Flows, Flows]:
    """(forward, backward) flows of uint8 (T, H, W, 3) `frames`, measured with each hole
    smoothed over and then completed inside it from the trusted flow around."""
    forward, backward = clip_flows(smoothed(frames, hole), preset)
    return complete_flows(forward, backward, hole, band)


def _step(
    flow: np.ndarray, back: np.ndarray, x: np.ndarray, y: np.ndarray, tol: float, rel: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One link of a chain: the points moved by `flow`, and whether each survives the round
    trip through `back` and lands inside the frame."""
    h, w = flow.shape[:2]
    f = bilinear(flow, x, y)
    nx, ny = x + f[:, 0], y + f[:, 1]
    inside = (nx >= 0) & (nx <= w - 1) & (ny >= 0) & (ny <= h - 1)
    b = bilinear(back, nx, ny)
    error = np.hypot(f[:, 0] + b[:, 0], f[:, 1] + b[:, 1])
    ok = inside & (error <= tol + rel * np.hypot(f[:, 0], f[:, 1]))
    return nx, ny, ok


def propagate(
    frames: np.ndarray,
    hole: np.ndarray,
    forward: Flows,
    backward: Flows,
    usable: np.ndarray | None = None,
    tolerance: float = 1.0,
    relative: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill bool (T, H, W) `hole` of uint8 (T, H, W, 3) `frames` from the other frames.

    `forward[t]` is the flow t -> t + 1 and `backward[t]` the flow t + 1 -> t, both already
    completed inside the holes. `usable` (bool (T, H, W), default: outside the hole) are the
    pixels a frame may give. Frames are tried nearest first, later before earlier at equal
    distance. Returns the filled frames (a copy; pixels outside the hole untouched) and the
    bool (T, H, W) mask of hidden pixels no frame shows (left as they were)."""
    count = len(frames)
    if hole.shape != frames.shape[:3] or len(forward) != count - 1 or len(backward) != count - 1:
        raise ValueError("propagate needs a hole per frame and T - 1 flows each way")
    usable = ~hole if usable is None else usable
    blocked = [(~usable[s]).astype(np.float32) for s in range(count)]
    out: np.ndarray = frames.copy()
    unseen = np.zeros_like(hole)
    for t in range(count):
        ys, xs = np.nonzero(hole[t])
        if ys.size == 0:
            continue
        pending = np.ones(ys.size, bool)
        # per direction: indices of the live points and their positions in the current frame
        live = {d: np.arange(ys.size) for d in (1, -1)}
        pos = {d: (xs.astype(np.float32), ys.astype(np.float32)) for d in (1, -1)}
        for k in range(1, count):
            for d in (1, -1):
                prev, s = t + d * (k - 1), t + d * k
                if not 0 <= s < count or live[d].size == 0:
                    continue
                flow, back = (forward[prev], backward[prev]) if d > 0 else (backward[s], forward[s])
                x, y = pos[d]
                nx, ny, ok = _step(flow, back, x, y, tolerance, relative)
                idx, nx, ny = live[d][ok], nx[ok], ny[ok]
                clear = bilinear(blocked[s], nx, ny)[:, 0] <= 1e-6
                take = clear & pending[idx]
                if take.any():
                    got = bilinear(frames[s], nx[take], ny[take])
                    out[t, ys[idx[take]], xs[idx[take]]] = np.clip(np.rint(got), 0, 255)
                    pending[idx[take]] = False
                keep = pending[idx]
                live[d], pos[d] = idx[keep], (nx[keep], ny[keep])
            if not pending.any():
                break
        unseen[t, ys[pending], xs[pending]] = True
    return out, unseen


def fill_from_footage(
    frames: np.ndarray, hole: np.ndarray, passes: int = 2, direct: bool = True
) -> tuple[np.ndarray, np.ndarray, Flows, Flows]:
    """Propagation in `passes` along chained neighbour flows, then (`direct`) once more along
    direct flows between the frames (engine/vision/direct_flow.py).

    Each chained pass after the first measures the flow again on the previous pass's result,
    where only what no frame showed is still a smoothed patch, so DIS is no longer held still
    by the whole hole (a pan across a photo: 23.5 -> 26.4 dB on the propagated pixels). The
    direct pass removes the drift that chains of up to ~10 links add (synthetic pans with fine
    texture: 24-27 -> 28-29 dB); a pixel it cannot follow keeps the chained pass's value.
    Returns the filled frames, the unseen mask and the last neighbour flows."""
    forward, backward = footage_flows(frames, hole)
    filled, unseen = propagate(frames, hole, forward, backward)
    for _ in range(passes - 1):
        if not hole.any():
            break
        forward, backward = footage_flows(filled, unseen, band=4)
        filled, unseen = propagate(frames, hole, forward, backward)
    if direct and hole.any() and not unseen.all():
        pairs = PairFlows(smoothed(filled, unseen), hole, forward, backward)
        again, missed = propagate_direct(frames, hole, pairs)
        keep = missed & ~unseen  # the chained value where the direct flow fails its check
        again[keep] = filled[keep]
        filled, unseen = again, missed & unseen
    return filled, unseen, forward, backward
