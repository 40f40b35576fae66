"""engine/tasks/kinds/i2v.py: image to video's training example knows frame 0 and nothing
else, and its examples are the ones a motion-only caption may describe."""

from __future__ import annotations

import torch

from engine.tasks.kinds.i2v import TASK
from engine.tasks.registry import all_tasks


def _no_region() -> torch.Tensor:
    raise AssertionError("image to video draws no mask")


def test_its_training_example_knows_the_first_frame_only() -> None:
    video = torch.rand(3, 5, 8, 8) * 2 - 1
    target, cond = TASK.training_example(video, _no_region)
    assert target is video
    assert cond.mask[:, 0].all() and cond.mask[:, 1:].sum() == 0
    assert torch.equal(cond.video[:, 0], video[:, 0]) and cond.video[:, 1:].abs().sum() == 0


def test_only_its_examples_take_motion_captions() -> None:
    assert [n for n, t in all_tasks().items() if t.caption_motion_only] == ["i2v"]
