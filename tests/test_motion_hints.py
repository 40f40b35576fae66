"""engine/tasks/motion_hints.py: arrows and pins as a job carries them, and clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jobs import Job, JobError
from engine.tasks.motion_hints import anchors_of, arrows_of, check_inside


def test_text_and_json_forms_read_the_same() -> None:
    text = arrows_of("10,20,30,20; 5 5 5 15")
    assert np.array_equal(text, [[10, 20, 30, 20], [5, 5, 5, 15]])
    assert np.array_equal(arrows_of("[[10, 20, 30, 20], [5, 5, 5, 15]]"), text)
    assert np.array_equal(anchors_of("[3, 4, 5, 6]"), [[3, 4], [5, 6]])
    assert arrows_of(None).shape == (0, 4) and anchors_of("  ").shape == (0, 2)


@pytest.mark.parametrize(
    ("arrows", "anchors", "field", "message"),
    [
        ("1,2,3", None, "motion_arrows", "4 numbers each"),
        ("1,2,1,2", None, "motion_arrows", "length 0"),
        ("a,b,c,d", None, "motion_arrows", "numbers only"),
        ("[1, 2", None, "motion_arrows", "valid JSON"),
        (None, "1,2,3", "motion_anchors", "2 numbers each"),
        (None, "1,nan", "motion_anchors", "finite"),
    ],
)
def test_bad_hints_are_refused_naming_the_field(arrows, anchors, field, message) -> None:
    job = Job(task="cinemagraph", image="s", mask="m", motion_arrows=arrows, motion_anchors=anchors)
    with pytest.raises(JobError, match=message) as info:
        job.validate()
    assert info.value.field == field


def test_hints_belong_to_the_footage_cinemagraph() -> None:
    with pytest.raises(JobError, match="does not use `motion_arrows`"):
        Job(task="i2v", image="s", motion_arrows="1,1,2,2").validate()
    with pytest.raises(JobError, match="needs `pixels` footage") as info:
        Job(
            task="cinemagraph", image="s", mask="m", motion_anchors="1,1", pixels="model"
        ).validate()
    assert info.value.field == "motion_anchors"
    Job(
        task="cinemagraph", image="s", mask="m", motion_arrows="1,1,2,2", motion_anchors="3,3"
    ).validate()


def test_points_outside_the_still_are_refused() -> None:
    check_inside(np.array([[0.0, 0.0, 9.0, 4.0]]), 10, 5, "motion_arrows")
    with pytest.raises(JobError, match=r"\(10, 4\) outside the 10x5 still"):
        check_inside(np.array([[0.0, 0.0, 10.0, 4.0]]), 10, 5, "motion_arrows")
