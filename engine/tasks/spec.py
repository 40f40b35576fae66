"""What a generation task is to a job and to the app, declared without torch: `TaskSpec`.

Each task's spec lives in its own module (engine/tasks/kinds/<name>_spec.py) and the registry
(engine/tasks/registry.py) lists them. The job's validation (engine.jobs), the engine's Task
classes (built on a spec) and the app's prompt panel (through engine.api, before any model
loads) all read these declarations; none of them names a task to decide what it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from engine.errors import JobError

if TYPE_CHECKING:
    from engine.jobs import Job

INPUT_FILES = ("image", "video", "mask")  # the job's input files, in the order they are checked
SOURCE_FILES = ("image", "video")  # the input files a result is made from (a mask only marks)
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
    help: str = ""  # one sentence on what it makes: the app's tooltip for the task
    inputs: tuple[str, ...] = ()  # of INPUT_FILES, each one needed
    options: tuple[str, ...] = ()  # of OPTIONS
    # job fields every job carries (never refused) that only this task reads: the app enables
    # their widgets for it alone (v2v's `strength`)
    settings: tuple[str, ...] = ()
    keeps_input_size: bool = False  # the output has the input's own size
    # the result is real footage with generated pixels composited in (the timeline marks its
    # clip so, and exports call it a composite, not generated)
    composites_footage: bool = False
    relationship: str = "parentOf"  # C2PA: how the source relates to the result
    check: Callable[[Job], None] | None = None  # the task's own rules, after the common ones

    @property
    def source(self) -> str | None:
        """The input file the result is made from ("image" or "video"); None for a task that
        makes its clip from the prompt alone (its size is the model's, or the sequence's)."""
        return next((name for name in SOURCE_FILES if name in self.inputs), None)

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
