"""Looping motion of a still's own pixels inside a region (Eulerian, after Holynski et al.,
CVPR 2021): one velocity per pixel, integrated over time, so a cinemagraph is the still moved,
not redrawn.

Three kinds of loop, each with frame 0 = the still and frame T (one past the last) = frame 0,
so the clip plays round seamlessly:
- steady: a velocity field (a river, drifting cloud) integrated forward from the still and
  backward from the loop's end, the two cross-faded over the loop;
- wave: a periodic travelling displacement (ripples, swaying), periodic in t by construction,
  so no cross-fade and no ghosting on texture;
- flicker: a periodic gain field (fire, neon): light changes, pixels stay put.

Every motion is scaled by a weight that is 0 outside the region, at anchor pins and under
freeze-brush strokes and rises smoothly away from them, so the region's edge, the pins and the
frozen strokes do not tear (a pixel of weight 0 is the still's, bit for bit); the caller keeps
the outside bit-exact. Velocities and displacements are in pixels, (dx, dy); a pull map:
frame t at x shows the still at x + displacement(x, t).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from engine.vision.flow import pull
from engine.vision.motion_words import MotionWords

LoopKind = Literal["steady", "wave", "flicker"]
WARP = cv2.INTER_LANCZOS4  # resampling keeps detail best (shared/notes/footage.md)


@dataclass
class LoopMotion:
    """A loop's motion over a (H, W) frame. `weight` (H, W) in [0, 1] scales it everywhere."""

    kind: LoopKind
    weight: np.ndarray
    velocity: np.ndarray | None = None  # steady: float32 (H, W, 2) pixels per frame
    travel: tuple[float, float] = (1.0, 0.0)  # wave: unit direction the wave travels
    displace: tuple[float, float] = (0.0, 1.0)  # wave: unit direction pixels move in
    amplitude: float = 1.0  # wave: pixels; flicker: gain (0.1 = +-10 %)
    wavelength: float = 32.0  # wave: pixels
    cycles: int = 1  # wave, flicker: periods per loop
    seed: int = 0  # flicker: its phase pattern
    notes: list[str] = field(default_factory=list)


def falloff(region: np.ndarray, feather: float) -> np.ndarray:
    """float32 (H, W): 0 outside bool region (H, W), rising smoothly (smoothstep of the
    distance to the outside) to 1 at `feather` pixels inside."""
    inside = np.ascontiguousarray(region.astype(np.uint8))
    distance = cv2.distanceTransform(np.pad(inside, 1, constant_values=0), cv2.DIST_L2, 5)[
        1:-1, 1:-1
    ]
    x = np.clip(distance / max(feather, 1e-6), 0.0, 1.0)
    return np.asarray(x * x * (3 - 2 * x), np.float32)


def anchor_weight(shape: tuple[int, int], anchors: np.ndarray, radius: float) -> np.ndarray:
    """float32 (H, W): 0 within `radius` / 3 of each anchor (x, y) (N, 2), so a pin holds
    what is under it (a point that barely moves would still drift over a long loop), back to
    ~1 a few `radius` further."""
    h, w = shape
    out = np.ones((h, w), np.float32)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    core = radius / 3
    for x, y in np.asarray(anchors, np.float32).reshape(-1, 2):
        gap = np.maximum(np.hypot(xs - x, ys - y) - core, 0.0)
        out *= 1.0 - np.exp(-(gap**2) / (2 * radius**2))
    return out


def arrow_field(shape: tuple[int, int], arrows: np.ndarray, frames: int) -> np.ndarray:
    """float32 (H, W, 2) velocity per frame from arrows (N, 4) of (x0, y0, x1, y1): an arrow's
    length is how far the pixels under it travel over the loop. Between arrows the velocity
    is the inverse-square-distance mean of points sampled along them, smooth everywhere."""
    h, w = shape
    arrows = np.asarray(arrows, np.float64).reshape(-1, 4)
    points, vectors = [], []
    for x0, y0, x1, y1 in arrows:
        for s in np.linspace(0.0, 1.0, 5):
            points.append((x0 + s * (x1 - x0), y0 + s * (y1 - y0)))
            vectors.append(((x1 - x0) / frames, (y1 - y0) / frames))
    p, v = np.array(points), np.array(vectors)
    step = 4  # the field is smooth: compute on a coarse grid, enlarge
    ys, xs = np.mgrid[0 : h + step : step, 0 : w + step : step].astype(np.float64)
    d2 = (xs[..., None] - p[:, 0]) ** 2 + (ys[..., None] - p[:, 1]) ** 2
    weights = 1.0 / (d2 + 4.0)
    coarse = (weights @ v) / weights.sum(axis=-1, keepdims=True)
    big = cv2.resize(
        coarse.astype(np.float32),
        (coarse.shape[1] * step, coarse.shape[0] * step),
        interpolation=cv2.INTER_LINEAR,
    )
    return np.ascontiguousarray(big[:h, :w])


def freeze_mask(
    strokes: list[tuple[float, np.ndarray]], shape: tuple[int, int], scale: float = 1.0
) -> np.ndarray:
    """bool (H, W): the pixels the strokes cover (round brush, hard edge), the strokes'
    coordinates and radii multiplied by `scale` first (a reduced copy of the still)."""
    h, w = shape
    out = np.zeros((h, w), np.uint8)
    shift = 4  # OpenCV's fixed point: 1/16-pixel coordinates
    for radius, points in strokes:
        r = radius * scale
        xy = np.round(points * scale * (1 << shift)).astype(np.int32)
        thickness = max(1, round(2 * r))
        if len(xy) == 1:
            center = (int(xy[0, 0]), int(xy[0, 1]))
            cv2.circle(out, center, round(r * (1 << shift)), 1, -1, cv2.LINE_8, shift)
        else:
            cv2.polylines(out, [xy.reshape(-1, 1, 2)], False, 1, thickness, cv2.LINE_8, shift)
    return out.astype(bool)


def uniform_field(shape: tuple[int, int], velocity: tuple[float, float]) -> np.ndarray:
    """float32 (H, W, 2): one velocity everywhere."""
    return np.full((*shape, 2), velocity, np.float32)


def _trace(velocity: np.ndarray, steps: int, sign: float) -> list[np.ndarray]:
    """Displacements D_0..D_steps of the pull map: D_k = D_{k-1} + sign * v(x + D_{k-1}),
    following the field back (sign -1: where a pixel came from) or forward (+1)."""
    out = [np.zeros_like(velocity)]
    for _ in range(steps):
        last = out[-1]
        out.append(last + sign * pull(velocity, last))
    return out


Traces = tuple[list[np.ndarray], list[np.ndarray]]


def steady_displacements(motion: LoopMotion, frames: int) -> Traces:
    """(forward, backward) displacements, each k = 0..frames, of a steady loop: forward[t]
    pulls frame t from the still (where its pixels came from), backward[k] pulls the frame k
    steps before the loop's end from the still (where they are going)."""
    assert motion.velocity is not None
    velocity = np.asarray(motion.velocity * motion.weight[..., None], np.float32)
    return _trace(velocity, frames, -1.0), _trace(velocity, frames, 1.0)


def _warp(still: np.ndarray, displacement: np.ndarray) -> np.ndarray:
    return pull(still, displacement, WARP).astype(np.float32)


def _wave_displacement(motion: LoopMotion, t: float, frames: int) -> np.ndarray:
    h, w = motion.weight.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    kx, ky = motion.travel
    phase = (2 * math.pi / motion.wavelength) * (kx * xs + ky * ys)
    shift = 2 * math.pi * motion.cycles * t / frames
    # zero at t = 0 (frame 0 is the still) and periodic in t with period `frames`
    wave = motion.amplitude * motion.weight * (np.sin(phase - shift) - np.sin(phase))
    return np.stack([wave * motion.displace[0], wave * motion.displace[1]], axis=-1)


def _flicker_phase(shape: tuple[int, int], seed: int) -> np.ndarray:
    """A smooth random phase field (radians): neighbouring pixels flicker together."""
    h, w = shape
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 2 * math.pi, (max(2, h // 24), max(2, w // 24))).astype(np.float32)
    return np.asarray(cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC), np.float32)


def loop_frame(still: np.ndarray, motion: LoopMotion, t: int, frames: int) -> np.ndarray:
    """uint8 (H, W, 3): frame t of a `frames`-long loop (t = frames gives frame 0 again)."""
    f = still.astype(np.float32)
    if motion.kind == "wave":
        f = _warp(still, _wave_displacement(motion, t, frames))
    elif motion.kind == "flicker":
        phase = _flicker_phase(still.shape[:2], motion.seed)
        shift = 2 * math.pi * motion.cycles * t / frames
        gain = 1 + motion.amplitude * motion.weight * (np.sin(phase + shift) - np.sin(phase))
        f = f * gain[..., None]
    else:
        f = _steady_mix(still, steady_displacements(motion, frames), t, frames)
    return np.asarray(np.clip(np.round(f), 0, 255), np.uint8)


def _steady_mix(still: np.ndarray, traces: Traces, t: int, frames: int) -> np.ndarray:
    """The forward trace at t cross-faded with the backward one from the loop's end: at t = 0
    all forward (the still), at t = frames all backward (the still again)."""
    a = t / frames
    if a in (0.0, 1.0):
        return still.astype(np.float32)
    forward, backward = traces
    return (1 - a) * _warp(still, forward[t]) + a * _warp(still, backward[frames - t])


def render_loop(still: np.ndarray, motion: LoopMotion, frames: int) -> np.ndarray:
    """uint8 (T, H, W, 3): the whole loop; frame 0 is the still, bit for bit."""
    out = np.empty((frames, *still.shape), np.uint8)
    out[0] = still
    traces = steady_displacements(motion, frames) if motion.kind == "steady" else ([], [])
    for t in range(1, frames):
        if motion.kind == "steady":
            f = _steady_mix(still, traces, t, frames)
            out[t] = np.clip(np.round(f), 0, 255).astype(np.uint8)
        else:
            out[t] = loop_frame(still, motion, t, frames)
    return out


def _unit(v: tuple[float, float] | np.ndarray) -> tuple[float, float] | None:
    n = math.hypot(float(v[0]), float(v[1]))
    return None if n < 1e-6 else (float(v[0]) / n, float(v[1]) / n)


def _clip(x: float, low: float, high: float) -> float:
    return max(low, min(high, x))


def plan_motion(
    region: np.ndarray,
    frames: int,
    words: MotionWords,
    model_velocity: tuple[float, float] | np.ndarray = (0.0, 0.0),
    arrows: np.ndarray | None = None,
    anchors: np.ndarray | None = None,
    frozen: np.ndarray | None = None,
) -> LoopMotion:
    """The loop for bool region (H, W), its motion taken, in this order, from the user's
    arrows, the prompt's motion words, and the model's own animation of the region
    (`model_velocity`, its dominant (dx, dy) per frame in the region's pixels): what the words
    leave open (direction, speed) the model decides. Anchors (N, 2) hold still, and so do the
    pixels of bool `frozen` (H, W) (the freeze brush's strokes): their weight is 0."""
    ys, xs = np.nonzero(region)
    if len(ys) == 0:
        raise ValueError("the region is empty")
    side = float(min(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1))
    feather = _clip(side / 6, 2.0, 12.0)
    weight = falloff(region, feather)
    if frozen is not None and frozen.shape != region.shape:
        raise ValueError("the frozen strokes' mask does not fit the region")
    if frozen is not None and frozen.any():
        weight = weight * falloff(~frozen, 2 * feather)  # 0 on the strokes, easing out
    if anchors is not None and len(anchors):
        weight = weight * anchor_weight(region.shape, anchors, _clip(side / 6, 4.0, 48.0))
    factor = words.speed or 1.0
    model_dir = _unit(model_velocity)
    model_speed = math.hypot(float(model_velocity[0]), float(model_velocity[1]))
    said = f"the model's animation ({model_speed:.2f} px a frame)"

    def direction(default: tuple[float, float]) -> tuple[tuple[float, float], str]:
        if words.direction is not None:
            return words.direction, "the prompt"
        if model_dir is not None:
            return model_dir, said
        return default, "a default"

    if arrows is not None and len(arrows):
        velocity = arrow_field(region.shape, arrows, frames) * factor
        note = f"motion from {len(np.asarray(arrows).reshape(-1, 4))} arrow(s)"
        return LoopMotion("steady", weight, velocity=velocity, notes=[note])
    kind = words.kind
    if kind is None:  # the prompt says nothing: the model's animation decides
        kind = "flow" if model_speed >= 0.3 else "ripple"
    if kind == "flicker":
        amplitude = _clip(0.08 * factor, 0.02, 0.3)
        cycles = max(1, round(2 * factor))
        return LoopMotion(
            "flicker", weight, amplitude=amplitude, cycles=cycles, notes=["flicker: a gain field"]
        )
    if kind in ("flow", "drift"):
        base = 1.0 if kind == "flow" else 0.5
        speed = base * factor if words.speed else _clip(model_speed, 0.3 * base, 2 * base)
        (dx, dy), source = direction((1.0, 0.0))
        velocity = uniform_field(region.shape, (dx * speed, dy * speed))
        note = f"{kind} at {speed:.2f} px a frame, direction from {source}"
        return LoopMotion("steady", weight, velocity=velocity, notes=[note])
    travel, source = direction((1.0, 0.0))
    if kind == "sway":
        wavelength = _clip(2 * side, 32.0, 512.0)
        amplitude = _clip(side / 40, 1.5, 4.0) * factor
        displace = travel  # the region bends to and fro along the wind
    else:  # ripple
        wavelength = _clip(side / 3, 8.0, 64.0)
        amplitude = 1.0 * factor
        displace = (-travel[1], travel[0])  # water rises and falls across the wave
    cycles = int(_clip(round(model_speed * frames / wavelength), 1, 3))
    note = f"{kind}: a travelling wave {wavelength:.0f} px long, direction from {source}"
    return LoopMotion(
        "wave",
        weight,
        travel=travel,
        displace=displace,
        amplitude=amplitude,
        wavelength=wavelength,
        cycles=cycles,
        notes=[note],
    )
