"""engine/vision/motion_field.py: looping motion of a still's own pixels: seamless loops, arrows
turned into a field the region follows, pins that hold, flicker as light, not motion."""

from __future__ import annotations

import math
from itertools import pairwise

import cv2
import numpy as np
import pytest

from engine.vision.flow import optical_flow
from engine.vision.motion_field import (
    LoopMotion,
    anchor_weight,
    falloff,
    freeze_mask,
    loop_frame,
    plan_motion,
    render_loop,
    steady_displacements,
    uniform_field,
)
from engine.vision.motion_words import MotionWords

H, W, T = 64, 96, 8


def textured(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    return np.asarray(cv2.GaussianBlur(noise, (0, 0), 2.0), np.uint8)


def region() -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    return ((xx - 48) / 40) ** 2 + ((yy - 32) / 26) ** 2 <= 1


def motions() -> dict[str, LoopMotion]:
    weight = falloff(region(), 4)
    return {
        "steady": LoopMotion("steady", weight, velocity=uniform_field((H, W), (1.0, 0.5))),
        "wave": LoopMotion("wave", weight, amplitude=1.5, wavelength=20, cycles=2),
        "flicker": LoopMotion("flicker", weight, amplitude=0.1, cycles=1),
    }


def step(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


@pytest.mark.parametrize("kind", ["steady", "wave", "flicker"])
def test_the_loop_is_seamless(kind) -> None:
    still, motion = textured(), motions()[kind]
    frames = render_loop(still, motion, T)
    assert np.array_equal(frames[0], still)  # frame 0 is the still, bit for bit
    after_last = loop_frame(still, motion, T, T)  # frame T: the loop comes round
    assert np.abs(after_last.astype(int) - frames[0]).max() <= 1
    steps = [step(a, b) for a, b in pairwise(frames)]
    assert min(steps) > 0  # it moves every frame
    assert step(frames[-1], frames[0]) <= 1.5 * float(np.median(steps))  # no jump at the seam


@pytest.mark.parametrize("kind", ["steady", "wave", "flicker"])
def test_outside_the_region_nothing_moves(kind) -> None:
    still = textured()
    frames = render_loop(still, motions()[kind], T)
    outside = ~region()
    assert all(np.abs(f[outside].astype(int) - still[outside]).max() <= 1 for f in frames)


def test_the_region_follows_an_arrow_and_pins_hold() -> None:
    still, inside = textured(), region()
    arrow = (30.0, 40.0, 50.0, 28.0)  # right and up, 31 degrees above the horizontal
    pin = np.array([[70.0, 34.0]])
    words = MotionWords(kind="ripple")  # arrows come first: the words are not used
    motion = plan_motion(inside, T, words, (0.0, 3.0), arrows=np.array([arrow]), anchors=pin)
    assert motion.kind == "steady" and "arrow" in motion.notes[0]
    frames = render_loop(still, motion, T)
    flow = optical_flow(frames[0], frames[2])
    near = np.zeros((H, W), bool)
    near[26:42, 28:52] = True
    dx, dy = np.median(flow[near & inside], axis=0)
    angle = math.degrees(math.atan2(dy, dx))
    want = math.degrees(math.atan2(arrow[3] - arrow[1], arrow[2] - arrow[0]))
    assert abs(angle - want) <= 20 and math.hypot(dx, dy) > 1.0
    forward, backward = steady_displacements(motion, T)
    x, y = pin[0].astype(int)
    assert all(np.hypot(*d[y, x]) < 0.5 for d in forward + backward)  # the pin holds


def test_words_then_the_model_decide_direction() -> None:
    inside = region()
    told = plan_motion(inside, T, MotionWords(kind="flow", direction=(-1.0, 0.0)), (0.0, 2.0))
    assert told.velocity is not None and told.velocity[32, 48, 0] < 0  # the words: left
    assert "the prompt" in told.notes[0]
    left_open = plan_motion(inside, T, MotionWords(kind="flow"), (0.0, 2.0))
    assert left_open.velocity is not None and left_open.velocity[32, 48, 1] > 0  # model: down
    assert "model" in left_open.notes[0]
    wave = plan_motion(inside, T, MotionWords(kind="ripple"), (0.0, -1.0))
    assert wave.kind == "wave" and wave.travel == pytest.approx((0.0, -1.0))
    silent = plan_motion(inside, T, MotionWords(), (2.0, 0.0))
    assert silent.kind == "steady"  # no words: the model's motion, as a flow


def test_flicker_changes_light_not_position() -> None:
    still = np.full((H, W, 3), (200, 120, 60), np.uint8)
    still[:, 40:] = (60, 120, 200)  # an edge that a warp would move
    frames = render_loop(still, motions()["flicker"], T)
    ratio = frames[3].astype(np.float32) / still.astype(np.float32)
    assert np.abs(ratio[..., 0] - ratio[..., 2]).max() < 0.03  # one gain for every channel
    assert np.abs(ratio - 1).max() > 0.02  # the light does change
    cols = np.abs(np.diff(frames[3].astype(int), axis=1)).sum(axis=(0, 2))
    assert int(np.argmax(cols)) == 39  # the edge stays where it was


def test_freeze_strokes_cover_the_brush_and_scale_with_the_still() -> None:
    strokes = [(3.0, np.array([[10.0, 10.0], [30.0, 10.0]])), (2.0, np.array([[50.0, 40.0]]))]
    mask = freeze_mask(strokes, (H, W))
    assert mask[10, 10:31].all() and mask[8:13, 20].all()  # along the line, its width
    assert not mask[15, 20] and not mask[10, 36]  # nothing past the brush's radius
    assert mask[40, 50] and mask[40, 51] and not mask[40, 54]  # a dab: a disc
    half = freeze_mask(strokes, (H // 2, W // 2), 0.5)
    assert half[5, 5:16].all() and not half[9, 10]


@pytest.mark.parametrize("words", [MotionWords(), MotionWords(kind="ripple")])
def test_frozen_strokes_stay_bit_exact_while_the_rest_moves(words: MotionWords) -> None:
    """The freeze brush: its pixels' weight is 0, so every frame shows the still there, bit
    for bit, whatever drives the motion (arrows or the words' wave); the rest still moves."""
    still = textured()
    frozen = freeze_mask([(5.0, np.array([[30.0, 20.0], [66.0, 44.0]]))], (H, W))
    arrows = np.array([[20.0, 32.0, 76.0, 32.0]]) if words.kind is None else None
    motion = plan_motion(region(), T, words, (1.0, 0.0), arrows=arrows, frozen=frozen)
    assert (motion.weight[frozen] == 0).all()
    frames = render_loop(still, motion, T)
    for f in frames:
        assert np.array_equal(f[frozen], still[frozen])
    moving = region() & (falloff(~frozen, 12) == 1) & (falloff(region(), 12) == 1)
    assert step(frames[T // 2][moving], still[moving]) > 2  # away from the strokes: it moves
    with pytest.raises(ValueError, match="does not fit"):
        plan_motion(region(), T, words, arrows=arrows, frozen=frozen[:10])


def test_a_pin_holds_a_small_disc_and_eases_out_around_it() -> None:
    """Not only the pin's own pixel: a point 2 px away that moved even 1 % of the speed would
    drift over a long loop (DIS measured 0.6 to 3.3 px within 2 px of a pin before)."""
    w = anchor_weight((H, W), np.array([[40.0, 30.0]]), 12.0)
    ys, xs = np.mgrid[0:H, 0:W]
    d = np.hypot(xs - 40, ys - 30)
    assert (w[d <= 4] == 0).all() and w[d >= 40].min() > 0.95
    ring = [float(w[(d > r - 0.5) & (d <= r + 0.5)].mean()) for r in (6, 10, 16, 24)]
    assert ring == sorted(ring) and 0 < ring[0] < 0.2  # rising smoothly
