"""engine/tasks/kinds/t2v.py: text to video's training example is the clip with nothing known,
built through engine/tasks/conditioning.py like every other task's."""

from __future__ import annotations

import torch

from engine.tasks.conditioning import text_to_video
from engine.tasks.kinds.t2v import TASK


def _no_region() -> torch.Tensor:
    raise AssertionError("text to video draws no mask")


def test_its_training_example_knows_no_pixel() -> None:
    video = torch.rand(3, 4, 8, 10) * 2 - 1
    target, cond = TASK.training_example(video, _no_region)
    assert target is video
    expected = text_to_video(4, 8, 10)
    assert torch.equal(cond.video, expected.video) and torch.equal(cond.mask, expected.mask)
    assert cond.model_channels().shape == (4, 4, 8, 10)
    assert cond.model_channels().abs().sum() == 0
