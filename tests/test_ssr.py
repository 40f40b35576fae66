"""The SSR stage: a larger --size runs the super-resolution model over MultiDiffusion windows
of its own length, conditioned on the bilinearly upsampled base clip."""

from __future__ import annotations

import numpy as np

from engine.jobs import Job


def test_ssr_upsamples_over_windows(engine, tiny_model) -> None:
    calls = []
    loaded = engine.load(str(tiny_model))
    ssr = loaded.ssr
    hook = ssr.register_forward_hook(lambda m, args, out: calls.append(tuple(args[0].shape)))
    try:
        r = engine.run(
            Job(model=str(tiny_model), steps=1, ssr_steps=2, guidance=1.0, width=32, height=32)
        )
    finally:
        hook.remove()
    assert r.frames.shape == (8, 32, 32, 3)
    assert any("SSR x2 to 32x32" in n for n in r.notes)
    # 8 frames, 4-frame windows with stride 2: 3 windows per step, each 4 frames at 32x32,
    # with the 3 noisy + 3 upsampled-condition channels.
    assert calls == [(1, 6, 4, 32, 32)] * 6


def test_larger_than_ssr_output_is_resized_and_said(engine, tiny_model) -> None:
    r = engine.run(
        Job(model=str(tiny_model), steps=1, ssr_steps=1, guidance=1.0, width=40, height=36)
    )
    assert r.frames.shape == (8, 36, 40, 3)
    assert any("SSR x2 to 40x32, then resized" in n for n in r.notes)  # a 16x20 grid (tiles)
    # padded to the grid's aspect (45x36) on the way: the note ends at the result's size
    (note,) = [n for n in r.notes if n.startswith("SSR")]
    assert note.endswith("cropped to 40x36 (the padding to the model's aspect)"), note


def test_a_padded_output_is_said_at_its_own_size(engine, tiny_model) -> None:
    r = engine.run(
        Job(model=str(tiny_model), steps=1, ssr_steps=1, guidance=1.0, width=36, height=32)
    )
    assert r.frames.shape == (8, 32, 36, 3)
    assert "SSR x2 to 40x32, cropped to 36x32 (the padding to the model's aspect)" in r.notes


def test_smaller_size_skips_ssr(engine, tiny_model) -> None:
    r = engine.run(Job(model=str(tiny_model), steps=1, guidance=1.0, width=12, height=12))
    assert r.frames.shape == (8, 12, 12, 3) and r.frames.dtype == np.uint8
    assert any("no SSR" in n for n in r.notes)
