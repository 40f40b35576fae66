"""The job's `pixels` switch on the three footage tasks (cinemagraph, i2v, v2v): "model" is the
pure-model path, untouched by the footage code; "footage" (the default) runs it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine.jobs import Job
from engine.tasks.kinds import cinemagraph, i2v, v2v

FAST = {"steps": 1, "ssr_steps": 1, "guidance": 1.0}


class FootageCalled(Exception):
    pass


def _refuse(*args, **kwargs):
    raise FootageCalled


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, write_lossless_video) -> dict[str, dict]:
    d = tmp_path_factory.mktemp("pixels")
    rng = np.random.default_rng(4)
    Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(d / "still.png")
    mask = np.zeros((24, 32), np.uint8)
    mask[6:18, 8:24] = 255
    Image.fromarray(mask).save(d / "mask.png")
    write_lossless_video(d / "clip.mkv", rng.integers(0, 256, (8, 24, 32, 3), dtype=np.uint8))
    return {
        "cinemagraph": {"image": str(d / "still.png"), "mask": str(d / "mask.png")},
        "i2v": {"image": str(d / "still.png")},
        "v2v": {"video": str(d / "clip.mkv"), "strength": 0.5},
    }


@pytest.mark.parametrize("task", ["cinemagraph", "i2v", "v2v"])
def test_pixels_model_never_runs_the_footage_code(engine, tiny_model, inputs, task, monkeypatch):
    def job(pixels: str) -> Job:
        return Job(
            task=task,
            prompt="ripples",
            pixels=pixels,
            model=str(tiny_model),
            **FAST,
            **inputs[task],
        )

    footage = engine.run(job("footage")).frames
    model = engine.run(job("model")).frames
    assert not np.array_equal(footage, model)  # the switch changes the result
    monkeypatch.setattr(cinemagraph, "footage_cinemagraph", _refuse)
    monkeypatch.setattr(i2v, "footage_i2v", _refuse)
    monkeypatch.setattr(v2v, "keep_detail", _refuse)
    again = engine.run(job("model")).frames
    assert np.array_equal(again, model)  # the same pixels with the footage code gone
    with pytest.raises(FootageCalled):
        engine.run(job("footage"))


def test_v2v_at_strength_1_stays_a_full_regeneration(engine, tiny_model, inputs) -> None:
    runs = [
        engine.run(
            Job(
                task="v2v",
                prompt="x",
                pixels=p,
                model=str(tiny_model),
                **FAST,
                **(inputs["v2v"] | {"strength": 1.0}),
            )
        ).frames
        for p in ("footage", "model")
    ]
    assert np.array_equal(*runs)
