"""engine/tasks/kinds/cinemagraph.py: the loop's length rule, and the training example: the
still outside the region, the clip inside it, the whole still known on frame 0."""

from __future__ import annotations

import pytest
import torch

from engine.jobs import Job, JobError
from engine.tasks.kinds.cinemagraph import TASK
from engine.tasks.registry import TASKS


def test_a_loop_needs_the_models_own_window() -> None:
    job = Job(task="cinemagraph", image="s.png", mask="m.png", loop=True)
    with pytest.raises(JobError, match="at least the native 16 frames") as e:
        TASK.check_frames(job, 15, 16)
    assert e.value.field == "loop"
    TASK.check_frames(job, 16, 16)
    TASK.check_frames(Job(task="cinemagraph", image="s.png", mask="m.png"), 4, 16)


def test_its_training_example_moves_only_inside_the_region() -> None:
    video = torch.rand(3, 4, 8, 8) * 2 - 1
    region = torch.zeros(1, 8, 8)
    region[:, 1:4, 2:6] = 1
    target, cond = TASK.training_example(video, lambda: region)
    inside = region[0].bool()
    for t in range(4):
        assert torch.equal(target[:, t][:, ~inside], video[:, 0][:, ~inside])
        assert torch.equal(target[:, t][:, inside], video[:, t][:, inside])
    assert cond.mask[:, 0].all()  # the whole still is given
    assert torch.equal(cond.mask[0, 1:], (1 - region).expand(3, 8, 8))


def test_without_a_moving_layer_its_share_goes_to_a_task_that_exists() -> None:
    assert TASK.without_moving_layer in TASKS
