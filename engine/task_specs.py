"""What each generation task is to a job, declared once and without torch: its label, the input
files it reads, the options it uses, whether it keeps the input's size, and the rules a job for
it must meet. The job's validation (engine.jobs), the engine's Task classes (engine/tasks/,
which build on a spec) and the app's prompt panel (through engine.api, before any model
loads) all read these specs; none of them names a task to decide what it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from engine.errors import JobError

if TYPE_CHECKING:
    from engine.jobs import Job

INPUT_FILES = ("image", "video", "mask")  # the job's input files, in the order they are checked
# fields that only some tasks use; a task that does not use one refuses it off its default
OPTIONS = (
    "loop",
    "mask_from_frame",
    "video_start_frame",
    "mask_grow",
    "motion_arrows",
    "motion_anchors",
    "motion_freeze",
)
NEEDS = {  # how the message for a missing input file reads
    "image": "an image (`image`)",
    "video": "a video (`video`)",
    "mask": "a mask (`mask`, white = region to change)",
}


@dataclass(frozen=True)
class TaskSpec:
    name: str
    label: str
    inputs: tuple[str, ...] = ()  # of INPUT_FILES, each one needed
    options: tuple[str, ...] = ()  # of OPTIONS
    keeps_input_size: bool = False  # the output has the input's own size
    relationship: str = "parentOf"  # C2PA: how the source relates to the result
    check: Callable[[Job], None] | None = None  # the task's own rules, after the common ones

    def validate(self, job: Job) -> None:
        """Refuse a job that lacks an input this task needs, sets one it would ignore, or
        breaks the task's own rules."""
        for name in INPUT_FILES:
            if name in self.inputs and not getattr(job, name):
                raise JobError(f"task {self.name} needs {NEEDS[name]}", field=name)
        defaults = {f.name: f.default for f in fields(job)}
        for name in (*INPUT_FILES, *OPTIONS):
            value = getattr(job, name)
            used = value != defaults[name] if name in OPTIONS else bool(value)
            if used and name not in self.inputs + self.options:
                raise JobError(f"task {self.name} does not use `{name}`; leave it out", field=name)
        if self.keeps_input_size and (job.width or job.height):
            field_name = "width" if job.width else "height"
            raise JobError(
                f"task {self.name} keeps the input's size; leave out `size`", field=field_name
            )
        if self.check is not None:
            self.check(job)


def _cinemagraph_rules(job: Job) -> None:
    """Motion arrows, anchor pins and freeze strokes steer the still's own pixels: they need
    the footage path, and must parse."""
    from engine.tasks.motion_hints import anchors_of, arrows_of, freeze_of

    for name in ("motion_arrows", "motion_anchors", "motion_freeze"):
        if getattr(job, name) and job.pixels != "footage":
            raise JobError(
                f"`{name}` needs `pixels` footage (the model draws no arrows)", field=name
            )
    arrows_of(job.motion_arrows)
    anchors_of(job.motion_anchors)
    freeze_of(job.motion_freeze)


SPECS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("t2v", "Text to video"),
        # the still is an input to the clip, not an earlier version of it
        TaskSpec("i2v", "Image to video", inputs=("image",), relationship="inputTo"),
        TaskSpec(
            "cinemagraph",
            "Cinemagraph",
            inputs=("image", "mask"),
            options=("loop", "motion_arrows", "motion_anchors", "motion_freeze"),
            keeps_input_size=True,
            check=_cinemagraph_rules,
        ),
        TaskSpec(
            "inpaint",
            "Video inpainting",
            inputs=("video", "mask"),
            options=("mask_from_frame", "video_start_frame", "mask_grow"),
            keeps_input_size=True,
        ),
        TaskSpec(
            "v2v", "Video to video (SDEdit)", inputs=("video",), options=("video_start_frame",)
        ),
    )
}
TASK_LABELS = {name: spec.label for name, spec in SPECS.items()}
TASKS = tuple(SPECS)


def spec_for(name: str) -> TaskSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise JobError(f"task must be one of {TASKS}, got {name!r}", field="task") from None


def tasks_using(input_name: str) -> tuple[str, ...]:
    """The tasks that read the input file `input_name` ("image", "video", "mask"), in order."""
    return tuple(name for name, spec in SPECS.items() if input_name in spec.inputs)
