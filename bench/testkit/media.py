"""Synthetic media for tests, benchmarks and screenshots: H.264 clips with B-frames and a
chosen keyframe interval (so seeking is really exercised), each frame visibly different, and
lossless FFV1 clips whose decoded frames equal what was written."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def pattern(i: int, h: int, w: int) -> np.ndarray:
    """A frame that differs visibly from its neighbours: a moving bar on a shifting tint."""
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = (i * 37) % 256
    img[..., 1] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]
    x = (i * 3) % max(1, w - 4)
    img[:, x : x + 4, 2] = 255
    return img


def make_clip(
    path: Path,
    frames: int = 40,
    size: tuple[int, int] = (64, 48),
    fps: int = 24,
    gop: int = 10,
    rotation: int = 0,
    audio: bool = False,
) -> Path:
    import av

    from engine.media.open_file import open_output

    w, h = size
    with open_output(path) as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "crf": "12"}
        if rotation:
            s.set_display_rotation(rotation)
        a = c.add_stream("aac", rate=48000) if audio else None
        for i in range(frames):
            c.mux(s.encode(av.VideoFrame.from_ndarray(pattern(i, h, w), format="rgb24")))
        c.mux(s.encode(None))
        if a is not None:
            samples = np.zeros((1, 1024), np.float32)
            for _ in range(4):
                af = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                af.sample_rate = 48000
                c.mux(a.encode(af))
            c.mux(a.encode(None))
    return path


def write_lossless_video(path: Path, frames: np.ndarray, fps: int = 8) -> Path:
    """FFV1 in MKV: decoded frames equal what was written, so pixels can be compared."""
    import av

    from engine.media.open_file import open_output

    with open_output(path) as out:
        stream = out.add_stream("ffv1", rate=fps)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "bgr0"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(stream.encode())
    return path
