"""engine/tasks/motion_hints.py: arrows and pins as a job carries them, and clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jobs import Job, JobError
from engine.tasks.motion_hints import (
    anchors_of,
    arrows_of,
    check_inside,
    freeze_of,
    freeze_points,
    with_track_hints,
)


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


def test_freeze_strokes_read_from_text_and_json() -> None:
    strokes = freeze_of("6,10,20,30,20; 2.5 5 5")
    assert [r for r, _ in strokes] == [6, 2.5]
    assert np.array_equal(strokes[0][1], [[10, 20], [30, 20]])
    same = freeze_of("[[6, 10, 20, 30, 20], [2.5, 5, 5]]")
    pairs = zip(strokes, same, strict=True)
    assert all(np.array_equal(a[1], b[1]) and a[0] == b[0] for a, b in pairs)
    assert np.array_equal(freeze_points(strokes), [[10, 20], [30, 20], [5, 5]])
    assert freeze_of(None) == [] and freeze_points([]).shape == (0, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("6,10", "odd count of 3 or more"),
        ("6,10,20,30", "odd count"),
        ("0,10,20", "radius of 0"),
        ("5000,10,20", "at most 2048"),
        ("[6, 10, 20]", "list of strokes"),
        ("[[6, 10", "valid JSON"),
        ("6,x,20", "numbers only"),
    ],
)
def test_bad_freeze_strokes_are_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(JobError, match=message) as info:
        freeze_of(text)
    assert info.value.field == "motion_freeze"
    with pytest.raises(JobError, match=message):
        Job(task="cinemagraph", image="s.png", mask="m.png", motion_freeze=text).validate()


def test_a_mask_tracks_hints_reach_a_job_that_gives_none(tmp_path) -> None:
    from engine.mask_track import MaskTrack, save

    track = MaskTrack(width=40, height=30, length=4)
    track.set_keyframe(0, np.ones((30, 40), bool))
    track.arrows, track.pins = [[1.0, 2.0, 30.5, 2.0]], [[5.0, 6.0]]
    track.freeze = [[3.0, 10.0, 10.0, 20.0, 10.0]]
    save(tmp_path / "m.masktrack", track)
    job = Job(task="cinemagraph", image="s.png", mask=str(tmp_path / "m.masktrack"))
    hinted, note = with_track_hints(job, job.mask)
    assert hinted.motion_arrows == "1,2,30.5,2" and hinted.motion_anchors == "5,6"
    assert hinted.motion_freeze == "3,10,10,20,10" and "1 arrow(s)" in note
    hinted.validate()  # the hints as the job's own fields: valid
    own = Job(task="cinemagraph", image="s.png", mask=job.mask, motion_anchors="1,1")
    assert with_track_hints(own, own.mask) == (own, None)  # the job's own hints win
    png = Job(task="cinemagraph", image="s.png", mask="m.png")
    assert with_track_hints(png, "m.png") == (png, None)
