"""The Task base: a task refuses a job that lacks an input it needs or sets one it would
ignore, each time naming the field (not a command-line flag), and reads inputs by name."""

from __future__ import annotations

import pytest

from engine.jobs import Job, JobError
from engine.tasks.sizes import Geometry
from engine.tasks.spec import TaskSpec
from engine.tasks.task import Finished, Prepared, Sampled, Task, generated, input_file


class Sketch(Task):
    """A task that reads a video and a mask and may loop; it keeps the input's size."""

    spec = TaskSpec(  # a real name, so the label and messages read as the app's
        "inpaint",
        "Video inpainting",
        inputs=("video", "mask"),
        options=("loop",),
        keeps_input_size=True,
    )

    def prepare(self, job: Job, frames: int, geo: Geometry) -> Prepared:
        return Prepared(job=job, frames=frames)

    def finish(self, prepared: Prepared, sampled: list[Sampled]) -> Finished:
        return Finished(generated(1, 2, 2, 0), generated(1, 2, 2, 0), self.relationship)


def test_a_complete_job_passes() -> None:
    Sketch().validate(Job(video="v", mask="m", loop=True))
    Sketch().validate(Job(video="v", mask="m", mask_grow=4))  # an option at its default is fine


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"mask": "m"}, "video", "needs a video"),
        ({"video": "v"}, "mask", "needs a mask"),
        ({"video": "v", "mask": "m", "image": "s"}, "image", "does not use `image`"),
        ({"video": "v", "mask": "m", "mask_from_frame": 3}, "mask_from_frame", "`mask_from_frame`"),
        ({"video": "v", "mask": "m", "video_start_frame": 1}, "video_start_frame", "leave it out"),
        ({"video": "v", "mask": "m", "mask_grow": 9}, "mask_grow", "`mask_grow`"),
        ({"video": "v", "mask": "m", "height": 64}, "height", "keeps the input's size"),
    ],
)
def test_refusals_name_the_field_not_a_flag(changes, field, message) -> None:
    with pytest.raises(JobError, match=message) as info:
        Sketch().validate(Job(**changes))
    assert info.value.field == field and "--" not in str(info.value)


def test_input_file_reads_a_present_input_and_names_a_missing_one() -> None:
    assert input_file(Job(video="clip.mp4"), "video") == "clip.mp4"
    with pytest.raises(JobError, match="needs an image") as info:
        input_file(Job(task="i2v"), "image")
    assert info.value.field == "image"


def test_label_and_generated_mask() -> None:
    assert Sketch().label == "Video inpainting"
    mask = generated(2, 3, 4, 255)
    assert mask.shape == (2, 3, 4) and mask.dtype.name == "uint8" and (mask == 255).all()
