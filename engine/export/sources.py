"""Reading what export and detect take in: a video, a still, or a PNG-sequence folder, and the
labels a generated clip carries (its sidecar manifest, else its container metadata)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.errors import LumiereError
from engine.media import provenance as pv
from engine.media.av_errors import plain_av_error
from engine.media.open_file import MediaFileError, open_input
from engine.media.picture_size import check_picture_size
from engine.media.still import open_still

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


class SourceError(LumiereError, ValueError):
    """A file that cannot be read as video or image."""


def frame_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise SourceError(f"{path} holds no image frames")
        return files
    return [path]


def iter_frames(path: Path | str, limit: int | None = None) -> Iterator[np.ndarray]:
    """uint8 RGB frames of a video, a still or a folder of frames."""
    import av

    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise SourceError(f"{path} does not exist")
    count, f = 0, path
    try:
        for f in frame_files(path):
            if f.suffix.lower() in IMAGE_SUFFIXES:
                with open_still(f, "image"):
                    pass  # the header's size is checked before FFmpeg decodes anything
            with open_input(f) as container:
                if not container.streams.video:
                    raise SourceError(f"{f.name} has no video or image stream")
                if container.streams.video[0].codec_context is None:
                    raise SourceError(
                        f"{f.name}: its video is in a format this build cannot decode"
                    )
                for frame in container.decode(video=0):
                    check_picture_size(f, frame.width, frame.height)
                    yield frame.to_ndarray(format="rgb24")
                    count += 1
                    if limit is not None and count >= limit:
                        return
    except SourceError:
        raise
    except MediaFileError as e:
        raise SourceError(str(e)) from e
    except (av.error.FFmpegError, ValueError, MemoryError) as e:
        raise SourceError(plain_av_error(f, e, frame=count)) from e
    if count == 0:
        raise SourceError(f"{path.name} has no frames")


def read_frames(path: Path | str) -> np.ndarray:
    return np.stack(list(iter_frames(path)))


def frame_rate(path: Path | str, default: float = 24.0) -> Fraction | float:
    import av

    path = Path(path)
    if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
        return default
    try:
        with open_input(path) as c:
            rate = c.streams.video[0].average_rate if c.streams.video else None
    except MediaFileError as e:
        raise SourceError(str(e)) from e
    except (av.error.FFmpegError, ValueError) as e:
        raise SourceError(plain_av_error(path, e)) from e
    return rate or default


def has_sound(path: Path | str) -> bool:
    """Whether a media file has an audio stream (a folder of frames has none)."""
    import av

    from engine.media.open_file import MediaFileError, open_input

    path = Path(path)
    if path.is_dir():
        return False
    try:
        with open_input(path) as container:
            return bool(container.streams.audio)
    except (av.error.FFmpegError, OSError, MediaFileError):
        return False


def labels_of(path: Path | str) -> pv.Provenance | None:
    """The clip's provenance: its manifest first, then its container metadata."""
    path = Path(path)
    manifest = pv.read_manifest(path)
    if manifest and "provenance" in manifest:
        return pv.Provenance.from_dict(manifest["provenance"])
    if path.is_file() and path.suffix.lower() in (".mp4", ".mov", ".m4v"):
        return pv.Provenance.from_container_metadata(pv.read_container_metadata(path))
    return None


def labelled_ai(path: Path | str) -> bool:
    """Whether a media file says it is AI-made (its sidecar manifest or container tags): a
    cheap read of labels, not the full `detect`; an unreadable label is no label."""
    try:
        return labels_of(path) is not None
    except (LumiereError, OSError, ValueError, KeyError, TypeError):
        return False
