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


def test_a_pan_continues_the_stills_edge_where_the_still_runs_out() -> None:
    still = textured()
    model = np.full((T, H, W, 3), 230, np.uint8)  # a model whose band is all one bright cast
    frames, beyond, notes = footage_i2v(still, model, "pan left fast")
    band = beyond[-1] > 0.5
    assert band[:, 0].all() and not band[:, -1].any()  # the left edge is new
    assert "edge continued" in notes[-1]
    # the band is the still's edge mirrored: its texture and colour, not the model's cast
    edge = still[:, : band.sum(axis=1).max() + 4].astype(np.float32)
    assert np.abs(frames[-1][band].mean(axis=0) - edge.reshape(-1, 3).mean(axis=0)).max() < 12
    lap = cv2.Laplacian(cv2.cvtColor(frames[-1], cv2.COLOR_RGB2GRAY), cv2.CV_32F)
    still_lap = cv2.Laplacian(cv2.cvtColor(still, cv2.COLOR_RGB2GRAY), cv2.CV_32F)
    assert lap[1:-1][band[1:-1]].var() > 0.5 * still_lap[1:-1, 1:-1].var()
    assert np.array_equal(named_move("pan_left", 1.0, 0, H, W), np.eye(2, 3))


def test_the_band_moves_with_the_scene_instead_of_being_redrawn() -> None:
    """Frame t+1's band is frame t moved by one pan step (the same extended still), which the
    model's per-frame pixels (the earlier fill) are not."""
    still = textured()
    long = 30  # frames: a band some 20 px wide by the end
    noise = np.random.default_rng(3).integers(0, 256, (long, H, W, 3), np.uint8)
    for band, ok in (("still", True), ("model", False)):
        frames, beyond, _ = footage_i2v(still, noise, "pan left fast", band=band)
        step = named_move("pan_left", 2.0, 1, H, W) - np.eye(2, 3)  # "fast" = 2x
        t = long - 2
        carried = cv2.warpAffine(
            frames[t], np.eye(2, 3) + step, (W, H), flags=cv2.INTER_LANCZOS4 | cv2.WARP_INVERSE_MAP
        )
        both = (beyond[t + 1] > 0.5) & (beyond[t] > 0.5)
        both[:, :3] = False  # frame t had nothing left of its own edge to carry in
        both = cv2.erode(both.astype(np.uint8), np.ones((1, 7), np.uint8)) > 0  # Lanczos reach
        error = np.abs(carried.astype(np.float32) - frames[t + 1])[both].mean()
        assert (error < 3) == ok, (band, error)


def test_nothing_opens_up_inside_the_frame_the_still_shows_wherever_it_reaches() -> None:
    """The move is one affine a frame: every pixel whose source lies on the still (and its
    Lanczos kernel too) is the still's own warp; only the edge bands are new."""
    still = textured()
    frames, beyond, _ = footage_i2v(still, np.zeros((T, H, W, 3), np.uint8), "zoom out fast")
    t = T - 1
    plain = cv2.warpAffine(
        still,
        named_move("zoom_out", 2.0, t, H, W),
        (W, H),
        flags=cv2.INTER_LANCZOS4 | cv2.WARP_INVERSE_MAP,
    )
    own = cv2.erode((beyond[t] == 0).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert own.mean() > 0.5 and (beyond[t] > 0.5).any()
    assert np.array_equal(frames[t][own], plain[own])


def test_the_earlier_fill_takes_the_models_pixels() -> None:
    still = np.full((H, W, 3), 100, np.uint8)
    model = np.full((T, H, W, 3), 200, np.uint8)
    frames, share, _ = footage_i2v(still, model, "pan left fast", band="model")
    assert frames[-1][:, 0].mean() > 190 and frames[-1][:, -1].mean() < 110
    assert share[-1, :, 0].min() == 1.0 and share[-1, :, -1].max() == 0.0


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
