"""save_result: marks generated pixels only, labels edits vs pure generation, writes the manifest,
carries the source's audio, never overwrites without force."""

from __future__ import annotations

import av
import numpy as np
import pytest

from engine.jobs import Job
from engine.media import provenance as pv
from engine.media import watermark as wm
from engine.media.audio import AudioClip
from engine.media.encode import EncodeError, VideoSettings, write_video
from engine.outputs import save_result
from engine.pipeline import Result
from engine.train.procedural import render, sample_clip


def result(mask=None, source=None, size=128) -> Result:
    frames = render(sample_clip(11), 16, size, size)
    job = Job(
        prompt="a blue star",
        seed=3,
        task="inpaint" if source else "t2v",
        video=source,
        mask="m.png" if source else None,
    )
    return Result(frames, 8, job, "tiny", "cd" * 32, 0.1, generated_mask=mask, source=source)


def read_pngs(folder):
    out = []
    for p in sorted(folder.iterdir()):
        with av.open(str(p)) as c:
            out.append(next(c.decode(video=0)).to_ndarray(format="rgb24"))
    return np.stack(out)


def test_pure_generation_is_marked_and_labelled(tmp_path):
    r = result()
    out = save_result(r, tmp_path / "g.mp4")
    meta = pv.read_container_metadata(out)
    assert meta["lumiere_digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert meta["lumiere_prompt"] == "a blue star" and meta["lumiere_seed"] == "3"
    assert pv.verify_manifest(out) is True
    with av.open(str(out)) as c:
        frames = np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
    d = wm.detect(frames)
    assert d.detected and f"{d.clip_id:06x}" == meta["lumiere_clip_id"]


def test_inpainting_keeps_unpainted_pixels_and_is_a_composite(tmp_path):
    src = tmp_path / "src.mov"
    tone = np.full((2, 48000), 0.25, np.float32)
    write_video(
        np.zeros((16, 64, 64, 3), np.uint8),
        src,
        VideoSettings(fps=8, audio=AudioClip(tone, 48000, "stereo")),
    )
    mask = np.zeros((16, 128, 128), np.uint8)
    mask[:, 40:90, 30:100] = 255
    r = result(mask=mask, source=str(src))
    folder = save_result(r, tmp_path / "seq/")
    written = read_pngs(folder)
    keep = mask == 0
    assert np.array_equal(written[keep], r.frames[keep])
    assert not np.array_equal(written[~keep], r.frames[~keep])
    assert pv.read_manifest(folder)["digital_source_type"].endswith("/" + pv.COMPOSITE)
    mov = save_result(r, tmp_path / "edit.mov")
    with av.open(str(mov)) as c:
        assert c.metadata["lumiere_source"] == "src.mov"
        n = sum(f.samples for f in c.decode(audio=0))
    assert n == 48000 * 16 // 8  # the audio under the edited frames, 2 s at 8 fps


def test_no_generated_pixels_no_labels(tmp_path):
    r = result(mask=np.zeros((16, 128, 128), np.uint8))
    out = save_result(r, tmp_path / "plain.mp4")
    assert "lumiere_digital_source_type" not in pv.read_container_metadata(out)
    assert pv.read_manifest(out) is None


def test_existing_target_needs_force(tmp_path):
    target = tmp_path / "g.mp4"
    target.write_bytes(b"keep me")
    with pytest.raises(EncodeError, match="--force"):
        save_result(result(size=32), target)
    assert target.read_bytes() == b"keep me"
    r = result(size=32)
    save_result(r, target, force=True)
    assert target.read_bytes() != b"keep me"
    assert any("too small" in n or "smaller" in n for n in r.notes)


def test_prores4444_alpha_is_the_generated_mask(tmp_path):
    mask = np.zeros((16, 128, 128), np.uint8)
    mask[:, :, 64:] = 255
    out = save_result(result(mask=mask), tmp_path / "a.mov", prores="prores4444")
    with av.open(str(out)) as c:
        a = next(c.decode(video=0)).to_ndarray(format="rgba")[..., 3]
    assert a[:, :60].max() < 8 and a[:, 68:].min() > 247
