"""Text to video: a clip from the prompt alone, at the model's size or the one asked for
(engine/tasks/frame_tasks.py does the whole-frame plan). Its spec is t2v_spec.py."""

from __future__ import annotations

from collections.abc import Callable

import torch

from engine.tasks.conditioning import text_to_video
from engine.tasks.frame_tasks import FrameTask
from engine.tasks.kinds.t2v_spec import SPEC
from engine.tasks.task import Example


class TextToVideo(FrameTask):
    spec = SPEC

    def training_example(self, video: torch.Tensor, region: Callable[[], torch.Tensor]) -> Example:
        """The clip itself, nothing known."""
        _, t, h, w = video.shape
        return video, text_to_video(t, h, w)


TASK = TextToVideo()
