"""The trainer: it learns, resumes exactly, fine-tunes only spatial layers when asked, and
keeps DDP replicas identical (2 CPU processes, gloo)."""

import os
import queue
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from safetensors.torch import save_file
from testkit import processes

from engine.train.loop import TrainConfig, Trainer, draw_noise_levels
from engine.train.procedural import COLOUR_WORDS, WIDE_COLOUR_WORDS

TINY = {"channels": [8, 16, 32], "heads": 2, "temporal_attention_blocks": 1}


def tiny_config(out, **kw) -> TrainConfig:
    base = dict(
        out=str(out),
        steps=4,
        batch_size=2,
        frames=8,
        size=16,
        model=dict(TINY),
        save_every=2,
        warmup=1,
        threads=1,
        lr=1e-3,
    )
    base.update(kw)
    return TrainConfig(**base)


def weights(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}


def test_resume_continues_exactly(tmp_path):
    straight = Trainer(tiny_config(tmp_path / "a"))
    straight.train()
    first = Trainer(tiny_config(tmp_path / "b", steps=2))
    first.train()
    assert (tmp_path / "b" / "checkpoint" / "state.json").is_file()
    resumed = Trainer(tiny_config(tmp_path / "b"))
    assert resumed.step == 2
    resumed.train()
    a, b = weights(straight), weights(resumed)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert resumed.losses and all(torch.isfinite(torch.tensor(resumed.losses)))


def test_spatial_fine_tune_freezes_temporal_layers(tmp_path):
    t = Trainer(tiny_config(tmp_path / "s", steps=2, trainable="spatial"))
    before = weights(t)
    t.train()
    after = weights(t)
    temporal = set(t.model.temporal_parameters())
    assert temporal
    assert all(torch.equal(before[k], after[k]) for k in temporal)
    changed = [k for k in before if k not in temporal and not torch.equal(before[k], after[k])]
    assert changed


def test_ssr_stage_trains_on_crops(tmp_path):
    ssr_model = {"channels": [8, 16], "temporal_down": [False], "heads": 2}
    config = tiny_config(
        tmp_path / "ssr", stage="ssr", steps=1, size=32, crop=16, ssr_scale=2, model=ssr_model
    )
    t = Trainer(config)
    batch = next(t.batches)
    assert batch.video.shape[-2:] == (16, 16) and batch.cond.shape[1] == 3
    t.train()
    assert t.step == 1


def _ddp_worker(rank: int, world: int, port: int, out: str, results) -> None:
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    trainer = Trainer(tiny_config(out, steps=3, save_every=100, device="cpu"))
    init = weights(trainer)
    captions = next(iter(trainer.batches)).captions
    trainer.batches.load_state({"index": 0})
    trainer.train()
    final = weights(trainer)
    moved = max(float((final[k] - init[k]).abs().max()) for k in final)
    results.put((rank, {k: v.numpy() for k, v in final.items()}, moved, captions))
    trainer.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_two_cpu_processes_keep_replicas_equal(tmp_path):
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    port = _free_port()
    procs = [
        ctx.Process(target=_ddp_worker, args=(r, 2, port, str(tmp_path / "ddp"), results))
        for r in range(2)
    ]
    got = {}
    with processes.reaped(*procs):  # a failure or time-out leaves no worker running
        for p in procs:
            p.start()
        for _ in procs:
            try:
                r, w, moved, caps = results.get(timeout=processes.CEILING_S)
            except queue.Empty:
                raise processes.too_slow("a rank of the 2-process DDP run") from None
            got[r] = (w, moved, caps)
        for p in procs:
            p.join(timeout=processes.CEILING_S)
            assert p.exitcode == 0, f"DDP worker exit code {p.exitcode}"
    (w0, moved0, caps0), (w1, _, caps1) = got[0], got[1]
    assert moved0 > 0  # the replicas trained...
    assert caps0 != caps1  # ...on different clips...
    for k in w0:  # ...and still hold the same weights
        assert (w0[k] == w1[k]).all(), k
    assert (tmp_path / "ddp" / "checkpoint" / "state.json").is_file()  # rank 0 saved


def test_noise_bias_draws_more_noisy_steps():
    rng = np.random.default_rng(0)
    uniform = draw_noise_levels(rng, 20000, 0.0)
    biased = draw_noise_levels(rng, 20000, 1.0)
    assert uniform.min() >= 0 and biased.max() <= 1
    # Mean of t for density (1+b) t^b is (1+b)/(2+b): 1/2 and 2/3.
    assert abs(uniform.mean() - 0.5) < 0.01 and abs(biased.mean() - 2 / 3) < 0.01
    assert (biased > 0.8).mean() > 1.6 * (uniform > 0.8).mean()
    with pytest.raises(ValueError, match="noise_bias"):
        tiny_config("unused", noise_bias=-1)


def test_translate_prob_reaches_the_data(tmp_path):
    t = Trainer(tiny_config(tmp_path / "m", translate_prob=1.0))
    assert t.batches.procedural.translate_prob == 1.0
    with pytest.raises(ValueError, match="translate_prob"):
        tiny_config(tmp_path / "x", translate_prob=1.5)


def test_wide_colours_reach_the_data(tmp_path):
    assert Trainer(tiny_config(tmp_path / "a")).batches.procedural.colour_words == COLOUR_WORDS
    wide = Trainer(tiny_config(tmp_path / "b", wide_colours=True, translate_prob=1.0))
    assert wide.batches.procedural.colour_words == WIDE_COLOUR_WORDS
    assert wide.batches.procedural.translate_prob == 1.0  # the overrides combine


def test_i2v_share_reaches_the_batches(tmp_path):
    t = Trainer(tiny_config(tmp_path / "m", i2v_share=0.4))
    assert t.batches.mix["i2v"] == 0.4
    with pytest.raises(ValueError, match="task shares"):
        tiny_config(tmp_path / "x", i2v_share=0.95)
    loose = Trainer(tiny_config(tmp_path / "l", i2v_share=0.4, i2v_motion_captions=0.5))
    assert loose.batches.motion_captions == 0.5
    with pytest.raises(ValueError, match="i2v_motion_captions"):
        tiny_config(tmp_path / "y", i2v_motion_captions=-0.1)


def test_natural_share_and_photos_reach_the_batches(tmp_path):
    from PIL import Image

    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(photos / "grey.png")
    t = Trainer(
        tiny_config(
            tmp_path / "m", natural_share=0.5, photos=str(photos), photo_share=0.7, clip_share=0.0
        )
    )
    assert t.batches.natural_share == 0.5 and t.batches.natural.photo_share == 0.7
    assert t.batches.natural.library.photos[0].shape == (40, 60, 3)  # under 4x the size: kept
    assert Trainer(tiny_config(tmp_path / "p")).batches.natural is None
    with pytest.raises(ValueError, match="natural_share"):
        tiny_config(tmp_path / "x", natural_share=2.0)
    with pytest.raises(ValueError, match="does not exist"):
        tiny_config(tmp_path / "y", natural_share=0.5, photos=str(tmp_path / "none"))


def test_init_weights_grow_prompt_attention_in_temporal_blocks(tmp_path):
    """A run may start from weights saved without the temporal blocks' prompt attention:
    the new branches start as identities, then learn."""
    plain = Trainer(tiny_config(tmp_path / "plain", steps=1))
    plain.train()
    saved = tmp_path / "plain.safetensors"
    save_file({k: v.contiguous() for k, v in plain.model.state_dict().items()}, str(saved))
    grown_model = dict(TINY, temporal_text=True)
    grown = Trainer(
        tiny_config(tmp_path / "grown", steps=2, init_weights=str(saved), model=grown_model)
    )
    fresh = [k for k in weights(grown) if ".text_attn.out." in k]
    assert fresh and all(not grown.model.state_dict()[k].any() for k in fresh)
    grown.train()
    assert any(grown.model.state_dict()[k].any() for k in fresh)


def test_data_workers_train_on_the_same_batches(tmp_path):
    serial = Trainer(tiny_config(tmp_path / "a", steps=2))
    serial.train()
    ahead = Trainer(tiny_config(tmp_path / "b", steps=2, data_workers=2))
    try:
        ahead.train()
    finally:
        ahead.close()
    assert ahead.losses == serial.losses
    a, b = weights(serial), weights(ahead)
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match="data_workers"):
        tiny_config(tmp_path / "c", data_workers=-1)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"steps": 0}, "steps must be >= 1"),
        ({"frames": 0}, "frames must be >= 1"),
        ({"stage": "ssr", "size": 16, "crop": 32}, "crop must be between 1 and size"),
        ({"stage": "ssr", "size": 18, "ssr_scale": 4}, "not a multiple of ssr_scale"),
    ],
)
def test_settings_that_cannot_train_are_refused_up_front(tmp_path, kw, message):
    with pytest.raises(ValueError, match=message):
        tiny_config(tmp_path / "x", **kw)
