"""Motion applied to a still scene (natural.py): the camera pans (with parallax between layers at
different depths) or zooms; or one layer moves while the rest stays still (water ripples,
clouds or smoke drift, foliage sways, fire flickers), which is what a cinemagraph animates. Each
clip comes with a caption naming the motion and, for a layer's motion, the region it covers.

Direction words name the way the picture moves on screen, as in the shapes data ("the view
slides left": the content moves left).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.train.natural import CANVAS_MARGIN, Layer, Scene
from engine.train.procedural import DIRECTIONS, pick_word

CAMERA_MOTIONS = ("pan", "zoom")
LAYER_MOTIONS = {"ripple": "water", "drift": "clouds", "sway": "foliage", "flicker": "fire"}
# How each direction is said after a verb ("slides" + "up and to the left").
DIRECTION_PHRASES = {d: d.replace("-", " and to the ") for d in DIRECTIONS}
PAN_WORDS = {
    d: [f"{verb} {phrase}" for verb in ("slides", "moves", "scrolls", "pans")]
    for d, phrase in DIRECTION_PHRASES.items()
}
PAN_TEMPLATES = (
    "the view {move}",
    "{scene}, the view {move}",
    "the picture {move}",
    "a slow pan, the scene {move}",
)
ZOOM_WORDS = {
    "in": ["slow zoom in", "zooming in", "the camera zooms in", "a slow push in"],
    "out": ["slow zoom out", "zooming out", "the camera zooms out", "the camera pulls back"],
}
DRIFT_SIDES = {"left": ["left", "to the left"], "right": ["right", "to the right"]}
LAYER_WORDS: dict[str, list[str]] = {
    "water": [
        "the water ripples",
        "rippling water",
        "gentle waves on the water",
        "ripples spread across the lake",
    ],
    "clouds": [
        "clouds drift {side}",
        "clouds drifting {side} across the sky",
        "the clouds move {side}",
    ],
    "smoke": ["smoke drifts {side}", "smoke rising and drifting {side}"],
    "foliage": [
        "leaves sway in the wind",
        "the trees sway",
        "branches swaying gently",
        "foliage moving in the wind",
    ],
    "fire": ["the fire flickers", "flickering flames", "the flame flickers", "a flickering fire"],
}
# A layer's motion on a region of a picture that has no such layer (a photo, a texture).
REGION_WORDS: dict[str, list[str]] = {
    "ripple": ["it ripples", "a rippling surface", "gentle ripples"],
    "sway": ["swaying gently", "it sways in the wind", "gently swaying"],
    "flicker": ["a flickering light", "the light flickers", "flickering"],
    "drift": ["drifting {side}", "it drifts {side}", "slowly drifting {side}"],
}


@dataclass
class NaturalClip:
    video: np.ndarray  # uint8 (T, H, W, 3)
    caption: str
    motion: str  # pan-<direction>, zoom-in, zoom-out, ripple, drift-<side>, sway, flicker, clip
    region: np.ndarray | None  # (H, W) bool where the picture moves; None: the whole frame
    shift: tuple[float, float] = (0.0, 0.0)  # pan: content move over the clip, frame pixels


def _sample(image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Bilinear samples of (H, W, C) `image` at pixel-centre coordinates, clamped at the edge."""
    h, w = image.shape[:2]
    y = np.clip(ys - 0.5, 0.0, h - 1.0)
    x = np.clip(xs - 0.5, 0.0, w - 1.0)
    y0, x0 = np.floor(y).astype(np.intp), np.floor(x).astype(np.intp)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (y - y0)[..., None], (x - x0)[..., None]
    top = image[y0, x0] * (1 - fx) + image[y0, x1] * fx
    bottom = image[y1, x0] * (1 - fx) + image[y1, x1] * fx
    samples: np.ndarray = top * (1 - fy) + bottom * fy
    return samples


@dataclass
class LayerMove:
    """How one layer moves in one frame: a displacement of its picture (dy, dx in frame pixels,
    arrays or scalars), whether its alpha moves with it, and a brightness gain."""

    dy: np.ndarray | float = 0.0
    dx: np.ndarray | float = 0.0
    moves_alpha: bool = True
    gain: float = 1.0


def _composite(
    scene: Scene, h: int, w: int, zoom: float, pan: tuple[float, float], moves: dict[int, LayerMove]
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """One frame (H, W, 3) in [0, 1], and the alpha each moved layer had in it."""
    hc, wc = scene.layers[0].alpha.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    # Frame pixel -> canvas coordinate: centred, scaled by the zoom.
    cy = hc / 2 + (yy - h / 2) / zoom
    cx = wc / 2 + (xx - w / 2) / zoom
    near = max(layer.depth for layer in scene.layers)
    out = np.zeros((h, w, 3), np.float32)
    alphas = {}
    for i, layer in enumerate(scene.layers):
        # A camera move carries each layer in proportion to its depth: parallax.
        ly = cy - pan[1] * layer.depth / near
        lx = cx - pan[0] * layer.depth / near
        move = moves.get(i, LayerMove())
        rgb = _sample(layer.rgb, ly - move.dy, lx - move.dx) * move.gain
        if move.moves_alpha:
            alpha = _sample(layer.alpha[..., None], ly - move.dy, lx - move.dx)
        else:
            alpha = _sample(layer.alpha[..., None], ly, lx)
        if i in moves:
            alphas[i] = alpha[..., 0]
        out = out * (1 - alpha) + np.clip(rgb, 0, 1) * alpha
    return out, alphas


def _to_uint8(frames: list[np.ndarray]) -> np.ndarray:
    video: np.ndarray = (np.clip(np.stack(frames), 0.0, 1.0) * 255).round().astype(np.uint8)
    return video


def _scene_phrase(scene: Scene, rng: np.random.Generator) -> str:
    return pick_word(scene.words, rng) if scene.words else "a picture"


def camera_motion(
    scene: Scene, kind: str, frames: int, h: int, w: int, rng: np.random.Generator
) -> NaturalClip:
    """A pan in one of the eight directions (near layers move more: parallax) or a zoom."""
    s = np.linspace(0.0, 1.0, frames)
    if kind == "pan":
        direction = pick_word(list(DIRECTIONS), rng)
        dx, dy = DIRECTIONS[direction]
        travel = rng.uniform(0.15, 0.4) * min(h, w)
        shift = (dx * travel, dy * travel)
        video = [
            _composite(scene, h, w, 1.0, (shift[0] * (t - 0.5), shift[1] * (t - 0.5)), {})[0]
            for t in s
        ]
        caption = pick_word(PAN_TEMPLATES, rng).format(
            move=pick_word(PAN_WORDS[direction], rng), scene=_scene_phrase(scene, rng)
        )
        return NaturalClip(_to_uint8(video), caption, f"pan-{direction}", None, shift)
    inward = bool(rng.uniform() < 0.5)
    end = rng.uniform(1.2, 1.5)
    zooms = 1.0 + (end - 1.0) * (s if inward else 1.0 - s)
    video = [_composite(scene, h, w, float(z), (0.0, 0.0), {})[0] for z in zooms]
    words = pick_word(ZOOM_WORDS["in" if inward else "out"], rng)
    if rng.uniform() < 0.5:
        words = f"{_scene_phrase(scene, rng)}, {words}"
    return NaturalClip(_to_uint8(video), words, "zoom-in" if inward else "zoom-out", None)


def _ripple(h: int, w: int, frames: int, rng: np.random.Generator) -> list[LayerMove]:
    """Travelling waves: a sum of three sinusoidal displacement fields."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    waves = []
    for _ in range(3):
        k = rng.uniform(2, 6) * 2 * math.pi / min(h, w) * np.array([1.0, rng.uniform(-0.5, 0.5)])
        waves.append((k, rng.uniform(0.01, 0.03) * min(h, w), rng.uniform(1, 3), rng.uniform(0, 6)))
    moves = []
    for t in np.linspace(0.0, 1.0, frames):
        phase = sum(
            a * np.sin(k[0] * yy + k[1] * xx - 2 * math.pi * c * t + p) for k, a, c, p in waves
        )
        moves.append(LayerMove(dy=phase, dx=0.5 * phase, moves_alpha=False))
    return moves


def _sway(h: int, w: int, frames: int, rng: np.random.Generator) -> list[LayerMove]:
    """A side-to-side swing, larger higher up (a crown swings on its trunk), with a slower
    wave through the leaves."""
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    lift = 1.0 - yy / h
    amplitude = rng.uniform(0.02, 0.05) * min(h, w)
    cycles, phase = rng.uniform(0.7, 1.6), rng.uniform(0, 2 * math.pi)
    return [
        LayerMove(dx=amplitude * lift * np.sin(2 * math.pi * cycles * t + phase + 3 * yy / h))
        for t in np.linspace(0.0, 1.0, frames)
    ]


def _flicker(frames: int, rng: np.random.Generator) -> list[LayerMove]:
    """Brightness that wanders between dim and bright, and a small upward lick."""
    gains = np.clip(1.0 + np.cumsum(rng.normal(0, 0.12, frames)) * 0.6, 0.55, 1.4)
    lift = rng.uniform(0.3, 1.0)
    return [LayerMove(dy=-lift * (i % 3), gain=float(g)) for i, g in enumerate(gains)]


def _drift(frames: int, w: int, rng: np.random.Generator, kind: str) -> tuple[list[LayerMove], str]:
    side = pick_word(["left", "right"], rng)
    travel = rng.uniform(0.15, 0.35) * w * (-1 if side == "left" else 1)
    rise = -rng.uniform(0.05, 0.2) * w if kind == "smoke" else 0.0
    moves = [LayerMove(dy=rise * t, dx=travel * t) for t in np.linspace(0.0, 1.0, frames)]
    return moves, side


def _region(alphas: list[np.ndarray]) -> np.ndarray:
    """Where the moved layer showed in any frame, grown by a pixel: outside it nothing moved."""
    seen: np.ndarray = np.max(np.stack(alphas), axis=0) > 1e-3
    grown: np.ndarray = seen.copy()
    grown[1:] |= seen[:-1]
    grown[:-1] |= seen[1:]
    grown[:, 1:] |= seen[:, :-1]
    grown[:, :-1] |= seen[:, 1:]
    return grown


def layer_motion(
    scene: Scene, kind: str, frames: int, h: int, w: int, rng: np.random.Generator
) -> NaturalClip:
    """Move the scene's layer that `kind` animates (the water ripples, ...); the rest stays.
    A scene without that layer (a photo, a texture) gets a soft region of itself animated."""
    target = LAYER_MOTIONS[kind]
    if kind == "drift" and scene.layer("clouds") is None and scene.layer("smoke") is not None:
        target = "smoke"
    index = next((i for i, layer in enumerate(scene.layers) if layer.kind == target), None)
    on_region = index is None
    if index is None:
        index = _add_region_layer(scene, rng)
    side = ""
    if kind == "ripple":
        moves = _ripple(h, w, frames, rng)
    elif kind == "sway":
        moves = _sway(h, w, frames, rng)
    elif kind == "flicker":
        moves = _flicker(frames, rng)
    else:
        moves, side = _drift(frames, w, rng, target)
    if on_region:  # the region itself stays put; only the picture inside it moves
        for move in moves:
            move.moves_alpha = False
    video, alphas = [], []
    for move in moves:
        frame, moved = _composite(scene, h, w, 1.0, (0.0, 0.0), {index: move})
        video.append(frame)
        alphas.append(moved[index])
    words = REGION_WORDS[kind] if on_region else LAYER_WORDS[target]
    caption = pick_word(words, rng).format(side=pick_word(DRIFT_SIDES[side], rng) if side else "")
    if not on_region and rng.uniform() < 0.5:
        caption = f"{_scene_phrase(scene, rng)}, {caption}"
    motion = f"drift-{side}" if side else kind
    return NaturalClip(_to_uint8(video), caption, motion, _region(alphas))


def _add_region_layer(scene: Scene, rng: np.random.Generator) -> int:
    """A copy of the scene's picture over a soft ellipse near the frame's centre, on top."""
    hc, wc = scene.layers[0].alpha.shape
    flat = np.zeros((hc, wc, 3), np.float32)
    for layer in scene.layers:
        flat = flat * (1 - layer.alpha[..., None]) + layer.rgb * layer.alpha[..., None]
    yy, xx = np.mgrid[0:hc, 0:wc].astype(np.float32)
    # Centre and radii as fractions of the frame, which is the canvas' middle half.
    cy, cx = rng.uniform(0.3, 0.7, size=2)
    ry, rx = rng.uniform(0.15, 0.35, size=2)
    fy = (yy / hc - 0.25) * CANVAS_MARGIN
    fx = (xx / wc - 0.25) * CANVAS_MARGIN
    d = np.hypot((fy - cy) / ry, (fx - cx) / rx)
    alpha = np.clip((1.0 - d) * 4.0, 0.0, 1.0).astype(np.float32)
    scene.layers.append(Layer(flat, alpha, 1.0, "region"))
    return len(scene.layers) - 1


MOTION_SHARES = {
    "pan": 0.25,
    "zoom": 0.15,
    "ripple": 0.17,
    "drift": 0.13,
    "sway": 0.15,
    "flicker": 0.15,
}


def animate(
    scene: Scene, frames: int, h: int, w: int, rng: np.random.Generator, kind: str | None = None
) -> NaturalClip:
    """A clip of `scene` with a motion drawn by MOTION_SHARES (layer motions the scene has a
    layer for are preferred) or the given one."""
    if kind is None:
        names = list(MOTION_SHARES)
        weights = np.array([MOTION_SHARES[n] for n in names])
        # A layer motion the scene has no layer for is three times less likely.
        for i, name in enumerate(names):
            if name in LAYER_MOTIONS and LAYER_MOTIONS[name] not in scene.kinds:
                weights[i] /= 3
        kind = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    if kind in CAMERA_MOTIONS:
        return camera_motion(scene, kind, frames, h, w, rng)
    if kind in LAYER_MOTIONS:
        return layer_motion(scene, kind, frames, h, w, rng)
    raise ValueError(f"unknown motion {kind!r}")
