"""The job: one serialisable description of a generation. Everything that changes the pixels
is in it; what is not in it does not change them. The app, the CLI and a render farm all build
the same dataclass and hand it to `engine.pipeline.run`.

Each field is declared once, here: its default, its accepted range or choices, its help and
its `generate` flag (`FieldSpec` in the field's metadata). The command line's arguments, the
prompt panel's defaults and ranges, and `Job.validate` all read that one table. A JobError's
`field` names the field at fault; where a message names a field in words that a client shows
its own way (a flag, a widget's label), it writes it as `name`, which `name_fields` rewrites.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import Field, asdict, dataclass, field, fields
from typing import Any, get_args, get_type_hints

from engine.errors import JobError
from engine.task_specs import TASK_LABELS, TASKS, spec_for, tasks_using

SAMPLERS = ("dpm++2m", "ddim")
# Where a task on real footage takes its pixels: "footage" (what the input shows comes from
# it, the model decides the motion and invents only what no frame shows) or "model" (the
# STUNet draws every pixel: the pure-model path, kept for comparison and research).
PIXEL_SOURCES = ("footage", "model")
__all__ = ["Job", "JobError", "FieldSpec", "Progress"]  # JobError lives in engine.errors
MASK_GROW = 4  # pixels an inpainting mask grows by default: object edges leave halos
JOB_SCHEMA_VERSION = 1
FPS_RANGE = (1, 240)  # what Job.fps accepts
SIZE_RANGE = (8, 4096)  # what Job.width and Job.height accept
STEPS_RANGE = (1, 1000)
DROPPED_FIELDS = ("extra",)  # fields older jobs carry that change nothing: read and left out


@dataclass(frozen=True)
class FieldSpec:
    """What one Job field accepts and how clients offer it."""

    help: str
    flag: str | None = None  # the `generate` option; None: only in job files
    low: float | None = None  # the least value accepted (None: no limit)
    high: float | None = None  # the largest value accepted (None: no limit)
    choices: tuple[str, ...] = ()
    ui_high: float | None = None  # a widget's upper end where the job itself has no limit
    label: str = ""  # what the app calls it in messages (its widget's label)


def _spec(default: Any, help: str, flag: str | None = None, **limits: Any) -> Any:
    """A dataclass field with its FieldSpec."""
    return field(default=default, metadata={"spec": FieldSpec(help, flag, **limits)})


_TASK_HELP = ", ".join(f"{k} ({v})" for k, v in TASK_LABELS.items())
_USING_IMAGE, _USING_VIDEO = (", ".join(tasks_using(name)) for name in ("image", "video"))
_SIZE_HELP = (
    "WxH output size, any aspect (sampled in native-size tiles; larger than native runs SSR). "
    "Default: the source clip's size (v2v), the still's aspect at the SSR's size (i2v), the "
    "native size (t2v); a source of another aspect is centre-cropped to it. Inpaint, "
    "cinemagraph: the input's size"
)


@dataclass
class Job:
    task: str = _spec(
        "t2v", f"what to make: {_TASK_HELP}", "--task", choices=TASKS, label="the task"
    )
    prompt: str = _spec("", "what the clip should show", "--prompt", label="the prompt")
    negative_prompt: str = _spec(
        "", "what it should not show (negative prompt)", "--negative", label="the negative prompt"
    )
    image: str | None = _spec(None, f"still image ({_USING_IMAGE})", "--image", label="a still")
    video: str | None = _spec(None, f"source video ({_USING_VIDEO})", "--video", label="a clip")
    mask: str | None = _spec(
        None,
        "mask: white = the region to animate or replace; a PNG, or one mask per frame: a "
        "folder of PNGs named by frame number, a mask video or a mask-track file",
        "--mask",
        label="a mask",
    )
    mask_from_frame: int = _spec(
        0,
        "inpaint: the mask applies from this frame on",
        "--mask-from-frame",
        low=0,
        label="the mask's first frame",
    )
    mask_grow: int = _spec(
        MASK_GROW,
        "inpaint (footage pixels): grow the mask by this many pixels, so an object's edge "
        "and halo go with it",
        "--mask-grow",
        low=0,
        high=64,
        label="Mask grow",
    )
    video_start_frame: int = _spec(
        0,
        "first frame of --video to use (the clip's in point)",
        "--start-frame",
        low=0,
        label="the in point",
    )
    frames: int | None = _spec(
        None,
        "frame count (default: the model's native length; longer "
        "clips are sampled over overlapping temporal windows)",
        "--frames",
        low=1,
        label="Frames",
    )
    fps: int | None = _spec(
        None,
        "frame rate of the written clip (default: the model's, or the source's)",
        "--fps",
        low=FPS_RANGE[0],
        high=FPS_RANGE[1],
        label="FPS",
    )
    width: int | None = _spec(
        None, _SIZE_HELP, "--size", low=SIZE_RANGE[0], high=SIZE_RANGE[1], label="the output width"
    )
    height: int | None = _spec(
        None, _SIZE_HELP, "--size", low=SIZE_RANGE[0], high=SIZE_RANGE[1], label="the output height"
    )
    steps: int = _spec(
        20,
        "denoising steps (base model)",
        "--steps",
        low=STEPS_RANGE[0],
        high=STEPS_RANGE[1],
        label="Steps",
    )
    guidance: float = _spec(
        5.0, "classifier-free guidance scale", "--guidance", low=0, ui_high=30, label="Guidance"
    )
    seed: int = _spec(0, "random seed (same seed, same clip)", "--seed", label="Seed")
    strength: float = _spec(
        0.6,
        "v2v: how far to move from the source (0 = unchanged, 1 = ignore it)",
        "--strength",
        low=0,
        high=1,
        label="Strength",
    )
    style: str | None = _spec(
        None, "style name (see `lumiere-studio models`)", "--style", label="Style"
    )
    style_strength: float = _spec(
        1.0, "style blend, 0..1", "--style-strength", low=0, high=1, label="Style blend"
    )
    pixels: str = _spec(
        "footage",
        "where the result's pixels come from on real footage: footage (what the input shows "
        "is kept and moved; the model decides the motion and fills only what no frame shows, "
        "blended in) or model (the model draws every pixel)",
        "--pixels",
        choices=PIXEL_SOURCES,
        label="Pixels from",
    )
    motion_arrows: str | None = _spec(
        None,
        "cinemagraph: motion arrows in the still's pixels, x0,y0,x1,y1 each (an arrow's length "
        "is how far its pixels travel over the loop), arrows separated by ';' (or a JSON list)",
        "--motion-arrows",
        label="the motion arrows",
    )
    motion_anchors: str | None = _spec(
        None,
        "cinemagraph: anchor pins that hold still, x,y each in the still's pixels, separated "
        "by ';' (or a JSON list)",
        "--motion-anchors",
        label="the anchor pins",
    )
    motion_freeze: str | None = _spec(
        None,
        "cinemagraph: freeze-brush strokes where nothing moves, each its brush radius then its "
        "points, r,x0,y0,x1,y1,... in the still's pixels, strokes separated by ';' (or a JSON "
        "list of lists)",
        "--motion-freeze",
        label="the freeze strokes",
    )
    sampler: str = _spec("dpm++2m", "solver", "--sampler", choices=SAMPLERS, label="the sampler")
    ssr_steps: int = _spec(
        6,
        "denoising steps (SSR stage)",
        "--ssr-steps",
        low=STEPS_RANGE[0],
        high=STEPS_RANGE[1],
        label="the SSR steps",
    )
    loop: bool = _spec(False, "cinemagraph: make the clip loop", "--loop", label="loop")
    model: str | None = _spec(
        None, "model folder or name (default: the bundled model)", "--model", label="Model"
    )
    device: str = _spec("auto", "auto|cpu|cuda|mps", "--device", label="Device")
    schema: int = _spec(JOB_SCHEMA_VERSION, "the job format's version", label="the job format")

    def validate(self) -> None:
        """Every rule a job must meet before it runs: each field's range or choices, then the
        task's own (its inputs, options and rules: engine/tasks/kinds/<task>_spec.py). Raises
        JobError naming the field. The app asks this for its form's errors, the engine at its
        door."""
        kinds = get_type_hints(Job)
        for f, spec in job_fields():
            check_type(f.name, kinds[f.name], getattr(self, f.name))
            check_value(f.name, spec, getattr(self, f.name))
        spec_for(self.task).validate(self)  # the task's spec: no torch, no Task class

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k not in DROPPED_FIELDS}
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


def job_fields() -> list[tuple[Field[Any], FieldSpec]]:
    """Every Job field with its spec, in declaration order."""
    return [(f, f.metadata["spec"]) for f in fields(Job)]


def spec_of(name: str) -> FieldSpec:
    spec: FieldSpec = next(f for f in fields(Job) if f.name == name).metadata["spec"]
    return spec


def default_of(name: str) -> Any:
    return next(f for f in fields(Job) if f.name == name).default


MAX_INT = 2**63 - 1  # every whole-number field fits a 64-bit integer (seeds, frames, sizes)


def check_type(name: str, kind: Any, value: Any) -> None:
    """Refuse a value of the wrong type (a job file's seed "../../x" would reach an output
    file name; True is not a number of steps); None is allowed where the field allows it."""
    allowed = set(get_args(kind)) if get_args(kind) else {kind}
    if value is None and type(None) in allowed:
        return
    if isinstance(value, bool):
        ok = bool in allowed
    elif isinstance(value, int):
        ok = int in allowed or float in allowed
        if ok and abs(value) > MAX_INT:
            raise JobError(
                f"`{name}` must fit 64 bits, got a number of {len(str(value))} digits", field=name
            )
    else:
        ok = any(
            k not in (int, bool) and isinstance(value, k) for k in allowed if isinstance(k, type)
        )
    if not ok:
        want = " or ".join(
            sorted(_KIND_WORDS.get(k, str(k)) for k in allowed if k is not type(None))
        )
        shown = json.dumps(value, default=repr)[:40]
        raise JobError(f"`{name}` must be {want}, got {shown} ({type(value).__name__})", field=name)


_KIND_WORDS = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}


def check_value(name: str, spec: FieldSpec, value: Any) -> None:
    """Refuse a value outside the field's choices or range (None means "the default")."""
    if value is None:
        return
    if spec.choices and value not in spec.choices:
        raise JobError(f"`{name}` must be one of {spec.choices}, got {value!r}", field=name)
    low, high = spec.low, spec.high
    if low is not None and high is not None and not low <= value <= high:
        raise JobError(f"`{name}` must be between {low:g} and {high:g}, got {value}", field=name)
    if low is not None and value < low:
        raise JobError(f"`{name}` must be >= {low:g}, got {value}", field=name)


def ui_range(name: str) -> tuple[float, float]:
    """(least, largest) a widget for the field offers: the job's range, or the widget's end."""
    spec = spec_of(name)
    high = spec.high if spec.high is not None else spec.ui_high
    if spec.low is None or high is None:
        raise ValueError(f"field {name} has no range for a widget")
    return spec.low, high


def cli_flags() -> dict[str, str]:
    """Field name -> its `generate` flag ("size" names width and height together)."""
    flags = {f.name: spec.flag for f, spec in job_fields() if spec.flag}
    flags["size"] = "--size"
    return flags


def ui_labels() -> dict[str, str]:
    """Field name -> how the app names it ("size" names width and height together)."""
    labels = {f.name: spec.label or f.name for f, spec in job_fields()}
    labels["size"] = "the output size"
    return labels


def name_fields(message: str, names: Mapping[str, str]) -> str:
    """`message` with each `field` written as names[field] (a flag, a widget's label)."""
    return re.sub(r"`(\w+)`", lambda m: names.get(m.group(1), m.group(0)), message)


def plain_fields(message: str) -> str:
    """`message` with each `field` written as its bare name (where users type field names)."""
    return re.sub(r"`(\w+)`", r"\1", message)


@dataclass
class Progress:
    """What the engine reports while it works."""

    stage: str  # "load", "base", "ssr", "write"
    step: int
    total: int
    preview: Any = None  # optional uint8 (H, W, 3) numpy frame of the current estimate
    message: str = ""
