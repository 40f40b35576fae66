"""Reading a job's inputs: stills, masks and source frames, as uint8 numpy arrays.

Every failure is a `MediaLoadError` (a JobError: the input is wrong, not the engine) whose
message names the file and what to do. Source files are only ever opened for reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import JobError
from engine.media.av_errors import plain_av_error
from engine.media.open_file import MediaFileError, open_input
from engine.media.picture_size import check_keep_size, check_picture_size, fit_within
from engine.media.still import decode_within, display_size, open_still

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream


class MediaLoadError(JobError):
    """An input file is missing, unreadable, broken or unsuitable."""


def load_image(
    path: str | Path, max_side: int | None = None, keep_size_for: str | None = None
) -> np.ndarray:
    """A still as uint8 (H, W, 3) RGB; transparency is composited over black, EXIF rotation
    applied. `max_side`: a larger still is decoded down to that size on its longer side (the
    caller needs no more), so a huge still costs what its header allows, not gigabytes.
    `keep_size_for` (a task name): the task writes the still's size, which is bounded."""
    from PIL import Image

    try:
        with open_still(path, "image") as im:
            if keep_size_for:
                check_keep_size(path, *display_size(im), keep_size_for)
            im = decode_within(im, max_side)
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                rgba = im.convert("RGBA")
                black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
                im = Image.alpha_composite(black, rgba)
            arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except MediaFileError as e:
        raise MediaLoadError(str(e)) from None
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise MediaLoadError(
            f"image {Path(path).name} is too small ({arr.shape[1]}x{arr.shape[0]})"
        )
    return arr


def load_mask(
    path: str | Path, size: tuple[int, int] | None = None
) -> tuple[np.ndarray, str | None]:
    """A mask as bool (H, W), True = white = the region to animate or replace.

    `size` is (width, height): a mask of another size is resized to it (nearest) and the
    returned note says so. An empty mask is an error: the task would change nothing."""
    from PIL import Image

    p = Path(path)
    note = None
    try:
        with open_still(p, "mask") as im:
            # A painted layer: alpha says where the paint is.
            gray = im.getchannel("A") if im.mode in ("RGBA", "LA") else im.convert("L")
            if size is not None and gray.size != (size[0], size[1]):
                note = (
                    f"mask {p.name} is {gray.size[0]}x{gray.size[1]}, resized to "
                    f"{size[0]}x{size[1]} to match the input"
                )
                gray = gray.resize((size[0], size[1]), Image.Resampling.NEAREST)
            region = np.asarray(gray, dtype=np.uint8) >= 128
    except MediaFileError as e:
        raise MediaLoadError(str(e)) from None
    if not region.any():
        raise MediaLoadError(
            f"mask {p} is empty (no white pixels): paint the region to change in white"
        )
    return region, note


def load_video_frames(
    path: str | Path,
    start: int,
    count: int,
    *,
    keep_size_for: str | None = None,
    max_side: int | None = None,
) -> tuple[np.ndarray, float]:
    """`count` frames from frame `start` on, as uint8 (count, H, W, 3), and the stream's
    frame rate. Decodes from the beginning (exact frame numbers, no keyframe guesswork).
    `keep_size_for` (a task name): the task writes the input's size, so the input is bounded
    (`picture_size.check_keep_size`). `max_side`: frames are decoded down to that size."""
    import av

    p = Path(path)
    if start < 0 or count < 1:
        raise MediaLoadError(
            f"frame range must have start >= 0 and count >= 1 (got {start}, {count})"
        )
    frames: list[np.ndarray] = []
    decoded = 0
    try:
        with open_input(p, "video") as container:
            stream = _video_stream(container, p)
            ctx = stream.codec_context
            check_picture_size(p, ctx.width, ctx.height, "video")
            if keep_size_for:
                check_keep_size(p, ctx.width, ctx.height, keep_size_for)
            rate = float(stream.average_rate or stream.guessed_rate or 0) or 24.0
            for frame in container.decode(stream):
                if decoded >= start:
                    frames.append(_frame_array(p, frame, frames, max_side))
                decoded += 1
                if len(frames) == count:
                    break
    except MediaLoadError:
        raise
    except MediaFileError as e:
        raise MediaLoadError(str(e)) from e
    except (av.error.FFmpegError, OSError, ValueError, MemoryError) as e:
        if not decoded:
            raise MediaLoadError("video " + plain_av_error(p, e, frame=0)) from e
        # A truncated file: what decoded is checked against what was asked below.
    if len(frames) < count:
        raise MediaLoadError(
            f"video {p.name} is shorter than asked: frames {start}..{start + count - 1} needed, "
            f"but it has {decoded} readable frames; lower --frames or --start-frame"
        )
    video = np.stack(frames)
    return video, rate


def _video_stream(container: InputContainer, p: Path) -> VideoStream:
    streams = container.streams.video
    if not streams:
        raise MediaLoadError(f"video {p.name} has no video stream (only sound, or nothing)")
    if streams[0].codec_context is None:
        raise MediaLoadError(f"video {p.name}: its video is in a format this build cannot decode")
    return streams[0]


def _frame_array(
    p: Path, frame: VideoFrame, previous: list[np.ndarray], max_side: int | None
) -> np.ndarray:
    """One decoded frame as uint8 RGB, checked: a bitstream can change its size mid-stream or
    decode larger than the container said."""
    check_picture_size(p, frame.width, frame.height, "video")
    if max_side is not None and max(frame.width, frame.height) > max_side:
        w, h = fit_within(frame.width, frame.height, max_side)
        image: np.ndarray = frame.to_ndarray(format="rgb24", width=w, height=h)
    else:
        image = frame.to_ndarray(format="rgb24")
    if previous and image.shape != previous[0].shape:
        raise MediaLoadError(
            f"video {p.name} changes its picture size at a frame ({previous[0].shape[1]}x"
            f"{previous[0].shape[0]} to {image.shape[1]}x{image.shape[0]})"
        )
    return image
