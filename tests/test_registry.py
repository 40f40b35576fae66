"""The registry: one Task per job task, each declaring what it reads, and the one prepare
every client can call (validation, then the task's own)."""

from __future__ import annotations

import pytest

from engine.jobs import TASKS, Job, JobError
from engine.task_specs import tasks_using
from engine.tasks.registry import REGISTRY, prepare, task_for
from engine.tasks.sizes import Geometry


def test_every_job_task_has_one_task_object() -> None:
    assert tuple(REGISTRY) == TASKS
    assert all(task_for(name).name == name for name in TASKS)
    reads = {name: set(task.inputs) for name, task in REGISTRY.items()}
    assert reads == {
        "t2v": set(),
        "i2v": {"image"},
        "cinemagraph": {"image", "mask"},
        "inpaint": {"video", "mask"},
        "v2v": {"video"},
    }
    assert [n for n, t in REGISTRY.items() if t.keeps_input_size] == ["cinemagraph", "inpaint"]
    assert [n for n, t in REGISTRY.items() if t.relationship == "inputTo"] == ["i2v"]


def test_the_tasks_reading_each_input_come_from_their_declarations() -> None:
    assert tasks_using("image") == ("i2v", "cinemagraph")
    assert tasks_using("video") == ("inpaint", "v2v")
    assert tasks_using("mask") == ("cinemagraph", "inpaint")
    assert tasks_using("audio") == ()


def test_an_unknown_task_is_a_job_error_naming_the_field() -> None:
    with pytest.raises(JobError, match="task must be one of") as info:
        task_for("upscale")
    assert info.value.field == "task"


def test_prepare_validates_before_reading_any_file() -> None:
    job = Job(task="cinemagraph", image="missing.png", mask="missing.png", mask_from_frame=3)
    with pytest.raises(JobError) as info:  # not a "could not be read": no file was opened
        prepare(job, 8, Geometry(32, 32))
    assert info.value.field == "mask_from_frame"
    prep = prepare(Job(prompt="x"), 8, Geometry(32, 32))
    assert prep.frames == 8 and len(prep.parts) == 1
