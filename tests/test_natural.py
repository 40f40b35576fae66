"""Procedural pictures with natural statistics: the 1/f spectrum, scenes as depth layers."""

import numpy as np
import pytest

from engine.train.natural import (
    SCENES,
    dead_leaves,
    fractal_noise,
    fractal_profile,
    landscape,
    procedural_scene,
)


def _spectrum_slope(image: np.ndarray) -> float:
    """Slope of log power against log frequency, averaged over rings."""
    power = np.abs(np.fft.fft2(image)) ** 2
    h, w = image.shape
    f = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :])
    rings = np.geomspace(2 / h, 0.45, 10)
    xs, ys = [], []
    for lo, hi in zip(rings[:-1], rings[1:], strict=True):
        ring = (f >= lo) & (f < hi)
        xs.append(np.log(np.sqrt(lo * hi)))
        ys.append(np.log(power[ring].mean()))
    return float(np.polyfit(xs, ys, 1)[0])


@pytest.mark.parametrize("exponent", [0.8, 1.0, 1.5])
def test_fractal_noise_has_the_asked_power_law(exponent):
    noise = fractal_noise(np.random.default_rng(0), 128, 128, exponent)
    assert abs(noise.mean()) < 1e-4 and abs(noise.std() - 1) < 1e-3
    # Amplitude ~ 1/f**e, so power ~ 1/f**(2e).
    assert abs(_spectrum_slope(noise) + 2 * exponent) < 0.3


def test_fractal_profile_is_a_unit_line():
    line = fractal_profile(np.random.default_rng(1), 64, 1.5)
    assert line.shape == (64,) and abs(line.std() - 1) < 1e-3


@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_scene_is_a_stack_of_valid_layers(name):
    make = SCENES[name][0]
    a = make(np.random.default_rng(5), 48, 64)
    b = make(np.random.default_rng(5), 48, 64)
    assert a.layers[0].alpha.min() == 1.0  # the back layer covers the canvas
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert la.rgb.shape == (48, 64, 3) and la.alpha.shape == (48, 64)
        assert (
            la.rgb.min() >= 0 and la.rgb.max() <= 1 and 0 <= la.alpha.min() <= la.alpha.max() <= 1
        )
        assert np.array_equal(la.rgb, lb.rgb) and np.array_equal(la.alpha, lb.alpha)
    assert a.words  # something to say in a caption


def test_a_landscape_recedes_and_its_water_lies_low():
    for seed in range(20):
        scene = landscape(np.random.default_rng(seed), 64, 64)
        ridges = [layer for layer in scene.layers if layer.kind == "ridge"]
        depths = [r.depth for r in ridges]
        assert depths == sorted(depths) and scene.layers[0].kind == "sky"
        water = scene.layer("water")
        assert (water is not None) == ("water" in scene.kinds)
        if water is not None:
            assert water.alpha[:20].max() == 0 and water.alpha[-1].min() == 1


def test_dead_leaves_have_edges_at_many_scales():
    image = dead_leaves(np.random.default_rng(2), 128, 128).layers[0].rgb.mean(-1)
    slope = _spectrum_slope(image - image.mean())
    assert -3.5 < slope < -1.2  # near natural images' -2, far from white noise's 0


def test_procedural_scenes_differ_by_seed_and_repeat_by_seed():
    first = procedural_scene(np.random.default_rng(10), 32, 32)
    again = procedural_scene(np.random.default_rng(10), 32, 32)
    other = procedural_scene(np.random.default_rng(11), 32, 32)
    assert np.array_equal(first.layers[-1].rgb, again.layers[-1].rgb)
    assert not np.array_equal(first.layers[-1].rgb, other.layers[-1].rgb)
