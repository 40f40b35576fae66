"""Image to video, declared: a still that the clip starts from."""

from __future__ import annotations

from engine.tasks.spec import TaskSpec

SPEC = TaskSpec(
    "i2v",
    "Image to video",
    help="A still brought to life: frame 0 is the still itself, the model makes the motion.",
    inputs=("image",),
    relationship="inputTo",  # the still is an input to the clip, not an earlier version of it
)
