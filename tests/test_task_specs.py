"""engine/task_specs.py: every task declared once, without torch; the job's validation, the
engine's Task classes and the app's panel all read the same spec."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.jobs import Job, JobError
from engine.task_specs import SPECS, TASK_LABELS, spec_for, tasks_using
from engine.tasks.registry import REGISTRY


def test_each_engine_task_is_built_on_its_spec():
    for name, task in REGISTRY.items():
        spec = SPECS[name]
        assert task.spec is spec
        assert (task.name, task.label, task.inputs, task.options) == (
            spec.name,
            spec.label,
            spec.inputs,
            spec.options,
        )
        assert task.keeps_input_size == spec.keeps_input_size
    assert TASK_LABELS["inpaint"] == "Video inpainting"


def test_a_job_is_validated_without_torch_or_the_task_classes():
    """The app checks its form with Job.validate before any model loads: no torch, and no
    engine.tasks (the cycle jobs -> tasks -> jobs is gone)."""
    code = (
        "import sys\n"
        "from engine.jobs import Job, JobError\n"
        "Job(task='i2v', image='x.png', prompt='p').validate()\n"
        "try:\n"
        "    Job(task='i2v', prompt='p').validate()\n"
        "except JobError as e:\n"
        "    assert e.field == 'image', e\n"
        "else:\n"
        "    raise SystemExit('a missing still passed')\n"
        "loaded = [m for m in sys.modules if m == 'torch' or m.startswith('engine.tasks.')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"task": "t2v", "loop": True}, "loop"),  # an option t2v does not use
        ({"task": "inpaint", "video": "v.mp4", "mask": "m.png", "width": 64}, "width"),
        (
            {"task": "cinemagraph", "image": "s.png", "mask": "m.png", "motion_arrows": "x"},
            "motion_arrows",
        ),
        (
            {
                "task": "cinemagraph",
                "image": "s.png",
                "mask": "m.png",
                "pixels": "model",
                "motion_arrows": "[[1, 1, 5, 5]]",
            },
            "motion_arrows",
        ),
    ],
)
def test_the_specs_rules_refuse_what_the_task_cannot_use(changes, field):
    with pytest.raises(JobError) as e:
        Job(**changes).validate()
    assert e.value.field == field


def test_unknown_task_and_input_lookups():
    with pytest.raises(JobError, match="task must be one of"):
        spec_for("upscale")
    assert tasks_using("mask") == ("cinemagraph", "inpaint")
