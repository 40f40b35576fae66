"""The watermark: payload coding, only generated pixels change, invisible enough, found after an
H.264 re-encode, a resize and a crop, and not found in unmarked frames."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from engine.media import watermark as wm
from engine.train.procedural import render, sample_clip


def clip(seed: int = 3, size: int = 128) -> np.ndarray:
    return render(sample_clip(seed), 16, size, size)


def h264(frames: np.ndarray, crf: int = 23) -> np.ndarray:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=24)
        s.pix_fmt, s.width, s.height = "yuv420p", frames.shape[2], frames.shape[1]
        s.options = {"crf": str(crf)}
        for f in frames:
            c.mux(s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        c.mux(s.encode(None))
    buf.seek(0)
    with av.open(buf) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def test_payload_round_trip_and_crc():
    p = wm.Payload(0xABCDEF)
    bits = p.bits()
    assert len(bits) == wm.PAYLOAD_BITS
    assert wm.Payload.from_bits(bits) == p
    bits[5] ^= 1
    assert wm.Payload.from_bits(bits) is None
    with pytest.raises(wm.WatermarkError):
        wm.Payload(1 << 24).bits()


def test_only_generated_pixels_change():
    frames = clip()
    mask = np.zeros(frames.shape[:3], np.uint8)
    mask[:, 32:96, 40:100] = 255
    marked = wm.embed(frames, wm.Payload(7), mask)
    outside = mask == 0
    assert np.array_equal(marked[outside], frames[outside])
    assert np.any(marked[~outside] != frames[~outside])


def test_cost_is_above_40_db():
    frames = clip()
    assert wm.psnr(frames, wm.embed(frames, wm.Payload(7))) >= 40.0


def test_found_with_payload_after_h264_crf23():
    frames = clip(5)
    d = wm.detect(h264(wm.embed(frames, wm.Payload(0x123456))))
    assert d.detected and d.payload_valid and d.clip_id == 0x123456 and d.app_id == wm.APP_ID
    assert d.confidence > 0.99


def test_found_after_crop_with_offset():
    marked = wm.embed(clip(6, 160), wm.Payload(99))
    d = wm.detect(marked[:, 13:149, 7:151])  # ~10% cropped, off the tile grid
    assert d.detected and d.clip_id == 99
    assert d.offset != (0, 0)


def test_found_after_resize_to_half():
    marked = wm.embed(clip(8, 256), wm.Payload(4242))
    small = np.stack(
        [
            av.VideoFrame.from_ndarray(f, format="rgb24")
            .reformat(128, 128, interpolation="BILINEAR")
            .to_ndarray(format="rgb24")
            for f in marked
        ]
    )
    d = wm.detect(small)
    assert d.detected and d.clip_id == 4242 and d.scale == 0.5


def test_unmarked_frames_are_not_flagged():
    for seed in (1, 2, 3):
        d = wm.detect(h264(clip(seed)))
        assert not d.detected and d.z < wm.Z_DETECT + 1


def test_tiny_frames_say_they_are_too_small():
    d = wm.detect(wm.embed(clip(1, 32), wm.Payload(1)))
    assert not d.detected and "too small" in d.note


@pytest.mark.parametrize("scale", [s for s in wm.SCALES if s != 1.0])
def test_resampling_matches_torchs_antialiased_bilinear(scale):
    """`detect` resizes without torch (issue 31 #4); the pictures must be the ones the mark's
    statistics were measured on: torch's bilinear, antialiased when shrinking."""
    import torch
    import torch.nn.functional as F

    img = np.random.default_rng(1).random((150, 203)).astype(np.float32) * 255
    factor = 1 / scale
    ours = wm._resample(img, factor)
    ref = F.interpolate(
        torch.from_numpy(img)[None, None],
        size=ours.shape,
        mode="bilinear",
        align_corners=False,
        antialias=factor < 1,
    )[0, 0].numpy()
    assert np.abs(ours - ref).max() < 0.05


def test_detect_never_loads_torch():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from engine.media import watermark as wm\n"
        "wm.detect(np.zeros((2, 200, 200, 3), np.uint8))\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
