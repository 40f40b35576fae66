"""The job: one serialisable description of a generation. Everything that changes the pixels
is in it; what is not in it does not change them. The app, the CLI and a render farm all build
the same dataclass and hand it to `engine.pipeline.run`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from engine.errors import LumiereError

TASKS = ("t2v", "i2v", "cinemagraph", "inpaint", "v2v")
TASK_LABELS = {
    "t2v": "Text to video",
    "i2v": "Image to video",
    "cinemagraph": "Cinemagraph",
    "inpaint": "Video inpainting",
    "v2v": "Video to video (SDEdit)",
}
JOB_SCHEMA_VERSION = 1


class JobError(LumiereError, ValueError):
    """A job that cannot run as described; the message says which field and why."""


@dataclass
class Job:
    task: str = "t2v"
    prompt: str = ""
    negative_prompt: str = ""
    image: str | None = None  # still for i2v / cinemagraph
    video: str | None = None  # source clip for inpaint / v2v
    mask: str | None = None  # PNG, white = region to animate / replace
    mask_from_frame: int = 0  # inpainting: the mask applies from this frame on
    video_start_frame: int = 0  # first source frame used (the clip's in point)
    frames: int | None = None  # None: the model's native length
    fps: int | None = None  # None: the model's native frame rate (or the source's)
    width: int | None = None  # None: the model's native size (SSR when larger)
    height: int | None = None
    steps: int = 20
    guidance: float = 5.0
    seed: int = 0
    strength: float = 0.6  # v2v: how far to noise the source (0 = unchanged)
    style: str | None = None
    style_strength: float = 1.0
    sampler: str = "dpm++2m"
    ssr_steps: int = 6
    loop: bool = False  # cinemagraph: last frame flows into the first
    model: str | None = None  # folder or name; None = the bundled default
    device: str = "auto"
    schema: int = JOB_SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.task not in TASKS:
            raise JobError(f"task must be one of {TASKS}, got {self.task!r}")
        if self.steps < 1 or self.steps > 1000:
            raise JobError(f"steps must be between 1 and 1000, got {self.steps}")
        if self.ssr_steps < 1 or self.ssr_steps > 1000:
            raise JobError(f"ssr_steps must be between 1 and 1000, got {self.ssr_steps}")
        if self.guidance < 0:
            raise JobError(f"guidance must be >= 0, got {self.guidance}")
        if not 0.0 <= self.strength <= 1.0:
            raise JobError(f"strength must be between 0 and 1, got {self.strength}")
        if not 0.0 <= self.style_strength <= 1.0:
            raise JobError(f"style strength must be between 0 and 1, got {self.style_strength}")
        if self.frames is not None and self.frames < 1:
            raise JobError(f"frames must be positive, got {self.frames}")
        if self.fps is not None and not 1 <= self.fps <= 240:
            raise JobError(f"fps must be between 1 and 240, got {self.fps}")
        for name in ("width", "height"):
            v = getattr(self, name)
            if v is not None and not 8 <= v <= 4096:
                raise JobError(f"{name} must be between 8 and 4096, got {v}")
        if self.task in ("i2v", "cinemagraph") and not self.image:
            raise JobError(f"task {self.task} needs an image (--image)")
        if self.task in ("inpaint", "v2v") and not self.video:
            raise JobError(f"task {self.task} needs a video (--video)")
        if self.task in ("cinemagraph", "inpaint") and not self.mask:
            raise JobError(f"task {self.task} needs a mask (--mask, white = region to change)")
        if self.mask_from_frame < 0 or self.video_start_frame < 0:
            raise JobError("frame offsets must be >= 0")

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> Job:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise JobError(f"unknown job fields: {unknown}")
        if int(data.get("schema", JOB_SCHEMA_VERSION)) > JOB_SCHEMA_VERSION:
            raise JobError(f"job schema {data['schema']} is newer than this engine's")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> Job:
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as e:
            raise JobError(f"job is not valid JSON: {e}") from e


@dataclass
class Progress:
    """What the engine reports while it works."""

    stage: str  # "load", "base", "ssr", "write"
    step: int
    total: int
    preview: Any = None  # optional uint8 (H, W, 3) numpy frame of the current estimate
    message: str = ""
