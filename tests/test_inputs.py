"""Reading a task's source: the source clip's frame rate is kept within what a job may ask
for, and a source is brought to the output's size (cropped only for another aspect)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.tasks.inputs import fit_source, source_rate


@pytest.mark.parametrize(
    ("fps", "written"),
    [(0.4, 1.0), (0.1, 1.0), (1000.0, 240.0), (120000.0, 240.0), (24.0, 24.0), (0.6, 0.6)],
)
def test_source_rate_is_kept_in_range(fps, written):
    notes: list[str] = []
    assert source_rate(fps, notes) == written
    assert bool(notes) == (fps != written)


def test_fit_source_crops_only_for_another_aspect() -> None:
    frames = np.zeros((1, 20, 40, 3), np.uint8)
    frames[:, :, 10:30] = 255  # the centre square
    out, note = fit_source(frames, 8, 8)  # another aspect asked: centre crop, then resize
    assert out.shape == (1, 8, 8, 3) and (out == 255).all()
    assert note is not None and "centre-cropped to 20x20" in note
    half, note = fit_source(frames, 10, 20)  # same aspect: the whole frame, resized
    assert half.shape == (1, 10, 20, 3) and (half[:, :, :3] == 0).all() and "cropped" not in note
    same, none = fit_source(frames, 20, 40)
    assert same is frames and none is None
