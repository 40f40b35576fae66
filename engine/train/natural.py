"""Pictures with natural statistics, made from a seed: 1/f colour noise, dead-leaves images,
fractal landscapes (sky, ridges, water) and scenes with foliage, fire or drifting clouds, each a
stack of layers with a depth, so that motions.py can move the camera (pan, zoom, parallax) or one
layer (ripples, drift, sway, flicker). Real photos (photos.py) enter the same way, as a layer.

A scene is drawn on a canvas twice the frame's size in each direction, the frame seeing its
centre, so a camera move never runs off the picture.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field

import numpy as np

CANVAS_MARGIN = 2  # canvas side / frame side


@dataclass
class Layer:
    rgb: np.ndarray  # (Hc, Wc, 3) float32 in [0, 1]
    alpha: np.ndarray  # (Hc, Wc) float32 in [0, 1]
    depth: float  # how much of a camera move this layer follows (1 = near, 0 = at infinity)
    kind: str  # what it is: sky, clouds, smoke, ridge, water, foliage, fire, leaves, ...


@dataclass
class Scene:
    layers: list[Layer]
    words: list[str]  # noun phrases that describe the scene, for captions
    kinds: set[str] = field(default_factory=set)  # the layer kinds a motion can move

    def layer(self, kind: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.kind == kind), None)


def fractal_noise(rng: np.random.Generator, h: int, w: int, exponent: float) -> np.ndarray:
    """Gaussian noise whose amplitude falls as 1/f**exponent (exponent 1: the power spectrum of
    natural images), zero mean and unit deviation."""
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    spectrum = rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)
    spectrum /= f**exponent
    spectrum[0, 0] = 0.0
    field_ = np.fft.irfft2(spectrum, s=(h, w)).astype(np.float32)
    normal: np.ndarray = (field_ - field_.mean()) / (field_.std() + 1e-8)
    return normal


def fractal_profile(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """A 1-D 1/f**exponent line (a ridge's skyline), zero mean and unit deviation."""
    f = np.fft.rfftfreq(n)
    f[0] = 1.0
    spectrum = (rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f**exponent
    spectrum[0] = 0.0
    line = np.fft.irfft(spectrum, n=n).astype(np.float32)
    normal: np.ndarray = (line - line.mean()) / (line.std() + 1e-8)
    return normal


def natural_colour(rng: np.random.Generator, hue: float | None = None) -> np.ndarray:
    """An RGB colour in [0, 1] with the muted saturation most of nature has."""
    h = rng.uniform() if hue is None else hue % 1.0
    s = rng.uniform(0.15, 0.7)
    v = rng.uniform(0.25, 0.95)
    return np.array(colorsys.hsv_to_rgb(h, s, v), np.float32)


def _textured(base: np.ndarray, noise: np.ndarray, strength: float) -> np.ndarray:
    return np.clip(base * (1.0 + strength * noise[..., None]), 0.0, 1.0).astype(np.float32)


def _smear_x(image: np.ndarray, width: int) -> np.ndarray:
    """Mean over a `width`-pixel window along x, wrapping around."""
    padded = np.concatenate([image, image[:, :width]], axis=1)
    sums = np.cumsum(padded, axis=1)
    mean: np.ndarray = (sums[:, width:] - sums[:, :-width])[:, : image.shape[1]] / width
    return mean


def _opaque(h: int, w: int) -> np.ndarray:
    return np.ones((h, w), np.float32)


def colour_noise(rng: np.random.Generator, h: int, w: int) -> Scene:
    """1/f colour noise: a luminance field and two weaker colour fields over a random tint."""
    exponent = rng.uniform(0.9, 1.5)
    lum = fractal_noise(rng, h, w, exponent)
    tint = natural_colour(rng)
    chroma = np.stack([fractal_noise(rng, h, w, exponent) for _ in range(3)], -1)
    rgb = tint + 0.18 * lum[..., None] + 0.06 * chroma
    layer = Layer(np.clip(rgb, 0, 1).astype(np.float32), _opaque(h, w), 1.0, "texture")
    return Scene([layer], ["a natural texture", "a soft pattern", "a mottled surface"])


def dead_leaves(rng: np.random.Generator, h: int, w: int) -> Scene:
    """Overlapping discs whose radii follow a power law (the dead-leaves model of natural
    images: edges at every scale, flat insides with fine texture)."""
    rgb = np.broadcast_to(natural_colour(rng), (h, w, 3)).copy()
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    side = min(h, w)
    r_min, r_max = 0.01 * side, 0.25 * side
    hue = rng.uniform()
    for _ in range(int(rng.integers(60, 160))):
        # Inverse-CDF draw of r with density ~ 1/r^3 between r_min and r_max.
        u = rng.uniform()
        r = 1.0 / np.sqrt(u / r_min**2 + (1 - u) / r_max**2)
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        disc = np.clip(r + 0.5 - np.hypot(yy - cy, xx - cx), 0.0, 1.0)[..., None]
        colour = natural_colour(rng, hue + rng.normal(0, 0.12))
        rgb = rgb * (1 - disc) + colour * disc
    rgb = _textured(rgb, fractal_noise(rng, h, w, 1.2), 0.08)
    return Scene([Layer(rgb, _opaque(h, w), 1.0, "leaves")], ["fallen leaves", "pebbles"])


def _sky(rng: np.random.Generator, h: int, w: int, dusk: bool) -> Layer:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    if dusk:
        top, horizon = np.array([0.2, 0.2, 0.45]), np.array([0.98, 0.6, 0.35])
    else:
        top, horizon = np.array([0.25, 0.45, 0.85]), np.array([0.75, 0.85, 0.95])
    top = np.clip(top + rng.normal(0, 0.05, 3), 0, 1)
    rgb = (top * (1 - t) + horizon * t) * np.ones((1, w, 1))
    return Layer(rgb.astype(np.float32), _opaque(h, w), 0.05, "sky")


def _clouds(rng: np.random.Generator, h: int, w: int, horizon: float, kind: str) -> Layer:
    """Puffy white (clouds) or grey (smoke) noise thresholded into a soft alpha, kept above
    the horizon."""
    density = fractal_noise(rng, h, w, 1.3)
    cover = rng.uniform(0.1, 0.9)
    alpha = np.clip((density - cover) * 0.8, 0.0, 0.9)
    yy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    alpha *= np.clip((horizon - yy) / 0.1, 0.0, 1.0)
    shade = 0.95 if kind == "clouds" else rng.uniform(0.4, 0.7)
    rgb = _textured(np.full((h, w, 3), shade, np.float32), density, 0.05)
    return Layer(rgb, alpha.astype(np.float32), 0.15, kind)


def _ridge(
    rng: np.random.Generator, h: int, w: int, level: float, depth: float, haze: np.ndarray
) -> Layer:
    """A mountain or hill range: a fractal skyline, textured, fading into the haze colour with
    distance."""
    line = level + 0.08 * fractal_profile(rng, w, rng.uniform(1.2, 1.8)) * (1.2 - depth)
    yy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    alpha = np.clip((yy - line[None, :]) * h + 0.5, 0.0, 1.0)
    colour = natural_colour(rng, rng.choice([0.08, 0.25, 0.33, 0.6]))
    colour = colour * depth + haze * (1 - depth) * 0.9
    rgb = _textured(np.broadcast_to(colour, (h, w, 3)), fractal_noise(rng, h, w, 1.1), 0.15)
    return Layer(rgb, alpha.astype(np.float32), depth, "ridge")


def _water(rng: np.random.Generator, h: int, w: int, level: float, sky: np.ndarray) -> Layer:
    """Water below `level`: the sky's colour, darker, with horizontal streaks."""
    yy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    alpha = np.broadcast_to(np.clip((yy - level) * h + 0.5, 0.0, 1.0), (h, w))
    base = sky * rng.uniform(0.5, 0.8) + np.array([0.0, 0.05, 0.1], np.float32)
    # Noise smeared along x: the horizontal streaks of light on water.
    streaks = _smear_x(fractal_noise(rng, h, w, 1.0), max(1, w // 6))
    streaks /= streaks.std() + 1e-8
    rgb = _textured(np.broadcast_to(base, (h, w, 3)), streaks, 0.12)
    return Layer(rgb, alpha.astype(np.float32).copy(), 0.9, "water")


def landscape(rng: np.random.Generator, h: int, w: int) -> Scene:
    """Sky gradient, clouds, one to three ridges receding into haze, and often a lake."""
    dusk = bool(rng.uniform() < 0.3)
    sky = _sky(rng, h, w, dusk)
    horizon = rng.uniform(0.4, 0.6)
    layers = [sky]
    words = ["a landscape", "mountains under the sky", "hills at dusk" if dusk else "hills"]
    kinds = set()
    if rng.uniform() < 0.7:
        layers.append(_clouds(rng, h, w, horizon, "clouds"))
        kinds.add("clouds")
        words.append("a cloudy sky over the hills")
    haze = sky.rgb[int(horizon * (h - 1)), 0]
    n_ridges = int(rng.integers(1, 4))
    for i in range(n_ridges):
        depth = 0.3 + 0.6 * (i + 1) / n_ridges
        layers.append(_ridge(rng, h, w, horizon - 0.12 + 0.08 * i, depth, haze))
    if rng.uniform() < 0.6:
        level = horizon + rng.uniform(0.05, 0.15)
        layers.append(_water(rng, h, w, level, haze))
        kinds.add("water")
        words += ["a lake below the mountains", "a lake", "a calm lake in the hills"]
    return Scene(layers, words, kinds)


def _blob_alpha(
    rng: np.random.Generator, h: int, w: int, cy: float, cx: float, r: float
) -> np.ndarray:
    """A soft irregular blob (a bush, a flame) around a centre given as fractions."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / h, xx / w
    wobble = 0.35 * fractal_noise(rng, h, w, 1.4)
    d = np.hypot((yy - cy) / r, (xx - cx) / (r * h / w)) + wobble
    alpha: np.ndarray = np.clip((1.0 - d) * 6.0, 0.0, 1.0).astype(np.float32)
    return alpha


def foliage(rng: np.random.Generator, h: int, w: int) -> Scene:
    """A landscape with a bush or tree crown of leaf-like texture in front."""
    scene = landscape(rng, h, w)
    alpha = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 3))):
        cy, cx = rng.uniform(0.4, 0.7), rng.uniform(0.3, 0.7)
        alpha = np.maximum(alpha, _blob_alpha(rng, h, w, cy, cx, rng.uniform(0.12, 0.22)))
    green = natural_colour(rng, rng.uniform(0.22, 0.38))
    rgb = _textured(np.broadcast_to(green, (h, w, 3)), fractal_noise(rng, h, w, 0.7), 0.35)
    scene.layers.append(Layer(rgb, alpha, 1.0, "foliage"))
    scene.kinds.add("foliage")
    scene.words += ["trees in a field", "a bush in front of the hills", "leafy trees"]
    return scene


def fire(rng: np.random.Generator, h: int, w: int) -> Scene:
    """A dark scene with a flame (or a glowing lamp) in it."""
    base = natural_colour(rng) * rng.uniform(0.15, 0.4)
    rgb = _textured(np.broadcast_to(base, (h, w, 3)), fractal_noise(rng, h, w, 1.2), 0.3)
    scene = Scene([Layer(rgb, _opaque(h, w), 1.0, "room")], [], {"fire"})
    cy, cx = rng.uniform(0.45, 0.6), rng.uniform(0.4, 0.6)
    alpha = _blob_alpha(rng, h, w, cy, cx, rng.uniform(0.1, 0.18))
    heat = np.clip(alpha + 0.3 * fractal_noise(rng, h, w, 1.0), 0.0, 1.0)[..., None]
    flame = (
        np.array([0.9, 0.3, 0.05], np.float32) * (1 - heat)
        + np.array([1.0, 0.9, 0.5], np.float32) * heat
    )
    scene.layers.append(Layer(flame.astype(np.float32), alpha, 1.0, "fire"))
    if rng.uniform() < 0.4:
        scene.layers.append(_clouds(rng, h, w, cy - 0.05, "smoke"))
        scene.kinds.add("clouds")
    scene.words += ["a campfire at night", "a fire", "flames in the dark", "a candle flame"]
    return scene


# Procedural scene makers and their shares of the procedural draws.
SCENES = {
    "landscape": (landscape, 0.35),
    "foliage": (foliage, 0.2),
    "fire": (fire, 0.1),
    "dead_leaves": (dead_leaves, 0.15),
    "colour_noise": (colour_noise, 0.2),
}


def procedural_scene(rng: np.random.Generator, h: int, w: int) -> Scene:
    """A scene on an (h, w) canvas, its kind drawn by SCENES' shares."""
    names = list(SCENES)
    weights = np.array([SCENES[n][1] for n in names])
    name = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    return SCENES[name][0](rng, h, w)
