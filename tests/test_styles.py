"""Styles: W = a * W_style + (1 - a) * W_base at load time, cached per a; a = 0 gives the base
model's output exactly; temporal layers are never changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.jobs import Job, JobError
from engine.tasks.styles import blend_model, load_style_tensors
from engine.train.export_style import export_style


@pytest.fixture(scope="module")
def styled(tiny_model, tmp_path_factory, make_run) -> Path:
    tmp = tmp_path_factory.mktemp("styled")
    model = Path(shutil.copytree(tiny_model, tmp / "model"))
    export_style(make_run(model, tmp / "run"), model)
    return model


def job(model: Path, **kw) -> Job:
    return Job(model=str(model), steps=2, guidance=1.0, seed=3, **kw)


def test_strength_zero_equals_base_exactly(engine, styled) -> None:
    base = engine.run(job(styled))
    zero = engine.run(job(styled, style="ink", style_strength=0.0))
    assert np.array_equal(base.frames, zero.frames)
    full = engine.run(job(styled, style="ink", style_strength=1.0))
    assert not np.array_equal(base.frames, full.frames)
    assert "style ink" in full.model_name


def test_blend_is_linear_and_keeps_temporal_layers(engine, styled) -> None:
    loaded = engine.load(str(styled))
    style = load_style_tensors(loaded.info, "ink", loaded.base)
    base = {k: v.clone() for k, v in loaded.base.state_dict().items()}
    mixed = blend_model(loaded.base, style, 0.25).state_dict()
    name = next(iter(style))
    assert not torch.equal(style[name], base[name])  # else any mix would pass
    assert torch.allclose(mixed[name], 0.25 * style[name] + 0.75 * base[name], atol=1e-6)
    for t in loaded.base.temporal_parameters():
        assert torch.equal(mixed[t], base[t])
    assert loaded.base.state_dict()[name].equal(base[name])  # the base itself is untouched


def test_a_blend_is_made_once_per_strength_and_the_oldest_dropped(
    engine, styled, monkeypatch
) -> None:
    import engine.pipeline as pipeline

    made: list[float] = []

    def counted(base, tensors, strength):  # a spy: the real blend, counted
        made.append(strength)
        return blend_model(base, tensors, strength)

    monkeypatch.setattr(pipeline, "blend_model", counted)
    first = engine.run(job(styled, style="ink", style_strength=0.375))
    again = engine.run(job(styled, style="ink", style_strength=0.375))
    assert made == [0.375] and np.array_equal(first.frames, again.frames)
    for a in (0.5, 0.625):  # STYLE_CACHE is 2: 0.375 is dropped
        engine.run(job(styled, style="ink", style_strength=a))
    engine.run(job(styled, style="ink", style_strength=0.375))
    assert made == [0.375, 0.5, 0.625, 0.375]


def test_unknown_style_is_refused(engine, styled) -> None:
    with pytest.raises(JobError, match="no style 'nope'.*ink"):
        engine.run(job(styled, style="nope"))
