"""The clip reader used by bench/quality.py: proven on rendered ground truth."""

import numpy as np

from engine.train.detector import detect
from engine.train.procedural import DIRECTIONS, ProceduralConfig, render, sample_clip


def test_detector_reads_ground_truth_clips():
    cfg = ProceduralConfig(natural_prob=0.0)
    colour = direction = moving = 0
    n = 200
    for seed in range(n):
        spec = sample_clip(50_000 + seed, cfg)
        d = detect(render(spec, 16, 32, 32))
        colour += d.colour == spec.main.colour
        if spec.main.motion in DIRECTIONS:
            moving += 1
            direction += d.direction == spec.main.motion
        else:
            assert d.direction is None or len(spec.objects) == 2
    assert colour / n >= 0.98
    assert direction / moving >= 0.98


def test_blank_and_noise_clips_have_no_object():
    assert detect(np.zeros((8, 32, 32, 3), np.uint8)).colour is None
    dark_noise = np.random.default_rng(0).integers(0, 60, (8, 32, 32, 3)).astype(np.uint8)
    assert detect(dark_noise).colour is None


def test_a_square_moving_down_left():
    video = np.zeros((16, 64, 64, 3), np.uint8)
    for t in range(16):
        x, y = 40 - 2 * t, 10 + 2 * t
        video[t, y : y + 8, x : x + 8] = (40, 80, 230)
    d = detect(video)
    assert (d.colour, d.direction, d.motion) == ("blue", "down-left", "down-left")
    assert d.travel > 0.5
