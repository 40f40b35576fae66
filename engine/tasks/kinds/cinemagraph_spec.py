"""Cinemagraph, declared: a still and the mask of what moves; it keeps the still's size and
may loop, and its motion arrows, pins and freeze strokes must parse and need the footage path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import JobError
from engine.tasks.spec import TaskSpec

if TYPE_CHECKING:
    from engine.jobs import Job


def _rules(job: Job) -> None:
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


SPEC = TaskSpec(
    "cinemagraph",
    "Cinemagraph",
    help="A still that moves only inside the painted mask; the rest stays the still.",
    inputs=("image", "mask"),
    options=("loop", "motion_arrows", "motion_anchors", "motion_freeze"),
    keeps_input_size=True,
    check=_rules,
)
