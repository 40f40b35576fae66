"""End-to-end tasks on the tiny untrained model: the property that defines each task, the
result's generated mask and source, input fitting, and clear refusals of wrong inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.jobs import Job, JobError
from engine.media.load import load_video_frames

FAST = {"steps": 1, "ssr_steps": 1, "guidance": 1.0}


@pytest.fixture(scope="module")
def media(tmp_path_factory, write_lossless_video) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)).save(d / "still.png")
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(d / "square.png")
    mask = np.zeros((20, 30), np.uint8)
    mask[4:14, 8:20] = 255
    Image.fromarray(mask).save(d / "mask.png")
    small = np.zeros((10, 15), np.uint8)
    small[2:7, 4:10] = 255
    Image.fromarray(small).save(d / "mask_small.png")
    Image.fromarray(np.zeros((20, 30), np.uint8)).save(d / "empty.png")
    write_lossless_video(d / "clip.mkv", rng.integers(0, 256, (10, 20, 30, 3), dtype=np.uint8))
    write_lossless_video(d / "wide.mkv", rng.integers(0, 256, (8, 64, 96, 3), dtype=np.uint8))
    two = np.zeros((64, 96), np.uint8)
    two[4:10, 6:12] = 255
    two[40:60, 70:90] = 255
    Image.fromarray(two).save(d / "two_regions.png")
    return {p.stem: p for p in d.iterdir()}


def run(engine, model: Path, **kw):
    return engine.run(Job(model=str(model), **FAST, **kw))


def test_t2v_is_all_generated(engine, tiny_model) -> None:
    r = run(engine, tiny_model, task="t2v", prompt="a red ball")
    assert r.frames.shape == (8, 16, 16, 3) and r.frames.dtype == np.uint8
    assert (r.generated_mask == 255).all() and r.source is None


def test_i2v_frame0_is_the_still(engine, tiny_model, media) -> None:
    r = run(engine, tiny_model, task="i2v", image=str(media["square"]), width=16, height=16)
    still = np.asarray(Image.open(media["square"]).convert("RGB"))
    assert np.array_equal(r.frames[0], still)  # asked at the still's own size: its own bytes
    assert (r.generated_mask[0] == 0).all() and (r.generated_mask[1:] == 255).all()
    assert r.source == str(media["square"])
    assert any("frame 0" in n for n in r.notes)  # the model's own frame-0 PSNR is reported


def test_i2v_keeps_the_stills_aspect_at_the_ssr_size(engine, tiny_model, media) -> None:
    """A 30x20 still on a 16x16 model with SSR x2: the output is 48x32 (the SSR's 32 on the
    short side), the whole still, no crop; the grid is sampled in two fused tiles."""
    r = run(engine, tiny_model, task="i2v", image=str(media["still"]))
    assert r.frames.shape == (8, 32, 48, 3)
    still = np.asarray(Image.open(media["still"]).convert("RGB").resize((48, 32)), float)
    assert np.abs(r.frames[0] - still).mean() < 12  # the whole still, resized (not cropped)
    assert not any("cropped" in n for n in r.notes)
    assert any("16x16 tiles" in n for n in r.notes)


def test_i2v_crops_only_when_another_aspect_is_asked(engine, tiny_model, media) -> None:
    r = run(engine, tiny_model, task="i2v", image=str(media["still"]), width=16, height=16)
    assert r.frames.shape == (8, 16, 16, 3)
    assert any("centre-cropped to 20x20" in n for n in r.notes)


@pytest.mark.parametrize(("size", "shape"), [((48, 16), (16, 48)), ((24, 40), (40, 24))])
def test_t2v_asked_aspect_is_kept_without_stretch(engine, tiny_model, size, shape) -> None:
    r = run(engine, tiny_model, task="t2v", width=size[0], height=size[1])
    assert r.frames.shape == (8, *shape, 3)
    assert any("tiles" in n for n in r.notes)


def test_v2v_keeps_the_source_size(engine, tiny_model, media) -> None:
    r = run(engine, tiny_model, task="v2v", video=str(media["clip"]), strength=0.5)
    assert r.frames.shape == (8, 20, 30, 3)  # the 30x20 clip's own size, not a square crop
    assert (r.generated_mask == 255).all() and r.source == str(media["clip"])


def test_v2v_strength_zero_is_the_source(engine, tiny_model, media) -> None:
    r = run(
        engine, tiny_model, task="v2v", video=str(media["clip"]), strength=0.0, video_start_frame=2
    )
    source, _ = load_video_frames(media["clip"], 2, 8)
    assert np.array_equal(r.frames, source) and (r.generated_mask == 0).all()


def test_v2v_asked_size_of_the_same_aspect_is_not_cropped(engine, tiny_model, media) -> None:
    r = run(engine, tiny_model, task="v2v", video=str(media["clip"]), width=60, height=40)
    assert r.frames.shape == (8, 40, 60, 3)
    assert any("SSR x2" in n for n in r.notes) and not any("cropped" in n for n in r.notes)


def test_cinemagraph_outside_mask_is_the_still(engine, tiny_model, media) -> None:
    r = run(
        engine, tiny_model, task="cinemagraph", image=str(media["still"]), mask=str(media["mask"])
    )
    still = np.asarray(Image.open(media["still"]).convert("RGB"))
    region = np.asarray(Image.open(media["mask"])) >= 128
    assert r.frames.shape == (8, 20, 30, 3)  # the input's size, not the model's
    assert np.array_equal(r.frames[0], still)
    for f in r.frames:
        assert np.array_equal(f[~region], still[~region])
    assert not np.array_equal(r.frames[3][region], still[region])  # inside, it moves
    assert (r.generated_mask[1:][:, ~region] == 0).all()
    assert (r.generated_mask[1:][:, region] == 255).all() and (r.generated_mask[0] == 0).all()
    assert any("1 context box around the mask (16x16 at (6, 1))" in n for n in r.notes)


def test_cinemagraph_loop(engine, tiny_model, media) -> None:
    r = run(
        engine,
        tiny_model,
        task="cinemagraph",
        image=str(media["still"]),
        mask=str(media["mask"]),
        loop=True,
    )
    still = np.asarray(Image.open(media["still"]).convert("RGB"))
    region = np.asarray(Image.open(media["mask"])) >= 128
    assert all(np.array_equal(f[~region], still[~region]) for f in r.frames)


def test_inpaint_outside_mask_is_bit_exact(engine, tiny_model, media) -> None:
    r = run(
        engine,
        tiny_model,
        task="inpaint",
        video=str(media["clip"]),
        mask=str(media["mask_small"]),
        video_start_frame=1,
        mask_from_frame=2,
        pixels="model",  # the model's own paste (footage pixels: tests/test_footage_inpaint.py)
    )
    source, _ = load_video_frames(media["clip"], 1, 8)
    region = np.zeros((8, 20, 30), bool)
    region[2:, 4:14, 8:20] = True  # the small mask resized to the clip, from frame 2 on
    assert r.frames.shape == source.shape
    assert np.array_equal(r.frames[~region], source[~region])
    assert not np.array_equal(r.frames[region], source[region])
    assert np.array_equal(r.generated_mask > 0, region)
    assert r.source == str(media["clip"]) and r.fps == 8
    assert any("resized to 30x20" in n for n in r.notes)


def test_inpaint_generates_one_box_per_separate_region(engine, tiny_model, media) -> None:
    r = run(
        engine,
        tiny_model,
        task="inpaint",
        video=str(media["wide"]),
        mask=str(media["two_regions"]),
        pixels="model",
    )
    source, _ = load_video_frames(media["wide"], 0, 8)
    region = np.broadcast_to(np.asarray(Image.open(media["two_regions"])) >= 128, (8, 64, 96))
    assert r.frames.shape == source.shape
    assert np.array_equal(r.frames[~region], source[~region])  # bit-exact outside
    assert np.array_equal(r.generated_mask > 0, region)
    # the 6x6 region gets the model's 16x16 box at 1:1, the 20x20 one a 26x26 box through SSR
    assert any("2 context boxes" in n and "16x16 at (1, 0)" in n and "26x26" in n for n in r.notes)
    assert any(n.startswith("box 26x26: SSR x2") for n in r.notes)


def test_long_clip_uses_windows(engine, tiny_model) -> None:
    base = engine.load(str(tiny_model)).base
    lengths: list[int] = []
    hook = base.register_forward_hook(lambda m, args, out: lengths.append(args[0].shape[2]))
    try:
        r = run(engine, tiny_model, task="t2v", frames=14)  # native 8, windows at 0, 4, 6
    finally:
        hook.remove()
    assert r.frames.shape == (14, 16, 16, 3)
    assert lengths == [8, 8, 8]  # one step: three native-length windows, not one 14-frame call


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"task": "cinemagraph", "image": "still"}, "needs a mask"),
        ({"task": "cinemagraph", "image": "still", "mask": "empty"}, "empty"),
        ({"task": "inpaint", "video": "clip", "mask": "mask", "frames": 16}, "shorter than"),
        ({"task": "t2v", "mask": "mask"}, "does not use `mask`"),
        ({"task": "inpaint", "video": "clip", "mask": "mask", "width": 32}, "`size`"),
        ({"task": "i2v", "image": "clip"}, "could not be read"),
        ({"task": "i2v", "image": "still", "loop": True}, "`loop`"),
        ({"task": "inpaint", "video": "clip", "mask": "mask", "mask_from_frame": 8}, "past"),
        ({"task": "t2v", "frames": 6}, "multiple of 4"),
    ],
)
def test_wrong_inputs_are_refused(engine, tiny_model, media, kw, message) -> None:
    kw = {k: str(media[v]) if k in ("image", "video", "mask") else v for k, v in kw.items()}
    with pytest.raises(JobError, match=message):
        run(engine, tiny_model, **kw)


def test_cancel_stops_between_steps(engine, tiny_model) -> None:
    from engine.diffusion.samplers import Cancelled

    with pytest.raises(Cancelled):
        engine.run(Job(model=str(tiny_model), steps=3), cancel=lambda: True)
    from engine.errors import CancelToken

    token = CancelToken()
    token.cancel()  # the engine's one cancel token works as a flag too
    with pytest.raises(Cancelled):
        engine.run(Job(model=str(tiny_model), steps=3), cancel=token)


def test_cpu_out_of_memory_is_a_message_with_what_to_lower(engine, tiny_model, monkeypatch):
    from engine.pipeline import EngineError

    def exhausted(*a, **kw):
        raise RuntimeError(
            "DefaultCPUAllocator: can't allocate memory: you tried to allocate "
            "68719476736 bytes. Error code 12 (Cannot allocate memory)"
        )

    monkeypatch.setattr(engine, "_generate", exhausted)
    # Before: only "out of memory" was matched, so the allocator's RuntimeError escaped.
    with pytest.raises(EngineError, match=r"out of the CPU's memory: make fewer frames") as info:
        run(engine, tiny_model, device="cpu")
    assert info.value.__context__ is None  # nothing keeps the failed job's tensors alive


@pytest.mark.parametrize("error", ["torch", "cpu allocator", "python"])
def test_after_running_out_of_memory_the_same_engine_runs_the_next_job(
    engine, tiny_model, monkeypatch, error
):
    """The app keeps one Engine on its engine thread: a job that runs out of memory in the
    model is a plain message, the freed memory is handed back, and the next job runs."""
    import torch

    from engine import pipeline
    from engine.model.stunet import STUNet
    from engine.pipeline import EngineError

    raised = {
        "torch": torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB"),
        "cpu allocator": RuntimeError(
            "DefaultCPUAllocator: can't allocate memory: you tried to allocate 68719476736 bytes."
        ),
        "python": MemoryError(),
    }[error]
    forward = STUNet.forward

    def exhausted(self, *a, **kw):
        raise raised

    trims = []
    monkeypatch.setattr(pipeline, "release_freed_memory", lambda: trims.append(1))
    monkeypatch.setattr(STUNet, "forward", exhausted)
    with pytest.raises(EngineError) as info:
        run(engine, tiny_model, device="cpu", frames=4, width=16, height=16)
    assert str(info.value) == (
        "out of the CPU's memory: make fewer frames (--frames) or a smaller size (--size)"
    )
    assert trims == [1]
    monkeypatch.setattr(STUNet, "forward", forward)
    result = run(engine, tiny_model, device="cpu", frames=4, width=16, height=16)
    assert result.frames.shape == (4, 16, 16, 3) and result.frames.std() > 0


def test_half_precision_path_of_gpus_generates_the_same_clip(tiny_model, monkeypatch) -> None:
    """GPUs run the models under bf16 autocast (compute_dtype); the same path runs here on
    the CPU, guidance and the SSR stage included."""
    import torch

    from engine import devices, pipeline

    job = Job(
        model=str(tiny_model),
        prompt="a red ball",
        seed=2,
        steps=2,
        ssr_steps=1,
        guidance=3.0,
        width=32,
        height=32,
    )
    full = pipeline.Engine().run(job)
    monkeypatch.setattr(devices, "compute_dtype", lambda device: torch.bfloat16)
    half = pipeline.Engine().run(job)
    assert half.frames.shape == full.frames.shape == (8, 32, 32, 3)  # SSR x2 ran
    diff = np.abs(half.frames.astype(int) - full.frames.astype(int))
    assert 0 < diff.mean() < 3  # bf16 rounding (so it did run in bf16), not another clip


def test_a_device_without_autocast_still_generates_in_float32(tiny_model, monkeypatch) -> None:
    """MPS on an older torch has no autocast: the inputs must not be cast on their own."""
    from contextlib import nullcontext

    import torch

    from engine import devices, pipeline

    job = Job(
        model=str(tiny_model), prompt="a red ball", seed=2, steps=2, ssr_steps=1, guidance=3.0
    )
    full = pipeline.Engine().run(job)
    monkeypatch.setattr(devices, "compute_dtype", lambda device: torch.float16)
    monkeypatch.setattr(pipeline, "autocast_for", lambda device: nullcontext())
    assert np.array_equal(pipeline.Engine().run(job).frames, full.frames)
