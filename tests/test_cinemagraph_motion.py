"""engine/tasks/cinemagraph_motion.py: the footage-faithful cinemagraph moves the still's own
pixels as the arrows, the prompt's motion words and the model's animation say; the outside
stays bit-exact."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from engine.jobs import Job, JobError
from engine.tasks.cinemagraph_motion import footage_cinemagraph, model_velocity
from engine.tasks.region import Box
from engine.vision.flow import optical_flow

H, W, T = 48, 64, 8
FAST = {"steps": 1, "ssr_steps": 1, "guidance": 1.0}


def textured(h: int = H, w: int = W, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.asarray(cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), np.uint8), (0, 0), 1.5))


def painted() -> np.ndarray:
    m = np.zeros((H, W), bool)
    m[8:40, 10:54] = True
    return m


def region() -> np.ndarray:
    r = np.repeat(painted()[None], T, axis=0)
    r[0] = False
    return r


def moving(dx: int, dy: int) -> np.ndarray:
    """A model's 'animation': texture sliding by (dx, dy) a frame."""
    base = textured(seed=5)
    return np.stack([np.roll(base, (dy * t, dx * t), axis=(0, 1)) for t in range(T)])


def median_flow(frames: np.ndarray, where: np.ndarray, t: int = 3) -> np.ndarray:
    return np.median(optical_flow(frames[0], frames[t])[where], axis=0)


def test_outside_is_bit_exact_and_frame_0_is_the_still() -> None:
    still = textured()
    frames, mask, notes = footage_cinemagraph(still, region(), [], Job(prompt="ripples"))
    assert frames.shape == (T, H, W, 3) and np.array_equal(frames[0], still)
    assert all(np.array_equal(f[~painted()], still[~painted()]) for f in frames)
    assert (mask[0] == 0).all() and (mask[1:][:, painted()] == 255).all()
    assert not np.array_equal(frames[3], still) and "ripple" in notes[0]


def test_the_models_animation_decides_what_the_words_leave_open() -> None:
    still, inside = textured(), painted()
    animation = [(Box(0, 0, H, W), moving(0, 2))]  # the model moves the region down
    assert model_velocity(inside, animation) == pytest.approx([0, 2], abs=0.3)
    frames, _, notes = footage_cinemagraph(still, region(), animation, Job(prompt="a pond"))
    assert "model" in notes[0]
    dx, dy = median_flow(frames, inside)
    assert dy > 0.5 and abs(dx) < dy / 2  # no words: the model's flow, downwards
    told, _, _ = footage_cinemagraph(still, region(), animation, Job(prompt="flows left fast"))
    dx, dy = median_flow(told, inside)
    assert dx < -1 and abs(dy) < -dx / 2  # the words name the direction: they win


def test_arrows_come_before_words_and_pins_hold() -> None:
    still, inside = textured(), painted()
    job = Job(prompt="flows left", motion_arrows="16,24,40,24", motion_anchors="46,14")
    frames, _, notes = footage_cinemagraph(still, region(), [], job)
    assert "arrow" in notes[0]
    near = np.zeros_like(inside)
    near[18:30, 14:40] = True
    dx, dy = median_flow(frames, near, 1)  # frame 1: mostly the forward trace of the loop
    assert dx > 1 and abs(dy) < dx / 3  # along the arrow (right), not the words (left)
    assert np.abs(frames[:, 14, 46].astype(int) - still[14, 46]).max() <= 2  # the pin


def test_freeze_strokes_hold_bit_exact_in_the_job() -> None:
    """A job's freeze strokes: under them every frame is the still, bit-exact (DIS flow
    measured there is under 0.5 px: DIS smooths its field over the stroke's moving sides, so
    the median is taken), beside them the arrow still moves the region."""
    still, inside = textured(), painted()
    job = Job(motion_arrows="12,24,52,24", motion_freeze="4,30,10,30,38")
    frames, mask, _ = footage_cinemagraph(still, region(), [], job)
    frozen = np.zeros_like(inside)
    cv2.line(frozen.view(np.uint8), (30, 10), (30, 38), 1, 7)
    frozen &= inside
    assert all(np.array_equal(f[frozen], still[frozen]) for f in frames)
    assert (mask[1:][:, frozen] == 0).all()  # nothing generated there
    for t in (2, 4):
        flow = optical_flow(frames[0], frames[t])
        assert np.median(np.hypot(*flow[frozen].T)) < 0.5
    away = np.zeros_like(inside)
    away[18:30, 12:22] = True
    assert median_flow(frames, away, 1)[0] > 0.5  # left of the stroke: along the arrow


@pytest.fixture(scope="module")
def still_and_mask(tmp_path_factory) -> tuple[str, str]:
    d = tmp_path_factory.mktemp("cine")
    Image.fromarray(textured()).save(d / "still.png")
    Image.fromarray(painted().astype(np.uint8) * 255).save(d / "mask.png")
    return str(d / "still.png"), str(d / "mask.png")


def test_the_prompts_motion_words_change_the_motion(engine, tiny_model, still_and_mask) -> None:
    """The whole task on the tiny model: the words steer the pixels' motion."""
    image, mask = still_and_mask
    flows = {}
    for way in ("left", "right"):
        job = Job(
            task="cinemagraph",
            image=image,
            mask=mask,
            prompt=f"the water flows {way} fast",
            model=str(tiny_model),
            **FAST,
        )
        r = engine.run(job)
        flows[way] = median_flow(r.frames, painted())
        assert any("flow at 2.00 px a frame, direction from the prompt" in n for n in r.notes)
    assert flows["left"][0] < -1 and flows["right"][0] > 1


def test_hints_outside_the_still_are_refused(engine, tiny_model, still_and_mask) -> None:
    image, mask = still_and_mask
    job = Job(
        task="cinemagraph",
        image=image,
        mask=mask,
        motion_anchors="70,10",
        model=str(tiny_model),
        **FAST,
    )
    with pytest.raises(JobError, match="outside the 64x48 still") as info:
        engine.run(job)
    assert info.value.field == "motion_anchors"


def test_a_mask_tracks_hints_drive_the_task(engine, tiny_model, still_and_mask, tmp_path) -> None:
    """The whole task with a mask-track file as its mask: the arrows, pin and freeze stroke
    saved with the track move (and hold) the pixels when the job gives none of its own."""
    from engine.mask_track import from_single_mask, save

    image, _ = still_and_mask
    track = from_single_mask(painted(), T)
    track.arrows, track.pins = [[14.0, 24.0, 50.0, 24.0]], [[46.0, 14.0]]
    track.freeze = [[3.0, 30.0, 10.0, 30.0, 38.0]]
    save(tmp_path / "m.masktrack", track)
    job = Job(
        task="cinemagraph",
        image=image,
        mask=str(tmp_path / "m.masktrack"),
        prompt="flows left",
        frames=T,
        model=str(tiny_model),
        **FAST,
    )
    r = engine.run(job)
    assert any("mask track's 1 arrow(s)" in n for n in r.notes)
    left = np.zeros_like(painted())
    left[18:30, 14:24] = True
    assert median_flow(r.frames, left, 1)[0] > 0.5  # along the arrow, not the words
    still = r.frames[0]
    assert all(np.array_equal(f[12:36, 29:32], still[12:36, 29:32]) for f in r.frames)
