"""Text to video, declared: no input file; its size is the model's (or the sequence's)."""

from __future__ import annotations

from engine.tasks.spec import TaskSpec

SPEC = TaskSpec(
    "t2v",
    "Text to video",
    help="A clip made from the prompt alone.",
)
