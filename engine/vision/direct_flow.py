"""Propagation along direct flows: each hidden pixel is pulled from another frame along the
flow measured between the two frames themselves, not along a chain of neighbour flows.

A chain of k neighbour flows adds k measurement errors, so on a slow pan the pixels taken
10 frames away are off by a pixel or more and a fine texture blurs. A direct flow has one
error whatever the distance. The direct flows are measured on a clip whose hole was already
filled by chained propagation (only what no frame shows is smoothed), so DIS sees texture
in the hole and is not held still by it; each flow is then completed inside its frame's hole
from the trusted flow around (engine/vision/flow_fill.py), as the neighbour flows are.

Each direct flow starts from the chain of neighbour flows and corrects its drift. Flows are
measured on demand, nearest frames first, and kept only while a later frame needs them: a
frame whose hidden pixels are all found near it never asks for the far ones.
"""

from __future__ import annotations

import numpy as np

from engine.vision.flow import Preset, bilinear, optical_flow, pull
from engine.vision.flow_fill import complete_flow


class PairFlows:
    """Completed direct flows between any two frames of a clip, measured when first asked.

    `frames` uint8 (T, H, W, 3) are what DIS is run on; `hole` bool (T, H, W) is where each
    frame's flow is not trusted and is completed from its border (with a `band` around).
    With the clip's neighbour flows (`forward[t]`: t -> t + 1, `backward[t]`: t + 1 -> t),
    each direct flow starts from their chain: DIS then only corrects the chain's drift and
    still finds a move longer than its coarsest scale reaches."""

    def __init__(
        self,
        frames: np.ndarray,
        hole: np.ndarray,
        forward: list[np.ndarray] | None = None,
        backward: list[np.ndarray] | None = None,
        preset: Preset = "medium",
        band: int = 16,
    ) -> None:
        if hole.shape != frames.shape[:3]:
            raise ValueError(f"hole {hole.shape} does not match frames {frames.shape[:3]}")
        if (forward is None) != (backward is None) or (
            forward is not None
            and backward is not None
            and not len(forward) == len(backward) == len(frames) - 1
        ):
            raise ValueError("the neighbour flows need T - 1 flows each way, or none")
        self.frames, self.hole, self.preset, self.band = frames, hole, preset, band
        self.forward, self.backward = forward, backward
        self._done: dict[tuple[int, int], np.ndarray] = {}
        self.measured = 0  # how many flows DIS has measured

    def chained(self, a: int, b: int) -> np.ndarray | None:
        """The neighbour flows from a to b composed (None without them)."""
        if self.forward is None or self.backward is None:
            return None
        total = np.zeros((*self.hole.shape[1:], 2), np.float32)
        step = 1 if b > a else -1
        for u in range(a, b, step):
            link = self.forward[u] if step > 0 else self.backward[u - 1]
            total += pull(link, total)
        return total

    def _measure(self, a: int, b: int) -> np.ndarray:
        self.measured += 1
        return optical_flow(self.frames[a], self.frames[b], self.preset, self.chained(a, b))

    def __call__(self, a: int, b: int) -> np.ndarray:
        """float32 (H, W, 2) flow a -> b, completed inside frame a's hole. The pair is
        measured both ways at once: each way checks the other."""
        if (a, b) not in self._done:
            ab, ba = self._measure(a, b), self._measure(b, a)
            for (x, y), flow, back in (((a, b), ab, ba), ((b, a), ba, ab)):
                hole = self.hole[x]
                self._done[(x, y)] = (
                    complete_flow(flow, back, hole, band=self.band)[0] if hole.any() else flow
                )
        return self._done[(a, b)]

    def forget(self, t: int) -> None:
        """Drop the flows between frames up to t (a caller going forward needs them no more)."""
        for key in [k for k in self._done if max(k) <= t]:
            del self._done[key]


def sources(t: int, count: int) -> list[int]:
    """The other frames of a `count`-frame clip, nearest to t first, the later one first at
    equal distance (the order chained propagation uses)."""
    return sorted((s for s in range(count) if s != t), key=lambda s: (abs(s - t), -s))


def propagate_direct(
    frames: np.ndarray,
    hole: np.ndarray,
    flows: PairFlows,
    usable: np.ndarray | None = None,
    tolerance: float = 1.0,
    relative: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill bool (T, H, W) `hole` of uint8 (T, H, W, 3) `frames` from the nearest frame that
    shows each pixel, along the direct flows. A source counts where the round trip through
    the flow back lands within `tolerance` + `relative` x the flow's length, inside the frame,
    and every pixel its bilinear sample touches is `usable` (default: outside the hole).
    Returns the filled frames (a copy) and the mask of hidden pixels no frame shows."""
    count, h, w = hole.shape
    if frames.shape[:3] != hole.shape or flows.hole.shape != hole.shape:
        raise ValueError("propagate_direct needs frames, hole and flows of one clip")
    usable = ~hole if usable is None else usable
    blocked = (~usable).astype(np.float32)
    out: np.ndarray = frames.copy()
    unseen = np.zeros_like(hole)
    for t in range(count):
        ys, xs = np.nonzero(hole[t])
        pending = np.ones(ys.size, bool)
        px, py = xs.astype(np.float32), ys.astype(np.float32)
        for s in sources(t, count):
            if not pending.any():
                break
            if not usable[s].any():
                continue
            idx = np.flatnonzero(pending)
            f = bilinear(flows(t, s), px[idx], py[idx])
            nx, ny = px[idx] + f[:, 0], py[idx] + f[:, 1]
            b = bilinear(flows(s, t), nx, ny)
            error = np.hypot(f[:, 0] + b[:, 0], f[:, 1] + b[:, 1])
            ok = (nx >= 0) & (nx <= w - 1) & (ny >= 0) & (ny <= h - 1)
            ok &= error <= tolerance + relative * np.hypot(f[:, 0], f[:, 1])
            ok &= bilinear(blocked[s], nx, ny)[:, 0] <= 1e-6
            if ok.any():
                got = bilinear(frames[s], nx[ok], ny[ok])
                out[t, ys[idx[ok]], xs[idx[ok]]] = np.clip(np.rint(got), 0, 255)
                pending[idx[ok]] = False
        unseen[t, ys[pending], xs[pending]] = True
        flows.forget(t)
    return out, unseen
