"""engine/tasks/kinds/v2v.py: video to video is learnt as text to video (SDEdit starts from the
noised source), so it has no training example, and no training mix draws it."""

from __future__ import annotations

import pytest
import torch

from engine.tasks.kinds.v2v import TASK
from engine.tasks.registry import task_for
from engine.train.data import NATURAL_TASK_MIX, REST_TASK, TASK_MIX


def test_it_has_no_training_example_and_no_mix_draws_it() -> None:
    with pytest.raises(ValueError, match="no training example"):
        TASK.training_example(torch.zeros(3, 2, 4, 4), lambda: torch.zeros(1, 4, 4))
    drawn = {*TASK_MIX, *NATURAL_TASK_MIX, REST_TASK}
    assert TASK.name not in drawn
    video = torch.zeros(3, 2, 4, 4)
    for name in drawn:  # every task a mix draws has an example of its own
        target, cond = task_for(name).training_example(video, lambda: torch.ones(1, 4, 4))
        assert target.shape == video.shape and cond.mask.shape == (1, 2, 4, 4)
