"""Sweeps: FIELD=a..b and FIELD=x,y,z expand a job to the product of the values."""

from __future__ import annotations

import pytest

from engine.batch.jobfile import BatchError
from engine.batch.sweep import expand, parse_sweep
from engine.jobs import Job


def test_ranges_include_both_ends_and_lists_take_the_field_type():
    assert parse_sweep("seed=1..4") == ("seed", [1, 2, 3, 4])
    assert parse_sweep("guidance=3,5,7.5") == ("guidance", [3.0, 5.0, 7.5])
    assert parse_sweep("prompt=a cat, a dog") == ("prompt", ["a cat", "a dog"])
    assert parse_sweep("ssr-steps=2,4") == ("ssr_steps", [2, 4])


def test_expand_is_the_product_first_sweep_slowest():
    base = Job(prompt="p", steps=3)
    jobs = expand(base, ["seed=1..2", "guidance=3,5,7"])
    assert [(j.seed, j.guidance) for j in jobs] == [
        (1, 3.0),
        (1, 5.0),
        (1, 7.0),
        (2, 3.0),
        (2, 5.0),
        (2, 7.0),
    ]
    assert all(j.prompt == "p" and j.steps == 3 for j in jobs)
    assert base.seed == 0  # the template is not changed
    assert expand(base, []) == [base]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("seed", "write FIELD=VALUES"),
        ("colour=1,2", "'colour' is not a job field"),
        ("schema=1", "'schema' cannot be swept"),
        ("seed=1,x", "'x' is not a whole number"),
        ("seed=5..2", "ends before it starts"),
        ("steps=0,1", "`steps` must be between 1 and 1000"),
    ],
)
def test_bad_sweeps_say_what_is_wrong(spec, message):
    with pytest.raises(BatchError, match=message):
        expand(Job(), [spec])


def test_the_same_field_twice_and_huge_sweeps_are_refused():
    with pytest.raises(BatchError, match="twice"):
        expand(Job(), ["seed=1,2", "seed=3"])
    with pytest.raises(BatchError, match="at most"):
        expand(Job(), ["seed=1..1000", "steps=1..20"])
