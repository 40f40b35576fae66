"""The registry: the one list of tasks, torch-free; each task's spec module names its Task
module, which loads only when a job of that task asks for it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.jobs import TASKS, JobError
from engine.task_specs import SPECS, tasks_using
from engine.tasks.registry import KINDS, all_tasks, task_for

# What today's tasks declare; a task added later adds its own checks in its own test file.
TODAY = ("t2v", "i2v", "cinemagraph", "inpaint", "v2v")


def test_every_job_task_has_one_task_object() -> None:
    tasks = all_tasks()
    assert tuple(tasks) == TASKS == tuple(SPECS) and TASKS[: len(TODAY)] == TODAY
    assert all(task_for(name) is task and task.name == name for name, task in tasks.items())
    reads = {name: set(tasks[name].inputs) for name in TODAY}
    assert reads == {
        "t2v": set(),
        "i2v": {"image"},
        "cinemagraph": {"image", "mask"},
        "inpaint": {"video", "mask"},
        "v2v": {"video"},
    }
    assert [n for n in TODAY if tasks[n].keeps_input_size] == ["cinemagraph", "inpaint"]
    assert [n for n in TODAY if tasks[n].relationship == "inputTo"] == ["i2v"]


def test_each_task_is_one_module_beside_its_spec_module() -> None:
    for kind in KINDS:
        task = task_for(kind.SPEC.name)
        assert type(task).__module__ == kind.__name__.removesuffix("_spec")


def test_the_list_loads_no_task_module_until_one_is_asked_for() -> None:
    code = (
        "import sys\n"
        "from engine.tasks.registry import TASKS, task_for\n"
        "assert 'torch' not in sys.modules\n"
        "assert 'engine.tasks.kinds.inpaint' not in sys.modules\n"
        "task_for('inpaint')\n"
        "assert 'engine.tasks.kinds.inpaint' in sys.modules\n"
        "assert 'engine.tasks.kinds.v2v' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_the_tasks_reading_each_input_come_from_their_declarations() -> None:
    def today(name: str) -> list[str]:
        return [task for task in tasks_using(name) if task in TODAY]

    assert today("image") == ["i2v", "cinemagraph"]
    assert today("video") == ["inpaint", "v2v"]
    assert today("mask") == ["cinemagraph", "inpaint"]
    assert tasks_using("audio") == ()


def test_an_unknown_task_is_a_job_error_naming_the_field() -> None:
    with pytest.raises(JobError, match="task must be one of") as info:
        task_for("upscale")
    assert info.value.field == "task"
