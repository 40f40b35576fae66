"""engine/tasks/kinds/inpaint.py: inpainting's training example knows the clip outside the
mask it draws, on every frame."""

from __future__ import annotations

import torch

from engine.tasks.kinds.inpaint import TASK


def test_its_training_example_knows_the_clip_outside_the_region() -> None:
    video = torch.rand(3, 4, 8, 8) * 2 - 1
    region = torch.zeros(1, 8, 8)
    region[:, 2:5, 3:7] = 1
    drawn = []
    target, cond = TASK.training_example(video, lambda: drawn.append(1) or region)
    assert drawn == [1] and target is video
    assert torch.equal(cond.mask, (1 - region)[:, None].expand(1, 4, 8, 8))
    assert torch.equal(cond.video, video)
