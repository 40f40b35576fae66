"""`export`: each format of a project or a clip reads back right, carries labels and a matching
manifest; an existing target needs --force."""

from __future__ import annotations

import json
from fractions import Fraction

import av
import numpy as np
import pytest

from engine.cli import main
from engine.jobs import Job
from engine.media import provenance as pv
from engine.media.encode import VideoSettings, write_video
from engine.outputs import save_result
from engine.pipeline import Result
from engine.timeline import Timeline, TimelineClip, Track


@pytest.fixture()
def project(tmp_path):
    folder = tmp_path / "proj"
    (folder / "media").mkdir(parents=True)
    rng = np.random.default_rng(0)
    real = rng.integers(0, 255, (12, 64, 64, 3), dtype=np.uint8)
    write_video(real, folder / "media" / "real.mov", VideoSettings(fps=Fraction(24000, 1001)))
    gen = Result(rng.integers(0, 255, (8, 64, 64, 3), dtype=np.uint8), 24,
                 Job(prompt="a yellow circle", seed=4), "tiny", "12" * 32, 0.1)  # fmt: skip
    save_result(gen, folder / "media" / "gen.mov")
    tl = Timeline(fps=23.976, width=64, height=64, tracks=[Track(clips=[
        TimelineClip("media/real.mov", 2, 10, 0, name="real"),
        TimelineClip("media/gen.mov", 0, 6, 8, name="gen", generated=True,
                     model_name="tiny", model_hash="12" * 32),
    ])])  # fmt: skip
    (folder / "project.lumiere.json").write_text(json.dumps({"timeline": tl.to_dict()}))
    return folder


def read(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        n = sum(1 for _ in c.decode(video=0))
        return v.codec_context, v.average_rate, n, dict(c.metadata)


@pytest.mark.parametrize("fmt,suffix,codec,pix", [
    ("h264", ".mp4", "h264", "yuv420p"), ("prores", ".mov", "prores", "yuv422p10le"),
    ("prores4444", ".mov", "prores", "yuva444p"),
])  # fmt: skip
def test_project_exports_read_back(project, tmp_path, fmt, suffix, codec, pix):
    out = tmp_path / f"cut{suffix}"
    assert main(["export", str(project), "--format", fmt, "--out", str(out)]) == 0
    ctx, rate, n, meta = read(out)
    assert ctx.name == codec and ctx.pix_fmt.startswith(pix)
    assert rate == Fraction(24000, 1001) and n == 14
    assert meta["lumiere_digital_source_type"].endswith("/" + pv.COMPOSITE)
    assert pv.verify_manifest(out) is True


def test_png_export_and_force(project, tmp_path):
    out = tmp_path / "frames"
    assert main(["export", str(project), "--format", "png", "--out", str(out)]) == 0
    assert len(list(out.iterdir())) == 14 and pv.verify_manifest(out) is True
    assert main(["export", str(project), "--format", "png", "--out", str(out)]) == 2
    assert main(["export", str(project), "--format", "png", "--out", str(out), "--force"]) == 0


def test_single_clip_keeps_its_labels(project, tmp_path):
    out = tmp_path / "gen.mp4"
    src = project / "media" / "gen.mov"
    assert main(["export", str(src), "--format", "h264", "--out", str(out)]) == 0
    meta = read(out)[3]
    assert meta["lumiere_prompt"] == "a yellow circle"
    assert meta["lumiere_digital_source_type"].endswith("/" + pv.GENERATED)
    assert pv.read_manifest(out)["watermark"]["payload"].startswith("4c-")


def test_real_only_clip_is_not_labelled(project, tmp_path):
    out = tmp_path / "real.mp4"
    assert main(["export", str(project / "media" / "real.mov"), "--format", "h264",
                 "--out", str(out)]) == 0  # fmt: skip
    assert "lumiere_digital_source_type" not in read(out)[3] and pv.read_manifest(out) is None


def test_bad_out_suffix_and_missing_input(project, tmp_path):
    assert main(["export", str(project), "--format", "h264", "--out", str(tmp_path / "x.mov")]) == 2
    assert main(["export", str(tmp_path / "nope"), "--format", "h264",
                 "--out", str(tmp_path / "x.mp4")]) == 2  # fmt: skip
    assert not (tmp_path / "x.mp4").exists()
