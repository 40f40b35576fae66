"""What every generation task is to the engine: a `Task` declares the input files and options
it uses, checks a job against them (`validate`), turns the job into the pieces the sampler draws
(`prepare`) and turns the drawn pieces into the result's frames (`finish`).

The engine runs any task the same way: load -> task.prepare -> sample each `Part` -> upscale
it to its padded size -> task.finish. What differs between tasks lives in their own modules
(engine/tasks/kinds/<name>.py, on the bases in frame_tasks.py and region_tasks.py), never in a
branch on the name; so does the example that teaches the model the task (`training_example`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch

from engine.jobs import Job, JobError
from engine.tasks.conditioning import Conditioning
from engine.tasks.fit import PadFit
from engine.tasks.sizes import Geometry
from engine.tasks.spec import NEEDS, TaskSpec


@dataclass
class Part:
    """One piece the base model samples: the whole frame, or one context box of a region.
    `fit` maps the piece (padded to the model's aspect) onto the size the model samples; the
    piece is upscaled back to the padded size when that is another."""

    cond: Conditioning
    fit: PadFit
    init: torch.Tensor | None = None  # SDEdit: the source at the sampled size (3, T, h, w)
    ssr_init: Callable[[int, int], torch.Tensor] | None = None  # SDEdit: the source at (h, w)
    label: str = ""  # what the notes about this piece start with
    check: Callable[[torch.Tensor], str] | None = None  # a note on the raw sample


@dataclass
class Sampled:
    """A part as drawn: (3, T, ph, pw) in [-1, 1] with its known pixels restored, and the
    finest (height, width) the models themselves drew (the sampled size, or the SSR's)."""

    video: torch.Tensor
    drawn: tuple[int, int]


@dataclass(kw_only=True)
class Prepared:
    """A task's inputs, ready to sample; tasks add what their `finish` needs."""

    job: Job
    frames: int
    parts: list[Part] = field(default_factory=list)  # none: nothing to sample
    notes: list[str] = field(default_factory=list)
    source: str | None = None  # the real footage or still the result is made from
    fps: float | None = None  # the source clip's frame rate


@dataclass
class Finished:
    frames: np.ndarray  # uint8 (T, H, W, 3)
    generated_mask: np.ndarray  # uint8 (T, H, W), 255 where pixels are generated
    relationship: str  # C2PA: how the source relates to the result ("parentOf", "inputTo")


Example = tuple[torch.Tensor, Conditioning]  # a training example: (target video, conditioning)


class Task(ABC):
    """One generation mode, built on its spec (engine/tasks/kinds/<name>_spec.py: label, input
    files, options, size rule and the job's rules, declared there once, without torch);
    subclasses add how the job's inputs become what the sampler draws and what it drew becomes
    frames, and how a training clip becomes an example of the task."""

    spec: ClassVar[TaskSpec]
    # Training: an example may be captioned with its motion alone (engine/train/data.py).
    caption_motion_only: ClassVar[bool] = False
    # Training on natural clips: the task whose example is drawn instead when the clip has no
    # moving layer to use as this task's mask (None: a random mask serves).
    without_moving_layer: ClassVar[str | None] = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.spec.inputs

    @property
    def options(self) -> tuple[str, ...]:
        return self.spec.options

    @property
    def keeps_input_size(self) -> bool:
        return self.spec.keeps_input_size

    @property
    def relationship(self) -> str:
        return self.spec.relationship

    def validate(self, job: Job) -> None:
        """Refuse a job that lacks an input this task needs, sets one it would ignore, or
        breaks the task's own rules."""
        self.spec.validate(job)

    def check_frames(self, job: Job, frames: int, native_frames: int) -> None:
        """Refuse a job whose length (`frames`, for a model that makes `native_frames` at once)
        does not serve this task; called once the model is known."""
        return  # any length serves a task that sets no rule of its own

    @abstractmethod
    def prepare(self, job: Job, frames: int, geo: Geometry) -> Prepared:
        """Read the inputs and build the parts to sample (`frames` long, for a model whose
        size rules are `geo`). Raises JobError for inputs that cannot serve."""

    @abstractmethod
    def finish(self, prepared: Prepared, sampled: list[Sampled]) -> Finished:
        """The result from the drawn parts (one per prepared part, in order)."""

    def training_example(self, video: torch.Tensor, region: Callable[[], torch.Tensor]) -> Example:
        """What teaches the model this task from clip `video` (3, T, H, W) in [-1, 1]: the
        target and its conditioning. `region()` draws a mask (1, H, W), 1 = region, for a task
        that needs one. A task the model learns through another's conditioning has none."""
        raise ValueError(f"task {self.name} has no training example of its own")


def input_file(job: Job, name: str) -> str:
    """The job's input file `name` (validated present: a task reads only what it needs)."""
    path = getattr(job, name)
    if not path:
        raise JobError(f"task {job.task} needs {NEEDS[name]}", field=name)
    return str(path)


def generated(frames: int, height: int, width: int, value: int) -> np.ndarray:
    """A generated-pixels mask of one value: 255 all generated, 0 none."""
    return np.full((frames, height, width), value, np.uint8)
