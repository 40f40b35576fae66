"""Reading a job's inputs: stills, masks and source frames, as uint8 numpy arrays.

Every failure is a `MediaLoadError` (a JobError: the input is wrong, not the engine) whose
message names the file and what to do. Source files are only ever opened for reading.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.jobs import JobError
from engine.media.open_file import MediaFileError, local_file, open_input


class MediaLoadError(JobError):
    """An input file is missing, unreadable, broken or unsuitable."""


def _existing(path: str | Path, what: str) -> Path:
    """The path as given, once it is known to be a readable regular file (not a FIFO, device
    or folder, which would block or break the readers)."""
    p = Path(path).expanduser()
    try:
        local_file(p, what)
    except MediaFileError as e:
        raise MediaLoadError(str(e)) from None
    return p


def load_image(path: str | Path) -> np.ndarray:
    """A still as uint8 (H, W, 3) RGB; transparency is composited over black, EXIF rotation
    applied."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    p = _existing(path, "image")
    try:
        with Image.open(p) as im:
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                rgba = im.convert("RGBA")
                black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
                im = Image.alpha_composite(black, rgba)
            arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise MediaLoadError(f"image {p} could not be read (not an image, or broken): {e}") from e
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise MediaLoadError(f"image {p} is too small ({arr.shape[1]}x{arr.shape[0]})")
    return arr


def load_mask(
    path: str | Path, size: tuple[int, int] | None = None
) -> tuple[np.ndarray, str | None]:
    """A mask as bool (H, W), True = white = the region to animate or replace.

    `size` is (width, height): a mask of another size is resized to it (nearest) and the
    returned note says so. An empty mask is an error: the task would change nothing."""
    from PIL import Image, UnidentifiedImageError

    p = _existing(path, "mask")
    note = None
    try:
        with Image.open(p) as im:
            if im.mode in ("RGBA", "LA"):
                # A painted layer: alpha says where the paint is.
                gray = im.getchannel("A")
            else:
                gray = im.convert("L")
            if size is not None and gray.size != tuple(size):
                note = (
                    f"mask {p.name} is {gray.size[0]}x{gray.size[1]}, resized to "
                    f"{size[0]}x{size[1]} to match the input"
                )
                gray = gray.resize(tuple(size), Image.Resampling.NEAREST)
            region = np.asarray(gray, dtype=np.uint8) >= 128
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise MediaLoadError(f"mask {p} could not be read (not an image, or broken): {e}") from e
    if not region.any():
        raise MediaLoadError(
            f"mask {p} is empty (no white pixels): paint the region to change in white"
        )
    return region, note


def load_video_frames(path: str | Path, start: int, count: int) -> tuple[np.ndarray, float]:
    """`count` frames from frame `start` on, as uint8 (count, H, W, 3), and the stream's
    frame rate. Decodes from the beginning (exact frame numbers, no keyframe guesswork)."""
    import av

    p = _existing(path, "video")
    if start < 0 or count < 1:
        raise MediaLoadError(
            f"frame range must have start >= 0 and count >= 1 (got {start}, {count})"
        )
    frames: list[np.ndarray] = []
    decoded = 0
    try:
        with open_input(p, "video") as container:
            streams = container.streams.video
            if not streams:
                raise MediaLoadError(f"{p} has no video stream")
            stream = streams[0]
            rate = float(stream.average_rate or stream.guessed_rate or 0) or 24.0
            for frame in container.decode(stream):
                if decoded >= start:
                    frames.append(frame.to_ndarray(format="rgb24"))
                decoded += 1
                if len(frames) == count:
                    break
    except MediaLoadError:
        raise
    except MediaFileError as e:
        raise MediaLoadError(str(e)) from e
    except (av.error.FFmpegError, OSError, ValueError) as e:
        if not decoded:
            raise MediaLoadError(
                f"video {p} could not be read (not a video, or broken): {e}"
            ) from e
        # A truncated file: what decoded is checked against what was asked below.
    if len(frames) < count:
        raise MediaLoadError(
            f"video {p} is shorter than asked: frames {start}..{start + count - 1} needed, "
            f"but it has {decoded} readable frames; lower --frames or --start-frame"
        )
    video = np.stack(frames)
    return video, rate
