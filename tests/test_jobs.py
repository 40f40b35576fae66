"""The Job dataclass: JSON round trip and validation messages."""

import pytest

from engine.jobs import (
    Job,
    JobError,
    cli_flags,
    default_of,
    job_fields,
    name_fields,
    plain_fields,
    spec_of,
    ui_labels,
    ui_range,
)


def test_json_round_trip_keeps_every_field():
    job = Job(
        task="inpaint",
        prompt="a red circle",
        negative_prompt="blur",
        video="in.mp4",
        mask="m.png",
        mask_from_frame=3,
        frames=32,
        fps=12,
        width=128,
        height=96,
        steps=7,
        guidance=3.5,
        seed=42,
        strength=0.3,
        style="watercolour",
        style_strength=0.4,
        sampler="ddim",
        loop=True,
        model="lumiere-mini",
        device="cpu",
    )
    back = Job.from_json(job.to_json())
    assert back == job


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task": "upscale"}, "`task` must be one of"),
        ({"steps": 0}, "steps"),
        ({"strength": 1.5}, "strength"),
        ({"task": "i2v"}, "needs an image"),
        ({"task": "inpaint", "video": "v.mp4"}, "needs a mask"),
        ({"width": 4}, "width"),
        ({"fps": 0}, "fps"),
    ],
)
def test_validate_names_the_problem(changes, message):
    with pytest.raises(JobError, match=message):
        Job(**changes).validate()


def test_unknown_fields_and_newer_schema_are_refused():
    with pytest.raises(JobError, match="unknown job fields"):
        Job.from_dict({"prompt": "x", "colour": "red"})
    with pytest.raises(JobError, match="newer"):
        Job.from_dict({"schema": 99})
    with pytest.raises(JobError, match="not valid JSON"):
        Job.from_json("{")


def test_every_field_is_declared_once_with_its_help() -> None:
    names = [f.name for f, _ in job_fields()]
    assert names == list(Job.__dataclass_fields__)
    assert all(spec.help for _, spec in job_fields())
    flags = [spec.flag for _, spec in job_fields() if spec.flag and spec.flag != "--size"]
    assert len(flags) == len(set(flags))  # one flag, one field (--size: width and height)
    assert cli_flags()["negative_prompt"] == "--negative"
    assert cli_flags()["video_start_frame"] == "--start-frame"
    assert cli_flags()["width"] == cli_flags()["size"] == "--size"
    assert default_of("steps") == Job().steps == 20
    assert spec_of("sampler").choices == ("dpm++2m", "ddim")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"steps": 1001}, "steps", "between 1 and 1000, got 1001"),
        ({"guidance": -0.5}, "guidance", "`guidance` must be >= 0"),
        ({"mask_from_frame": -1}, "mask_from_frame", ">= 0"),
        ({"sampler": "euler"}, "sampler", "must be one of"),
        ({"height": 5000}, "height", "between 8 and 4096"),
        ({"task": "t2v", "image": "s.png"}, "image", "does not use `image`"),
        ({"task": "v2v", "video": "v.mp4", "loop": True}, "loop", "does not use `loop`"),
        (
            {"task": "cinemagraph", "image": "s", "mask": "m", "mask_from_frame": 3},
            "mask_from_frame",
            "does not use `mask_from_frame`",
        ),
        ({"task": "inpaint", "video": "v", "mask": "m", "width": 64}, "width", "`size`"),
        # the wrong JSON type is named before a range check could compare it with a number
        ({"steps": "20"}, "steps", r'`steps` must be a whole number, got "20" \(str\)'),
        ({"steps": 20.0}, "steps", "whole number, got 20.0"),
        ({"seed": True}, "seed", r"whole number, got true \(bool\)"),
        ({"width": "64"}, "width", "`width` must be a whole number"),
        ({"guidance": [5]}, "guidance", r"`guidance` must be a number, got \[5\] \(list\)"),
        ({"prompt": 5}, "prompt", r"`prompt` must be text, got 5 \(int\)"),
        ({"loop": "yes"}, "loop", 'must be true or false, got "yes"'),
    ],
)
def test_errors_name_the_field(changes, field, message) -> None:
    with pytest.raises(JobError, match=message) as info:
        Job(**changes).validate()
    assert info.value.field == field


def test_accepted_jobs_pass() -> None:
    Job().validate()
    Job(task="inpaint", video="v", mask="m", mask_from_frame=2, video_start_frame=5).validate()
    Job(task="cinemagraph", image="s", mask="m", loop=True, fps=240, width=None).validate()
    Job(task="v2v", video="v", strength=0.0, width=8, height=4096, frames=1).validate()


def test_name_fields_writes_flags_or_labels() -> None:
    message = "task t2v does not use `mask_from_frame`; leave out `size` (`nothing`)"
    assert name_fields(message, cli_flags()) == (
        "task t2v does not use --mask-from-frame; leave out --size (`nothing`)"
    )
    assert name_fields(message, ui_labels()) == (
        "task t2v does not use the mask's first frame; leave out the output size (`nothing`)"
    )
    assert all(ui_labels()[f.name] != f.name for f, _ in job_fields() if f.name != "loop")
    plain = "task t2v does not use mask_from_frame; leave out size (nothing)"
    assert plain_fields(message) == plain


def test_widget_ranges_come_from_the_table() -> None:
    assert ui_range("steps") == (1, 1000)
    assert ui_range("guidance") == (0, 30)  # no job limit: the widget's own end
    with pytest.raises(ValueError):
        ui_range("prompt")


def test_jobs_written_with_the_dropped_extra_field_still_load() -> None:
    job = Job.from_dict({"prompt": "x", "extra": {"note": 1}})
    assert job == Job(prompt="x") and "extra" not in job.to_dict()
