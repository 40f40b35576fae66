"""Every generation task by name: the one place that knows which `Task` serves a job."""

from __future__ import annotations

from engine.jobs import Job, JobError
from engine.task_specs import TASKS
from engine.tasks.frame_tasks import ImageToVideo, TextToVideo, VideoToVideo
from engine.tasks.region_tasks import Cinemagraph, Inpaint
from engine.tasks.sizes import Geometry
from engine.tasks.task import Prepared, Task

REGISTRY: dict[str, Task] = {
    task.name: task
    for task in (TextToVideo(), ImageToVideo(), Cinemagraph(), Inpaint(), VideoToVideo())
}
assert tuple(REGISTRY) == TASKS, "every job task has one Task, in the job's order"


def task_for(name: str) -> Task:
    try:
        return REGISTRY[name]
    except KeyError:
        raise JobError(f"task must be one of {TASKS}, got {name!r}", field="task") from None


def prepare(job: Job, frames: int, geo: Geometry) -> Prepared:
    """A checked job's inputs, ready to sample (what the engine does before loading weights)."""
    job.validate()
    return task_for(job.task).prepare(job, frames, geo)
