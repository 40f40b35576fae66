"""Motions of natural scenes: the caption says what the pixels do, the region holds the motion."""

import numpy as np
import pytest

from engine.train.motions import (
    LAYER_MOTIONS,
    animate,
    camera_motion,
    layer_motion,
)
from engine.train.natural import Scene, colour_noise, fire, foliage, landscape
from engine.train.procedural import DIRECTIONS

H = W = 48


def _shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(dx, dy) that carries picture a onto b, by phase correlation (whole pixels)."""
    window = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1]))  # no edge jumps
    fa, fb = np.fft.fft2((a - a.mean()) * window), np.fft.fft2((b - b.mean()) * window)
    cross = fb * np.conj(fa)
    corr = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    dy, dx = np.unravel_index(np.argmax(corr), corr.shape)
    h, w = a.shape
    return float(dx - w if dx > w // 2 else dx), float(dy - h if dy > h // 2 else dy)


def _grey(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float64).mean(-1)


def _scene(maker, seed):
    return maker(np.random.default_rng(seed), 2 * H, 2 * W)


@pytest.mark.parametrize("seed", range(12))
def test_a_pan_moves_the_picture_the_way_its_caption_says(seed):
    clip = camera_motion(_scene(colour_noise, seed), "pan", 8, H, W, np.random.default_rng(seed))
    direction = clip.motion.removeprefix("pan-")
    assert direction in DIRECTIONS
    words = clip.caption.split()
    for side in ("left", "right", "up", "down"):
        assert (side in direction) == any(side in word for word in words), clip.caption
    moved = _shift(_grey(clip.video[0]), _grey(clip.video[-1]))
    ux, uy = DIRECTIONS[direction]
    assert np.hypot(*clip.shift) > 0.1 * H
    assert abs(moved[0] - clip.shift[0]) <= 2 and abs(moved[1] - clip.shift[1]) <= 2
    assert moved[0] * ux >= 0 and moved[1] * uy >= 0 and np.hypot(*moved) > 0.1 * H


def test_a_pan_moves_near_layers_more_than_far_ones():
    far = _scene(colour_noise, 1).layers[0]
    near = _scene(colour_noise, 2).layers[0]
    far.depth, near.depth = 0.25, 1.0
    near.alpha = np.zeros_like(near.alpha)
    near.alpha[near.alpha.shape[0] // 2 :] = 1.0  # the near layer covers the lower half
    clip = camera_motion(Scene([far, near], ["a test"]), "pan", 8, H, W, np.random.default_rng(3))
    half = H // 2
    far_move = _shift(_grey(clip.video[0, :half]), _grey(clip.video[-1, :half]))
    near_move = _shift(_grey(clip.video[0, half:]), _grey(clip.video[-1, half:]))
    assert np.hypot(*near_move) > 0.1 * H
    assert np.hypot(*far_move) == pytest.approx(0.25 * np.hypot(*near_move), abs=2)


def _zoom_between(a: np.ndarray, b: np.ndarray) -> float:
    """The scale s for which b looks most like a magnified by s about the centre."""
    from PIL import Image

    best, best_err = 1.0, np.inf
    for s in np.linspace(0.6, 1.6, 41):
        if s >= 1:
            side = H / s
            lo = (H - side) / 2
            ref = Image.fromarray(a).resize(
                (W, H), Image.BILINEAR, box=(lo, lo, lo + side, lo + side)
            )
            err = np.abs(np.asarray(ref, float) - b).mean()
        else:
            side = H * s
            lo = (H - side) / 2
            ref = Image.fromarray(b).resize(
                (W, H), Image.BILINEAR, box=(lo, lo, lo + side, lo + side)
            )
            err = np.abs(np.asarray(ref, float) - a).mean()
        if err < best_err:
            best, best_err = s, err
    return best


@pytest.mark.parametrize("seed", range(6))
def test_a_zoom_in_magnifies_and_a_zoom_out_shrinks(seed):
    clip = camera_motion(_scene(colour_noise, seed), "zoom", 8, H, W, np.random.default_rng(seed))
    scale = _zoom_between(clip.video[0], clip.video[-1])
    if clip.motion == "zoom-in":
        assert "in" in clip.caption.split() and scale > 1.1
    else:
        assert clip.motion == "zoom-out"
        assert ("out" in clip.caption.split() or "back" in clip.caption) and scale < 0.9


LAYER_CAPTION_WORDS = {
    "ripple": ("water", "ripples", "rippling", "waves"),
    "drift": ("clouds", "smoke"),
    "sway": ("sway", "swaying", "wind"),
    "flicker": ("flickers", "flickering", "flames"),
}
SCENE_FOR = {"ripple": landscape, "drift": landscape, "sway": foliage, "flicker": fire}


@pytest.mark.parametrize("kind", sorted(LAYER_MOTIONS))
def test_a_layer_motion_stays_in_its_region_and_is_named(kind):
    found = 0
    for seed in range(30):
        scene = _scene(SCENE_FOR[kind], seed)
        if LAYER_MOTIONS[kind] not in scene.kinds:
            continue
        clip = layer_motion(scene, kind, 8, H, W, np.random.default_rng(seed))
        assert clip.region is not None and clip.region.shape == (H, W)
        frames = clip.video.astype(int)
        outside = ~clip.region
        change = np.abs(frames[1:] - frames[:1])
        assert change[:, outside].max() == 0  # nothing moves outside the region
        assert change[:, clip.region].mean() > 0.5  # something moves inside it
        assert any(w in clip.caption for w in LAYER_CAPTION_WORDS[kind]), clip.caption
        found += 1
        if found == 3:
            break
    assert found == 3


@pytest.mark.parametrize("seed", range(8))
def test_clouds_drift_the_way_the_caption_says(seed):
    # A textured cloud layer over the whole sky, so the measured shift is the clouds'.
    sky = _scene(colour_noise, seed).layers[0]
    clouds = _scene(colour_noise, seed + 100).layers[0]
    clouds.kind, clouds.alpha = "clouds", np.full_like(clouds.alpha, 0.8)
    scene = Scene([sky, clouds], ["the sky"], {"clouds"})
    clip = layer_motion(scene, "drift", 8, H, W, np.random.default_rng(seed))
    side = clip.motion.removeprefix("drift-")
    assert side in clip.caption and ({"left", "right"} - {side}).isdisjoint(clip.caption.split())
    moved = _shift(_grey(clip.video[0]), _grey(clip.video[-1]))[0]
    assert moved < -2 if side == "left" else moved > 2


def test_a_scene_without_the_layer_gets_a_region_of_itself_animated():
    scene = _scene(colour_noise, 4)
    clip = layer_motion(scene, "ripple", 8, H, W, np.random.default_rng(4))
    assert 0.03 < clip.region.mean() < 0.7
    frames = clip.video.astype(int)
    assert np.abs(frames[1:] - frames[:1])[:, ~clip.region].max() == 0


def test_animate_is_deterministic_per_seed_and_draws_every_motion():
    motions = set()
    for seed in range(60):
        scene = _scene(landscape, seed)
        clip = animate(scene, 6, 24, 24, np.random.default_rng(seed))
        again = animate(_scene(landscape, seed), 6, 24, 24, np.random.default_rng(seed))
        assert np.array_equal(clip.video, again.video) and clip.caption == again.caption
        assert clip.video.shape == (6, 24, 24, 3) and clip.video.dtype == np.uint8
        motions.add(clip.motion.split("-")[0])
    assert motions == {"pan", "zoom", "ripple", "drift", "sway", "flicker"}
    with pytest.raises(ValueError, match="unknown motion"):
        animate(_scene(landscape, 0), 6, 24, 24, np.random.default_rng(0), kind="spin")
