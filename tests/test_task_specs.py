"""engine/task_specs.py and engine/tasks/spec.py: every task declared once, in its own spec
module, without torch; the job's validation, the engine's Task classes and the app's panel all
read the same spec."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.jobs import Job, JobError
from engine.task_specs import SPECS, TASK_LABELS, spec_for, tasks_using
from engine.tasks.registry import all_tasks


def test_each_engine_task_is_built_on_its_spec():
    for name, task in all_tasks().items():
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
    """The app checks its form with Job.validate before any model loads: no torch, and none
    of the Task classes' modules (the specs' own modules are all it reads)."""
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
        "spec = ('engine.tasks.registry', 'engine.tasks.spec', 'engine.tasks.kinds')\n"
        "loaded = [m for m in sys.modules if m == 'torch' or m.startswith('engine.tasks.')\n"
        "          and m not in spec and not m.endswith('_spec')]\n"
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
    today = ("t2v", "i2v", "cinemagraph", "inpaint", "v2v")
    assert [t for t in tasks_using("mask") if t in today] == ["cinemagraph", "inpaint"]


def test_what_the_app_shows_for_a_task_is_declared_on_its_spec():
    """The attributes the prompt panel, the generation controller and the document read in
    place of a task's name."""
    today = {n: SPECS[n] for n in ("t2v", "i2v", "cinemagraph", "inpaint", "v2v")}
    assert {n for n, s in today.items() if "strength" in s.settings} == {"v2v"}
    assert {n for n, s in today.items() if s.composites_footage} == {"inpaint", "v2v"}
    assert {n: s.source for n, s in today.items()} == {
        "t2v": None,
        "i2v": "image",
        "cinemagraph": "image",
        "inpaint": "video",
        "v2v": "video",
    }
    assert all(s.help.endswith(".") and len(s.help) < 120 for s in SPECS.values())
