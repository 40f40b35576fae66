"""The size/aspect contract of the whole-frame tasks: the source's size (v2v), the still's
aspect at the SSR size (i2v), the native size (t2v), an asked size kept exactly, and a grid at
the output's aspect whose short side is the model's native size."""

from __future__ import annotations

import pytest

from engine.jobs import Job
from engine.tasks.frame_tasks import FrameTask
from engine.tasks.registry import task_for
from engine.tasks.sizes import FramePlan, Geometry, cover_size, grid_size, output_size

MINI = Geometry(32, 32, ssr_scale=4, multiple=4)


def frame_task(name: str) -> FrameTask:
    task = task_for(name)
    assert isinstance(task, FrameTask)
    return task


@pytest.mark.parametrize(
    ("job", "source", "expected"),
    [
        (Job(task="t2v"), None, (32, 32)),
        (Job(task="t2v", width=256, height=144), None, (144, 256)),
        (Job(task="v2v", video="x"), (272, 640), (272, 640)),  # the clip's own size
        (Job(task="v2v", video="x"), (720, 1280), (720, 1280)),
        (Job(task="v2v", video="x", width=320, height=136), (272, 640), (136, 320)),
        (Job(task="i2v", image="x"), (400, 600), (128, 192)),  # the still's aspect, SSR size
        (Job(task="i2v", image="x"), (512, 512), (128, 128)),
        (Job(task="i2v", image="x"), (427, 640), (128, 192)),
        (Job(task="i2v", image="x", width=300), (400, 600), (200, 300)),  # one side asked
        (Job(task="i2v", image="x", height=90), (400, 600), (90, 136)),
    ],
)
def test_output_size(job: Job, source, expected) -> None:
    assert frame_task(job.task).output_size(job, MINI, source) == expected


def test_an_asked_size_wins_over_the_task_s_own() -> None:
    assert output_size(Job(width=64, height=48), MINI, (10, 10), auto=(5, 5)) == (48, 64)
    assert output_size(Job(width=64), MINI, (10, 20), auto=(5, 5)) == (32, 64)  # source aspect
    assert output_size(Job(), MINI, (10, 20), auto=(6, 8)) == (6, 8)


def test_a_model_without_ssr_makes_its_native_size() -> None:
    i2v = frame_task("i2v")
    assert i2v.output_size(Job(task="i2v", image="x"), Geometry(32, 32), (400, 600)) == (32, 48)


def test_cover_size_keeps_the_aspect_within_one_percent() -> None:
    for h, w in [(272, 640), (720, 1280), (427, 640), (1080, 1920), (100, 1000)]:
        ch, cw = cover_size(h, w, 128, 128)
        assert min(ch, cw) == 128 and abs((cw / ch) / (w / h) - 1) < 0.01


@pytest.mark.parametrize(
    ("out", "grid"),
    [
        ((128, 128), (32, 32)),
        ((32, 32), (32, 32)),
        ((16, 16), (32, 32)),
        ((272, 640), (32, 76)),
        ((720, 1280), (32, 60)),
        ((1280, 720), (60, 32)),
        ((144, 256), (32, 60)),
    ],
)
def test_grid_has_the_native_short_side_and_the_outputs_aspect(out, grid) -> None:
    assert grid_size(*out, MINI) == grid
    gh, gw = grid
    assert gh % 4 == 0 and gw % 4 == 0 and min(gh, gw) == 32
    assert gw / gh >= out[1] / out[0] - 0.13 and gh / gw >= out[0] / out[1] - 0.13


def test_frame_plan_pads_the_output_to_the_grid_aspect_by_a_few_pixels() -> None:
    plan = FramePlan.make(272, 640, MINI)
    assert (plan.grid_h, plan.grid_w) == (32, 76)
    assert plan.fit.ph == 272 and 640 <= plan.fit.pw <= 650  # 76/32 is a hair wider than 640/272
    assert plan.tiles_note(MINI) == (
        "sampled at 76x32 in 32x32 tiles fused at every step, for the 640x272 output's aspect"
    )
    assert FramePlan.make(128, 128, MINI).tiles_note(MINI) is None  # no tiles at the model's aspect
