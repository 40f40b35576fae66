"""Video to video (SDEdit), declared: a clip redrawn; `strength` says how far from it."""

from __future__ import annotations

from engine.tasks.spec import TaskSpec

SPEC = TaskSpec(
    "v2v",
    "Video to video (SDEdit)",
    help="A clip redrawn after the prompt; strength says how far it moves from the source.",
    inputs=("video",),
    options=("video_start_frame",),
    settings=("strength",),
    composites_footage=True,
)
