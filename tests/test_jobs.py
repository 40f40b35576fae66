"""The Job dataclass: JSON round trip and validation messages."""

import pytest

from engine.jobs import Job, JobError


def test_json_round_trip_keeps_every_field():
    job = Job(task="inpaint", prompt="a red circle", negative_prompt="blur", video="in.mp4",
              mask="m.png", mask_from_frame=3, frames=32, fps=12, width=128, height=96, steps=7,
              guidance=3.5, seed=42, strength=0.3, style="watercolour", style_strength=0.4,
              sampler="ddim", loop=True, model="lumiere-mini", device="cpu",
              extra={"note": [1, 2]})  # fmt: skip
    back = Job.from_json(job.to_json())
    assert back == job


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task": "upscale"}, "task must be one of"),
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
