"""The tasks' specs by name, without torch: what engine.jobs and the app (through engine.api)
ask before any model loads. The list itself is engine/tasks/registry.py; each spec is declared
in its task's module (engine/tasks/kinds/<name>_spec.py)."""

from __future__ import annotations

from engine.tasks.registry import SPECS, TASKS, spec_for
from engine.tasks.spec import INPUT_FILES, NEEDS, OPTIONS, TaskSpec

__all__ = [
    "INPUT_FILES",
    "NEEDS",
    "OPTIONS",
    "SPECS",
    "TASKS",
    "TASK_LABELS",
    "TaskSpec",
    "spec_for",
    "tasks_using",
]
TASK_LABELS = {name: spec.label for name, spec in SPECS.items()}


def tasks_using(input_name: str) -> tuple[str, ...]:
    """The tasks that read the input file `input_name` ("image", "video", "mask"), in order."""
    return tuple(name for name, spec in SPECS.items() if input_name in spec.inputs)
