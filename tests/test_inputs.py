"""A job's inputs: the source clip's frame rate is kept within what a job may ask for, and
tasks that keep the input's size refuse inputs too large to composite."""

from __future__ import annotations

from fractions import Fraction

import pytest
from testkit.fuzz_media import png_claiming, write_video

from engine.jobs import Job, JobError
from engine.tasks.inputs import prepare, source_rate
from engine.tasks.sizes import Geometry

GEO = Geometry(32, 32, 4)  # the bundled model's native frame and SSR factor


@pytest.mark.parametrize(
    ("fps", "written"),
    [(0.4, 1.0), (0.1, 1.0), (1000.0, 240.0), (120000.0, 240.0), (24.0, 24.0), (0.6, 0.6)],
)
def test_source_rate_is_kept_in_range(fps, written):
    notes: list[str] = []
    assert source_rate(fps, notes) == written
    assert bool(notes) == (fps != written)


def test_v2v_from_a_very_slow_clip_has_a_usable_rate(tmp_path):
    # Before: round(0.4) = 0 fps reached the encoder (division by zero after the generation).
    clip = write_video(tmp_path / "slow.mkv", "ffv1", "bgr0", rate=Fraction(2, 5))
    prep = prepare(Job(task="v2v", video=str(clip), prompt="x"), 8, GEO)
    assert prep.fps == 1.0
    assert any("outside 1-240 fps" in n for n in prep.notes)


def test_cinemagraph_refuses_a_still_too_large_to_keep(tmp_path):
    (tmp_path / "big.png").write_bytes(png_claiming(4000, 3000))
    (tmp_path / "m.png").write_bytes(png_claiming(8, 8))
    job = Job(task="cinemagraph", image=str(tmp_path / "big.png"), mask=str(tmp_path / "m.png"),
              prompt="x")  # fmt: skip
    with pytest.raises(JobError, match="keeps the input's size"):
        prepare(job, 8, GEO)


def test_i2v_reads_a_huge_still_at_twice_the_output_size(tmp_path, monkeypatch):
    from testkit.fuzz_media import huge_sparse_png

    from engine.tasks import inputs

    real = inputs.load_image
    big = huge_sparse_png(tmp_path / "big.png", 9400)  # 86 KB claiming 88 Mpx
    decoded = []
    monkeypatch.setattr(inputs, "load_image",
                        lambda *a, **kw: decoded.append(real(*a, **kw)) or decoded[-1])  # fmt: skip
    prep = prepare(Job(task="i2v", image=str(big), prompt="x", width=640, height=640), 8, GEO)
    assert decoded[0].shape == (1280, 1280, 3)  # before: the whole 9400x9400
    assert prep.source_frames.shape == (1, 640, 640, 3)
