"""engine/vision/motion_words.py: the motion a prompt names, and what it leaves open."""

from __future__ import annotations

import pytest

from engine.vision.motion_words import MotionWords, parse_motion


@pytest.mark.parametrize(
    ("prompt", "kind", "direction"),
    [
        ("the coffee ripples", "ripple", None),
        ("The river FLOWS left.", "flow", (-1.0, 0.0)),
        ("water flowing to the right", "flow", (1.0, 0.0)),
        ("smoke drifts upward", "drift", (0.0, -1.0)),
        ("the flag waves in the wind", "sway", None),
        ("grass swaying down", "sway", (0.0, 1.0)),
        ("the neon lights flicker", "flicker", None),
        ("a waterfall pours", "flow", (0.0, 1.0)),  # falling water goes down unless told
    ],
)
def test_kinds_and_directions(prompt, kind, direction) -> None:
    words = parse_motion(prompt)
    assert words.kind == kind and words.direction == direction


@pytest.mark.parametrize(
    ("prompt", "speed"),
    [
        ("slowly rippling water", 0.5),
        ("a fast river", 2.0),
        ("very gently swaying", 0.25),
        ("a lake", None),
    ],
)
def test_speed_words(prompt, speed) -> None:
    assert parse_motion(prompt).speed == speed


@pytest.mark.parametrize(
    ("prompt", "camera"),
    [
        ("slow zoom in on the lake", "zoom_in"),
        ("the camera zooms out", "zoom_out"),
        ("pan to the left over the hills", "pan_left"),
        ("panning right", "pan_right"),
        ("tilt up to the sky", "pan_up"),
    ],
)
def test_camera_moves(prompt, camera) -> None:
    assert parse_motion(prompt).camera == camera


def test_a_camera_phrase_keeps_its_direction_to_itself() -> None:
    words = parse_motion("pan left while the river flows right")
    assert words.camera == "pan_left" and words.kind == "flow" and words.direction == (1.0, 0.0)


def test_a_prompt_without_motion_words_says_nothing() -> None:
    words = parse_motion("a red car in the street")
    assert words == MotionWords() and not words.says_anything
    assert parse_motion("zoom in").says_anything
