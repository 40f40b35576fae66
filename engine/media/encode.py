"""Write frames to disk with PyAV: H.264 MP4, ProRes MOV, or a PNG sequence folder.

Every write goes to a temporary name beside the target and is renamed into place only when
complete, so a crash or a cancel never leaves a half-written file at the target path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

VIDEO_SUFFIXES = (".mp4", ".mov")


class EncodeError(ValueError):
    """The output cannot be written as asked (bad path, size or settings)."""


@dataclass
class VideoSettings:
    fps: Fraction | float | int = 8
    crf: int = 18
    preset: str = "medium"
    codec: str | None = None  # default: libx264 for .mp4, prores_ks for .mov
    metadata: dict[str, str] = field(default_factory=dict)


def output_kind(path: Path | str) -> str:
    """'png' for a folder target (trailing slash or no suffix), else 'mp4' / 'mov'."""
    text = str(path)
    p = Path(text)
    if text.endswith(("/", os.sep)) or p.suffix == "" or p.is_dir():
        return "png"
    if p.suffix.lower() in VIDEO_SUFFIXES:
        return p.suffix.lower()[1:]
    raise EncodeError(f"{p.name}: unsupported output; use .mp4, .mov or a folder for PNG frames")


def as_fraction(fps: Fraction | float | int) -> Fraction:
    """Exact rates for the NTSC family (23.976 -> 24000/1001) and plain ones otherwise."""
    f = float(fps)
    if f <= 0:
        raise EncodeError(f"fps must be positive, got {fps}")
    for base in (24, 30, 60):
        if abs(f - base * 1000 / 1001) < 0.01:
            return Fraction(base * 1000, 1001)
    return Fraction(fps).limit_denominator(1001)


def _check_frames(frames: np.ndarray) -> np.ndarray:
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise EncodeError(f"frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    if len(frames) == 0:
        raise EncodeError("no frames to write")
    return frames


def _even_pad(frames: np.ndarray) -> np.ndarray:
    """yuv420p needs even sizes: pad odd edges by repeating the last row/column."""
    t, h, w, _ = frames.shape
    if h % 2 == 0 and w % 2 == 0:
        return frames
    return np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def _temp_beside(path: Path, suffix: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    return Path(tmp)


def write_video(
    frames: np.ndarray | Iterable[np.ndarray],
    path: Path | str,
    settings: VideoSettings | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> Path:
    """Encode uint8 (H, W, 3) frames to `path` (.mp4 H.264 yuv420p, .mov ProRes 422 HQ)."""
    import av

    settings = settings or VideoSettings()
    path = Path(path)
    kind = output_kind(path)
    if kind == "png":
        return write_png_sequence(np.asarray(frames), path)
    if not path.parent.is_dir():
        raise EncodeError(f"folder {path.parent} does not exist")
    rate = as_fraction(settings.fps)
    tmp = _temp_beside(path, path.suffix)
    try:
        options = {"movflags": "use_metadata_tags"} if kind == "mp4" else {}
        with av.open(str(tmp), mode="w", format=kind, container_options=options) as container:
            for key, value in settings.metadata.items():
                container.metadata[key] = value
            stream = None
            for i, frame in enumerate(frames):
                frame = _even_pad(_check_frames(np.asarray(frame)[None]))[0]
                if stream is None:
                    stream = _add_stream(container, kind, settings, rate, frame.shape)
                video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
                container.mux(stream.encode(video_frame))
                if on_frame:
                    on_frame(i + 1)
            if stream is None:
                raise EncodeError("no frames to write")
            container.mux(stream.encode(None))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _add_stream(container, kind: str, settings: VideoSettings, rate: Fraction, shape):
    h, w = shape[:2]
    if kind == "mp4":
        stream = container.add_stream(settings.codec or "libx264", rate=rate)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(settings.crf), "preset": settings.preset}
    else:
        stream = container.add_stream(settings.codec or "prores_ks", rate=rate)
        stream.pix_fmt = "yuv422p10le"
        stream.options = {"profile": "3"}  # 422 HQ
    stream.width, stream.height = w, h
    stream.codec_context.color_primaries = 1  # BT.709
    stream.codec_context.color_trc = 1
    stream.codec_context.colorspace = 1
    stream.codec_context.color_range = 1  # limited (TV) range, what editors expect
    return stream


def write_png_sequence(frames: np.ndarray, folder: Path | str, prefix: str = "frame") -> Path:
    """Write frames as `prefix_00000.png`... into `folder` (built beside it, then renamed).
    An existing non-empty folder is refused rather than mixed with new frames."""
    frames = _check_frames(np.asarray(frames))
    folder = Path(str(folder).rstrip("/" + os.sep))
    if folder.exists() and any(folder.iterdir()):
        raise EncodeError(f"{folder} exists and is not empty; choose a new folder")
    if not folder.parent.is_dir():
        raise EncodeError(f"folder {folder.parent} does not exist")
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        for i, frame in enumerate(frames):
            _write_png(frame, tmp / f"{prefix}_{i:05d}.png")
        if folder.exists():
            folder.rmdir()
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _write_png(frame: np.ndarray, path: Path) -> None:
    import av

    with av.open(str(path), mode="w", format="image2") as container:
        stream = container.add_stream("png", rate=1)
        stream.pix_fmt = "rgb24"
        stream.width, stream.height = frame.shape[1], frame.shape[0]
        container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode(None))
