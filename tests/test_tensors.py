"""The shared tensor conversions: uint8 frames round-trip exactly through the model's float
range, out-of-range floats clip, and resize keeps the layout and is a no-op at the same size."""

from __future__ import annotations

import numpy as np
import torch

from engine.tensors import resize, to_float, to_uint8


def test_uint8_round_trips_exactly_through_the_float_range() -> None:
    frames = np.random.default_rng(0).integers(0, 256, (3, 5, 7, 3), dtype=np.uint8)
    video = to_float(frames)
    assert video.shape == (3, 3, 5, 7)  # (C, T, H, W)
    assert float(video.min()) >= -1 and float(video.max()) <= 1
    assert to_float(np.zeros((1, 1, 1, 3), np.uint8)).eq(-1).all()
    assert to_float(np.full((1, 1, 1, 3), 255, np.uint8)).eq(1).all()
    assert np.array_equal(to_uint8(video), frames)


def test_read_only_frames_are_accepted_and_left_alone() -> None:
    frames = np.full((2, 4, 4, 3), 7, np.uint8)
    frames.flags.writeable = False  # what PIL and PyAV hand out
    video = to_float(frames)
    video += 1  # the tensor owns its memory: the frames do not change
    assert (frames == 7).all()


def test_to_uint8_clips_values_outside_the_range() -> None:
    video = torch.tensor([-3.0, -1.0, 0.0, 1.0, 2.5]).reshape(1, 5, 1, 1).expand(3, 5, 1, 1)
    assert to_uint8(video)[:, 0, 0, 0].tolist() == [0, 0, 128, 255, 255]


def test_resize_keeps_channels_and_frames_and_values() -> None:
    video = torch.full((3, 4, 8, 6), 0.25)
    out = resize(video, 16, 12)
    assert out.shape == (3, 4, 16, 12)
    assert torch.allclose(out, torch.full_like(out, 0.25))  # a flat video stays flat
    assert resize(video, 8, 6) is video


def test_resize_moves_each_frame_on_its_own() -> None:
    video = torch.zeros(1, 2, 4, 4)
    video[:, 1] = 1.0  # frame 1 white, frame 0 black: no blending across time
    out = resize(video, 2, 2)
    assert out[:, 0].eq(0).all() and torch.allclose(out[:, 1], torch.ones(1, 2, 2))
