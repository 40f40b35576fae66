"""Video inpainting, declared: a clip and the mask of what to replace, at the clip's size."""

from __future__ import annotations

from engine.tasks.spec import TaskSpec

SPEC = TaskSpec(
    "inpaint",
    "Video inpainting",
    help=(
        "A clip's painted region replaced: the footage's own pixels where other frames show "
        "them, the model's where none does."
    ),
    inputs=("video", "mask"),
    options=("mask_from_frame", "video_start_frame", "mask_grow"),
    keeps_input_size=True,
    composites_footage=True,
)
