"""The user's motion hints for a cinemagraph: motion arrows, anchor pins and freeze-brush
strokes, as the job carries them (text: numbers separated by commas, spaces or ';', or a JSON
list), read into arrays in the still's pixels with messages that name the field."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import JobError

if TYPE_CHECKING:
    from engine.jobs import Job

ARROW = 4  # x0, y0, x1, y1
ANCHOR = 2  # x, y


def _numbers(text: str, name: str) -> list[float]:
    text = text.strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise JobError(f"`{name}` is not a valid JSON list: {e.msg}", field=name) from None
        flat = np.asarray(data, dtype=object).ravel().tolist() if data else []
        values = flat
    else:
        values = [v for v in re.split(r"[\s,;]+", text) if v]
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        raise JobError(f"`{name}` must hold numbers only, got {text!r}", field=name) from None
    if not all(np.isfinite(numbers)):
        raise JobError(f"`{name}` must hold finite numbers, got {text!r}", field=name)
    return numbers


def parse_points(text: str | None, per_item: int, name: str) -> np.ndarray:
    """float64 (N, per_item) from the field's text; (0, per_item) when there is none."""
    if not text or not text.strip():
        return np.zeros((0, per_item))
    numbers = _numbers(text, name)
    if len(numbers) % per_item:
        what = "x0,y0,x1,y1 per arrow" if per_item == ARROW else "x,y per pin"
        raise JobError(
            f"`{name}` needs {per_item} numbers each ({what}), got {len(numbers)}", field=name
        )
    return np.asarray(numbers, np.float64).reshape(-1, per_item)


def check_inside(points: np.ndarray, width: int, height: int, name: str) -> None:
    """Refuse points (N, 2k) of (x, y) pairs that lie outside a width x height still."""
    xy = points.reshape(-1, 2)
    outside = (xy[:, 0] < 0) | (xy[:, 0] > width - 1) | (xy[:, 1] < 0) | (xy[:, 1] > height - 1)
    if outside.any():
        x, y = xy[np.argmax(outside)]
        raise JobError(
            f"`{name}` has a point ({x:g}, {y:g}) outside the {width}x{height} still", field=name
        )


def arrows_of(text: str | None) -> np.ndarray:
    arrows = parse_points(text, ARROW, "motion_arrows")
    if (
        len(arrows)
        and (np.hypot(arrows[:, 2] - arrows[:, 0], arrows[:, 3] - arrows[:, 1]) == 0).any()
    ):
        raise JobError("`motion_arrows` has an arrow of length 0", field="motion_arrows")
    return arrows


def anchors_of(text: str | None) -> np.ndarray:
    return parse_points(text, ANCHOR, "motion_anchors")


FREEZE_NAME = "motion_freeze"
MAX_FREEZE_RADIUS = 2048.0  # pixels: a brush no larger than the largest still's side / 8


def freeze_of(text: str | None) -> list[tuple[float, np.ndarray]]:
    """Freeze-brush strokes from the job's text: each stroke its brush radius then its points,
    `r,x0,y0,x1,y1,...`, strokes separated by ';' (or a JSON list of such lists). Returns
    (radius, float64 (N, 2) points) each; [] when there are none."""
    if not text or not text.strip():
        return []
    body = text.strip()
    if body.startswith("["):
        try:
            data = json.loads(body)
        except json.JSONDecodeError as e:
            message = f"`{FREEZE_NAME}` is not a valid JSON list: {e.msg}"
            raise JobError(message, field=FREEZE_NAME) from None
        if not isinstance(data, list) or not all(isinstance(s, list) for s in data):
            raise JobError(f"`{FREEZE_NAME}` must be a list of strokes (lists)", field=FREEZE_NAME)
        parts = [",".join(str(v) for v in stroke) for stroke in data]
    else:
        parts = [p for p in body.split(";") if p.strip()]
    strokes = []
    for i, part in enumerate(parts):
        numbers = _numbers(part, FREEZE_NAME)
        if len(numbers) < 3 or len(numbers) % 2 == 0:
            raise JobError(
                f"`{FREEZE_NAME}` stroke {i + 1} needs its radius then x,y per point "
                f"(an odd count of 3 or more numbers), got {len(numbers)}",
                field=FREEZE_NAME,
            )
        radius = numbers[0]
        if not 0 < radius <= MAX_FREEZE_RADIUS:
            raise JobError(
                f"`{FREEZE_NAME}` stroke {i + 1} has a radius of {radius:g} px "
                f"(more than 0, at most {MAX_FREEZE_RADIUS:g})",
                field=FREEZE_NAME,
            )
        strokes.append((radius, np.asarray(numbers[1:], np.float64).reshape(-1, 2)))
    return strokes


def freeze_points(strokes: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """float64 (N, 2): every stroke's points (to check they lie on the still)."""
    if not strokes:
        return np.zeros((0, 2))
    return np.concatenate([points for _, points in strokes])


def hints_text(items: list[list[float]]) -> str | None:
    """Arrows, pins or freeze strokes (lists of numbers) as a job field's text, None for none."""
    if not items:
        return None
    return ";".join(",".join(f"{v:g}" for v in item) for item in items)


def with_track_hints(job: Job, mask: str) -> tuple[Job, str | None]:
    """`job` with the motion hints saved in its mask-track file `mask` (schema 2), when the
    job gives none itself (its own always win), and a note saying so; else `job` as it is."""
    from engine.mask_track import MaskTrackError, is_track_file, load

    own = (job.motion_arrows, job.motion_anchors, job.motion_freeze)
    if any(own) or not is_track_file(mask):
        return job, None
    try:
        track = load(mask)
    except MaskTrackError:
        return job, None  # the region's reading has said what is wrong with it
    if not (track.arrows or track.pins or track.freeze):
        return job, None
    hinted = replace(
        job,
        motion_arrows=hints_text(track.arrows),
        motion_anchors=hints_text(track.pins),
        motion_freeze=hints_text(track.freeze),
    )
    counts = f"{len(track.arrows)} arrow(s), {len(track.pins)} pin(s), {len(track.freeze)}"
    return hinted, f"motion from the mask track's {counts} freeze stroke(s)"
