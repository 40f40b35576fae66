"""Probing media files with PyAV: what a file is (video or still), its size, rate, length,
rotation and audio, or a clear `ProbeError` that says why it cannot be used.

Files are only opened for reading. No Qt here: the app and the CLI share it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import LumiereError
from engine.media.av_errors import plain_av_error
from engine.media.open_file import MediaFileError, local_file, open_input
from engine.media.picture_size import check_picture_size
from engine.media.still import display_size, open_still

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.stream import VideoStream

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MEDIA_SUFFIXES = VIDEO_SUFFIXES + IMAGE_SUFFIXES


class ProbeError(LumiereError, ValueError):
    """The file is missing, broken or not a kind of media the app can use."""


@dataclass
class MediaInfo:
    path: str
    kind: str  # "video" or "image"
    width: int
    height: int
    fps: float  # stills: 0
    frames: int  # stills: 1
    duration: float  # seconds; stills: 0
    rotation: int = 0  # degrees the display must rotate the decoded picture (0/90/180/270)
    has_audio: bool = False
    codec: str = ""

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown, after rotation."""
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaInfo:
        return cls(**data)

    def describe(self) -> str:
        w, h = self.display_size
        if self.kind == "image":
            return f"still {w}x{h}"
        audio = ", audio" if self.has_audio else ""
        rot = f", rotated {self.rotation}" if self.rotation else ""
        length = f"{self.frames} frames ({self.duration:.2f} s)"
        return f"{w}x{h}, {self.fps:.3g} fps, {length}{audio}{rot}"


def _first_frame_rotation(container: InputContainer, stream: VideoStream) -> int:
    """Decode the first frame: proves the stream decodes and gives its display rotation
    (counter-clockwise degrees, from the display matrix)."""
    for frame in container.decode(stream):
        return int(getattr(frame, "rotation", 0) or 0) % 360
    raise ProbeError("no decodable video frames")


def probe(path: str | Path) -> MediaInfo:
    """Describe a media file, or raise ProbeError with a message a person can act on."""
    p = Path(path).expanduser()
    try:
        local_file(p)  # a regular file: a FIFO or device would block the readers below
    except MediaFileError as e:
        raise ProbeError(str(e)) from None
    suffix = p.suffix.lower()
    if suffix not in MEDIA_SUFFIXES:
        kinds = ", ".join(s[1:].upper() for s in MEDIA_SUFFIXES)
        raise ProbeError(f"{p.name}: unsupported file type (use {kinds})")
    if suffix in IMAGE_SUFFIXES:
        return _probe_image(p)
    return _probe_video(p)


def _probe_image(p: Path) -> MediaInfo:
    try:
        with open_still(p, "image") as im:
            w, h = display_size(im)  # from the header: nothing is decoded
    except MediaFileError as e:
        raise ProbeError(str(e)) from None
    return MediaInfo(str(p), "image", w, h, 0.0, 1, 0.0, codec="image")


def _probe_video(p: Path) -> MediaInfo:
    import av

    try:
        with open_input(p) as container:
            if not container.streams.video:
                raise ProbeError(f"{p.name} has no video stream (only sound, or nothing)")
            stream = container.streams.video[0]
            ctx = stream.codec_context
            if ctx is None:
                raise ProbeError(f"{p.name}: its video is in a format this build cannot decode")
            width, height = int(ctx.width), int(ctx.height)
            if width <= 0 or height <= 0:
                raise ProbeError(f"{p.name}: the video stream has no picture size")
            check_picture_size(p, width, height)
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            fps = float(rate) if rate else 0.0
            if fps <= 0:
                raise ProbeError(f"{p.name}: the video has no frame rate")
            duration = 0.0
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            frames = int(stream.frames or 0)
            if frames <= 0:
                frames = _count_frames(container, stream)
                container.seek(0, stream=stream)
            if frames <= 0:
                raise ProbeError(f"{p.name}: no decodable video frames")
            if duration <= 0:
                duration = frames / fps
            try:
                rotation = _first_frame_rotation(container, stream)
            except ProbeError as e:
                raise ProbeError(f"{p.name}: {e}") from e
            return MediaInfo(
                str(p),
                "video",
                width,
                height,
                fps,
                frames,
                duration,
                rotation=rotation,
                has_audio=bool(container.streams.audio),
                codec=ctx.name or "",
            )
    except ProbeError:
        raise
    except MediaFileError as e:
        raise ProbeError(str(e)) from e
    except (av.error.FFmpegError, OSError, ValueError, IndexError, MemoryError) as e:
        raise ProbeError(plain_av_error(p, e)) from e


def _count_frames(container: InputContainer, stream: VideoStream) -> int:
    """Count frames by demuxing (no decoding): for containers that do not store a count."""
    n = 0
    for packet in container.demux(stream):
        if packet.size:
            n += 1
    return n
