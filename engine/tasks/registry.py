"""Every generation task, in the one list: the place that knows which tasks exist and which
`Task` serves a job. Torch-free: it imports each task's spec module, and a task's class module
(which loads torch) only when `task_for` first asks for it."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from engine.errors import JobError
from engine.tasks.kinds import cinemagraph_spec, i2v_spec, inpaint_spec, t2v_spec, v2v_spec
from engine.tasks.spec import TaskSpec

if TYPE_CHECKING:
    from engine.tasks.task import Task

# In the order `--task` and the app offer them. Each is a task's spec module
# (engine/tasks/kinds/<name>_spec.py); its Task is `TASK` in <name>.py beside it.
KINDS: tuple[ModuleType, ...] = (t2v_spec, i2v_spec, cinemagraph_spec, inpaint_spec, v2v_spec)
SPECS: dict[str, TaskSpec] = {kind.SPEC.name: kind.SPEC for kind in KINDS}
TASKS = tuple(SPECS)
# the naming task_for relies on, checked where the list is made
assert all(kind.__name__.endswith(f".{kind.SPEC.name}_spec") for kind in KINDS), KINDS
_TASKS: dict[str, Task] = {}


def spec_for(name: str) -> TaskSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise JobError(f"task must be one of {TASKS}, got {name!r}", field="task") from None


def task_for(name: str) -> Task:
    """The Task serving job task `name`, its module imported on first use."""
    spec = spec_for(name)
    if name not in _TASKS:
        from engine.tasks.task import Task

        module = next(kind.__name__ for kind in KINDS if kind.SPEC is spec)
        task = importlib.import_module(module.removesuffix("_spec")).TASK
        if not isinstance(task, Task) or task.spec is not spec:
            raise TypeError(f"{module.removesuffix('_spec')}.TASK must be a Task on its SPEC")
        _TASKS[name] = task
    return _TASKS[name]


def all_tasks() -> dict[str, Task]:
    """Every Task by name, in the list's order (imports them all)."""
    return {name: task_for(name) for name in TASKS}
