"""engine/tasks/i2v_motion.py: image-to-video by motion transfer: the still itself moves, by the
camera move the prompt names or the one the model's animation carries; frame 0 is the still."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from engine.jobs import Job
from engine.tasks.i2v_motion import MIN_SHIFT, footage_i2v, named_move
from engine.vision.flow import optical_flow

H, W, T = 64, 96, 8
FAST = {"steps": 1, "ssr_steps": 1, "guidance": 1.0}


def textured(h: int = H, w: int = W, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.asarray(cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), np.uint8), (0, 0), 1.5))


def flow_at(frames: np.ndarray, t: int) -> np.ndarray:
    return optical_flow(frames[0], frames[t])[8:-8, 8:-8]


def test_a_named_zoom_in_magnifies_the_still() -> None:
    still = textured()
    frames, share, notes = footage_i2v(still, np.zeros((T, H, W, 3), np.uint8), "zoom in")
    assert np.array_equal(frames[0], still) and "zoom in" in notes[0]
    flow = flow_at(frames, T - 1)
    assert np.median(flow[:, :20, 0]) < -0.5 and np.median(flow[:, -20:, 0]) > 0.5  # outward
    assert share.max() == 0  # a zoom in never runs out of still


def test_a_pan_takes_the_models_pixels_where_the_still_runs_out() -> None:
    still = np.full((H, W, 3), 100, np.uint8)
    model = np.full((T, H, W, 3), 200, np.uint8)
    frames, share, _ = footage_i2v(still, model, "pan left fast")
    last = frames[-1]
    assert last[:, 0].mean() > 190 and last[:, -1].mean() < 110  # the left edge is new
    assert share[-1, :, 0].min() == 1.0 and share[-1, :, -1].max() == 0.0
    assert np.array_equal(named_move("pan_left", 1.0, 0, H, W), np.eye(2, 3))


def test_without_camera_words_the_models_move_is_kept() -> None:
    still = textured()
    base = textured(seed=9)
    model = np.stack([np.roll(base, 2 * t, axis=1) for t in range(T)])  # the model pans: right
    frames, _, notes = footage_i2v(still, model, "a quiet street")
    assert "the model's camera move" in notes[0]
    dx, dy = np.median(flow_at(frames, 3).reshape(-1, 2), axis=0)
    assert dx == pytest.approx(6, abs=1) and abs(dy) < 0.5  # the model's 2 px a frame, on the still
    held = np.repeat(base[None], T, axis=0)  # a model that holds still: the clip still moves
    frames, _, notes = footage_i2v(still, held, "a quiet street")
    assert "zoom in" in notes[0] and np.abs(flow_at(frames, T - 1)).mean() > MIN_SHIFT


def test_the_prompts_camera_words_change_the_motion(engine, tiny_model, tmp_path) -> None:
    """The whole task on the tiny model: frame 0 is the still, the words steer the move."""
    Image.fromarray(textured(48, 72)).save(tmp_path / "still.png")
    moves = {}
    for way in ("left", "right"):
        job = Job(
            task="i2v",
            image=str(tmp_path / "still.png"),
            prompt=f"pan {way} fast",
            width=72,
            height=48,
            model=str(tiny_model),
            **FAST,
        )
        r = engine.run(job)
        assert np.array_equal(r.frames[0], np.asarray(Image.open(tmp_path / "still.png")))
        moves[way] = float(np.median(flow_at(r.frames, len(r.frames) - 1)[..., 0]))
    assert moves["left"] > 1 and moves["right"] < -1  # panning left moves the view right
