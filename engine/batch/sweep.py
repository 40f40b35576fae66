"""Parameter sweeps: "seed=1..8" and "guidance=3,5,7" expand one job to the product of values."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any, TypeVar

from engine.batch.jobfile import BatchError
from engine.jobs import Job, JobError

SweepValue = int | float | str
Value = TypeVar("Value", bound=SweepValue)

# Fields a sweep may vary, with the type of their values (those of the Job dataclass).
SWEEPABLE: dict[str, type[SweepValue]] = {
    "seed": int,
    "steps": int,
    "ssr_steps": int,
    "frames": int,
    "fps": int,
    "width": int,
    "height": int,
    "guidance": float,
    "strength": float,
    "style_strength": float,
    "prompt": str,
    "negative_prompt": str,
    "sampler": str,
    "style": str,
    "task": str,
    "model": str,
    "mask_from_frame": int,
    "video_start_frame": int,
    "mask_grow": int,
}
MAX_SWEEP_JOBS = 10000


def _value(kind: Callable[[str], Value], text: str, spec: str) -> Value:
    try:
        return kind(text.strip())
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise BatchError(f"--sweep {spec!r}: {text.strip()!r} is not {what}") from None


def parse_sweep(spec: str) -> tuple[str, list[SweepValue]]:
    """'seed=1..8' -> ('seed', [1..8]); 'guidance=3,5,7' -> ('guidance', [3.0, 5.0, 7.0]).
    A range a..b (integers, both ends included) or a comma-separated list."""
    name, sep, values = spec.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not values.strip():
        raise BatchError(f"--sweep {spec!r}: write FIELD=VALUES, e.g. seed=1..8 or guidance=3,5,7")
    if name not in SWEEPABLE:
        known = {f.name for f in fields(Job)}
        why = "cannot be swept" if name in known else "is not a job field"
        raise BatchError(f"--sweep {spec!r}: {name!r} {why}; choose from {sorted(SWEEPABLE)}")
    kind = SWEEPABLE[name]
    if ".." in values and kind is not str:
        lo, _, hi = values.partition("..")
        start, stop = _value(int, lo, spec), _value(int, hi, spec)
        if stop < start:
            raise BatchError(f"--sweep {spec!r}: the range ends before it starts")
        if stop - start + 1 > MAX_SWEEP_JOBS:  # counted before any value is made
            raise BatchError(
                f"--sweep {spec!r} makes {stop - start + 1} jobs; at most {MAX_SWEEP_JOBS} at once"
            )
        return name, [kind(v) for v in range(start, stop + 1)]
    return name, [_value(kind, v, spec) for v in values.split(",")]


def sweep_size(specs: list[str], jobs: int = 1) -> int:
    """How many jobs sweeping `jobs` jobs over `specs` makes; raises BatchError (before any
    job is built) above MAX_SWEEP_JOBS or when a spec is wrong."""
    count = jobs
    for spec in specs:
        count *= len(parse_sweep(spec)[1])
    if count > MAX_SWEEP_JOBS:
        raise BatchError(f"the sweep makes {count} jobs; at most {MAX_SWEEP_JOBS} at once")
    return count


def expand(job: Job, specs: list[str]) -> list[Job]:
    """The product of every sweep's values applied to `job`, first sweep varying slowest."""
    axes = [parse_sweep(s) for s in specs]
    names = [n for n, _ in axes]
    if len(set(names)) != len(names):
        raise BatchError(f"--sweep names a field twice: {names}")
    sweep_size(specs)
    jobs = []
    for combo in itertools.product(*(values for _, values in axes)):
        changes: dict[str, Any] = dict(zip(names, combo, strict=True))  # mixed value types
        variant = replace(job, **changes)
        try:
            variant.validate()
        except JobError as e:
            raise BatchError(f"--sweep {dict(zip(names, combo, strict=True))}: {e}") from None
        jobs.append(variant)
    return jobs
