"""The whole-frame tasks without a model: each reads its source at the size it needs, picks
its own size when none is asked, conditions the one part it samples, and `finish` puts back
what is known (the still as frame 0, v2v's source at strength 0)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import torch
from PIL import Image
from testkit.fuzz_media import huge_sparse_png, write_video

from engine.jobs import Job
from engine.tasks.frame_tasks import FramePrepared
from engine.tasks.kinds import i2v
from engine.tasks.kinds.i2v import ImageToVideo, psnr
from engine.tasks.kinds.t2v import TextToVideo
from engine.tasks.kinds.v2v import VideoToVideo
from engine.tasks.sizes import Geometry
from engine.tasks.task import Sampled

GEO = Geometry(32, 32, 4)  # the bundled model's native frame and SSR factor


def test_t2v_samples_an_all_unknown_part_at_the_native_size() -> None:
    prep = TextToVideo().prepare(Job(prompt="x"), 8, GEO)
    (part,) = prep.parts
    assert (part.fit.model_h, part.fit.model_w) == (32, 32) and part.init is None
    assert not part.cond.mask.any()
    done = TextToVideo().finish(prep, [Sampled(torch.zeros(3, 8, 32, 32), (32, 32))])
    assert done.frames.shape == (8, 32, 32, 3) and (done.generated_mask == 255).all()


def test_v2v_from_a_very_slow_clip_has_a_usable_rate(tmp_path):
    # Before: round(0.4) = 0 fps reached the encoder (division by zero after the generation).
    clip = write_video(tmp_path / "slow.mkv", "ffv1", "bgr0", rate=Fraction(2, 5))
    prep = VideoToVideo().prepare(Job(task="v2v", video=str(clip), prompt="x"), 8, GEO)
    assert prep.fps == 1.0
    assert any("outside 1-240 fps" in n for n in prep.notes)


def test_v2v_at_strength_0_samples_nothing_and_returns_the_source(tmp_path) -> None:
    clip = write_video(tmp_path / "c.mkv", "ffv1", "bgr0", rate=Fraction(24))
    task = VideoToVideo()
    prep = task.prepare(Job(task="v2v", video=str(clip), strength=0.0), 8, GEO)
    assert prep.parts == [] and "strength 0" in prep.notes[-1]
    done = task.finish(prep, [])
    assert isinstance(prep, FramePrepared) and prep.source_frames is not None
    assert np.array_equal(done.frames, prep.source_frames)
    assert done.frames is not prep.source_frames and not done.generated_mask.any()


def test_i2v_reads_a_huge_still_at_twice_the_output_size(tmp_path, monkeypatch):
    real = i2v.load_image
    big = huge_sparse_png(tmp_path / "big.png", 9400)  # 86 KB claiming 88 Mpx
    decoded = []
    monkeypatch.setattr(
        i2v, "load_image", lambda *a, **kw: decoded.append(real(*a, **kw)) or decoded[-1]
    )
    job = Job(task="i2v", image=str(big), prompt="x", width=640, height=640)
    prep = ImageToVideo().prepare(job, 8, GEO)
    assert decoded[0].shape == (1280, 1280, 3)  # before: the whole 9400x9400
    assert prep.source_frames.shape == (1, 640, 640, 3)


def test_i2v_keeps_the_still_as_frame_0_and_reports_how_close_the_model_came(tmp_path) -> None:
    still = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(still).save(tmp_path / "s.png")
    task = ImageToVideo()
    prep = task.prepare(Job(task="i2v", image=str(tmp_path / "s.png")), 8, GEO)
    (part,) = prep.parts
    assert part.cond.mask[:, 0].all() and not part.cond.mask[:, 1:].any()
    assert part.check is not None and "inf dB" in part.check(part.cond.video)
    done = task.finish(prep, [Sampled(torch.zeros(3, 8, 128, 128), (128, 128))])
    assert np.array_equal(done.frames[0], prep.source_frames[0])
    assert not done.generated_mask[0].any() and done.generated_mask[1:].all()
    assert done.relationship == "inputTo"


def test_psnr_of_images_one_step_apart() -> None:
    a = torch.zeros(3, 4, 4)
    assert psnr(a, a) == float("inf")
    assert abs(psnr(a, a + 0.2) - 10 * np.log10(4 / 0.04)) < 1e-4
