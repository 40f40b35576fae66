"""Write frames to disk with PyAV: H.264 MP4, ProRes 422 HQ / 4444 (alpha) MOV, or a PNG
sequence folder; with container metadata, a start timecode, BT.709 tags and optional audio.

Every write goes to a temporary name beside the target and is renamed into place only when
complete, so a crash or a cancel never leaves a half-written file at the target path. Temporary
names carry the writer's process id, so the next write to the same target removes what a killed
writer left behind.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np

from engine.errors import Cancelled, LumiereError
from engine.media.audio import Sound, add_audio_stream, encode_audio
from engine.media.open_file import open_output, valid_text
from engine.media.sealing import Seal
from engine.tempfiles import (
    create_temp_dir_beside,
    new_temp_beside,
    recover_folder_swaps,
    replace,
    replace_folder,
    sweep_stale_temps,
)

if TYPE_CHECKING:
    from av.container import OutputContainer
    from av.video.stream import VideoStream

VIDEO_SUFFIXES = (".mp4", ".mov")
PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
PRORES_PROFILES = {"prores": "3", "prores4444": "4"}  # prores_ks: 3 = 422 HQ, 4 = 4444


class EncodeError(LumiereError, ValueError):
    """The output cannot be written as asked (bad path, size or settings)."""


# A timecode track stores frames per second in one byte: faster clips (a 1000 fps source) are
# written without one rather than not at all.
MAX_TIMECODE_FPS = 255


class AlphaFrames(Protocol):
    """Alpha frames (H, W) uint8 by index: an array (T, H, W), a list of frames, or an object
    that makes each frame when asked (`engine.export.marks.GeneratedAlpha`)."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: int, /) -> np.ndarray: ...


@dataclass
class VideoSettings:
    fps: Fraction | float | int = 8
    crf: int = 18
    preset: str = "medium"
    codec: str | None = None  # default: libx264 for .mp4, prores_ks for .mov
    metadata: dict[str, str] = field(default_factory=dict)
    prores: str = "prores"  # .mov flavour: "prores" (422 HQ 10-bit) or "prores4444" (alpha)
    alpha: AlphaFrames | None = None  # (T, H, W) uint8 for ProRes 4444
    timecode: str = "00:00:00:00"  # start timecode (a tmcd track in MOV/MP4)
    audio: Sound | None = None  # written after the video, from t = 0
    cancel: Callable[[], bool] | None = None  # checked before each frame
    seal: Seal | None = None  # signs the file and places its sidecar together with it

    def check(self) -> None:
        if not 0 <= self.crf <= 51:
            raise EncodeError(f"crf must be between 0 and 51, got {self.crf}")
        if self.preset not in PRESETS:
            raise EncodeError(f"preset must be one of {', '.join(PRESETS)}, got {self.preset!r}")
        if self.prores not in PRORES_PROFILES:
            raise EncodeError(f"prores flavour must be prores or prores4444, got {self.prores}")


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
    from engine.timebase import RateError, exact_rate

    try:
        return exact_rate(fps)
    except RateError as e:
        raise EncodeError(f"fps must be positive, got {fps}") from e


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


def write_video(
    frames: np.ndarray | Iterable[np.ndarray],
    path: Path | str,
    settings: VideoSettings | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> Path:
    """Encode uint8 (H, W, 3) frames to `path` (.mp4 H.264 yuv420p, .mov ProRes 422 HQ or,
    with settings.prores = "prores4444", ProRes 4444 with settings.alpha as alpha)."""
    import av

    settings = settings or VideoSettings()
    settings.check()
    path = Path(path)
    kind = output_kind(path)
    if kind == "png":
        return write_png_sequence(frames, path, on_frame=on_frame, seal=settings.seal)
    if not path.parent.is_dir():
        raise EncodeError(f"folder {path.parent} does not exist")
    rate = as_fraction(settings.fps)
    tmp = new_temp_beside(path, path.suffix)
    size = "no size yet"  # what the message says of the frames, once one is seen
    try:
        try:
            options = {
                "movflags": "use_metadata_tags"
            }  # arbitrary keys (our labels) in MP4 and MOV
            with open_output(tmp, format=kind, container_options=options) as container:
                for key, value in settings.metadata.items():
                    container.metadata[key] = valid_text(value)  # a source named in bytes
                stream = audio_stream = None
                alpha = kind == "mov" and settings.prores == "prores4444"
                for i, frame in enumerate(frames):
                    if settings.cancel and settings.cancel():
                        raise Cancelled("export cancelled")  # nothing is left at the target
                    frame = _check_frames(np.asarray(frame)[None])[0]
                    size = f"{frame.shape[1]}x{frame.shape[0]}"
                    if alpha:
                        frame = _with_alpha(frame, settings.alpha, i)
                    else:  # 4:2:0 / 4:2:2 chroma needs even sizes
                        frame = _even_pad(frame[None])[0]
                    if stream is None:  # every stream must exist before the first packet
                        stream = _add_stream(container, kind, settings, rate, frame.shape)
                        if settings.audio is not None and settings.audio.length:
                            audio_stream = add_audio_stream(container, kind, settings.audio)
                    fmt = "rgba" if alpha else "rgb24"
                    container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format=fmt)))
                    if on_frame:
                        on_frame(i + 1)
                if stream is None:
                    raise EncodeError("no frames to write")
                container.mux(stream.encode(None))
                if audio_stream is not None and settings.audio is not None:
                    encode_audio(container, audio_stream, settings.audio)
        except av.error.ArgumentError as e:  # FFmpeg's EINVAL: "Invalid argument returned 22"
            raise EncodeError(
                f"{path.name}: the {kind.upper()} encoder refused these settings ({rate} fps, "
                f"frames of {size}); try another format or frame rate"
            ) from e
        _publish(tmp, path, settings.seal)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if settings.seal is not None:
            settings.seal.abort()
        raise
    return path


def _publish(tmp: Path, path: Path, seal: Seal | None) -> None:
    """Rename the complete temporary into place, its provenance with it (`engine.media.sealing`
    gives the order and what each crash point leaves)."""
    if seal is not None:
        seal.seal(tmp, path)
    replace(tmp, path)
    if seal is not None:
        seal.settle()


def _add_stream(
    container: OutputContainer,
    kind: str,
    settings: VideoSettings,
    rate: Fraction,
    shape: tuple[int, ...],
) -> VideoStream:
    h, w = shape[:2]
    if kind == "mp4":
        stream = cast("VideoStream", container.add_stream(settings.codec or "libx264", rate=rate))
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(settings.crf), "preset": settings.preset}
    else:
        stream = cast("VideoStream", container.add_stream(settings.codec or "prores_ks", rate=rate))
        four = settings.prores == "prores4444"
        stream.pix_fmt = "yuva444p10le" if four else "yuv422p10le"
        stream.options = {"profile": PRORES_PROFILES[settings.prores], "vendor": "apl0"}
    stream.width, stream.height = w, h
    stream.sample_aspect_ratio = Fraction(1, 1)  # square pixels
    if settings.timecode and rate <= MAX_TIMECODE_FPS:
        stream.metadata["timecode"] = settings.timecode
    stream.codec_context.color_primaries = 1  # BT.709
    stream.codec_context.color_trc = 1
    stream.codec_context.colorspace = 1
    stream.codec_context.color_range = 1  # limited (TV) range, what editors expect
    return stream


def _with_alpha(frame: np.ndarray, alpha: AlphaFrames | None, i: int) -> np.ndarray:
    h, w = frame.shape[:2]
    if alpha is None:
        return np.concatenate([frame, np.full((h, w, 1), 255, np.uint8)], axis=-1)
    a = np.asarray(alpha[min(i, len(alpha) - 1)])
    if a.shape != (h, w):
        raise EncodeError(f"alpha frame is {a.shape}, video is {(h, w)}")
    return np.concatenate([frame, a[..., None].astype(np.uint8)], axis=-1)


def write_png_sequence(
    frames: np.ndarray | Iterable[np.ndarray],
    folder: Path | str,
    prefix: str = "frame",
    on_frame: Callable[[int], None] | None = None,
    replace: bool = False,
    seal: Seal | None = None,
) -> Path:
    """Write frames (an array or a stream of them) as `prefix_00000.png`... into `folder`.
    They are written into a hidden folder beside it, which is renamed into place once complete.
    An existing non-empty folder is refused, or with `replace` swapped out only at that point.
    `on_frame(i)` is called after each frame; an exception from it cancels and leaves nothing."""
    folder = Path(str(folder).rstrip("/" + os.sep))
    recover_folder_swaps(folder)  # a killed earlier swap: its old frames back, or gone
    if folder.exists() and any(folder.iterdir()) and not replace:
        raise EncodeError(f"{folder} exists and is not empty; choose a new folder")
    if not folder.parent.is_dir():
        raise EncodeError(f"folder {folder.parent} does not exist")
    sweep_stale_temps(folder, ".tmp")
    tmp = create_temp_dir_beside(folder, f".{folder.name}.{os.getpid()}-")
    try:
        count = 0
        for i, frame in enumerate(frames):
            frame = _check_frames(np.asarray(frame)[None])[0]
            _write_png(frame, tmp / f"{prefix}_{i:05d}.png")
            count += 1
            if on_frame is not None:
                on_frame(count)
        if count == 0:
            raise EncodeError("no frames to write")
        if seal is not None:
            seal.seal(tmp, folder)
        replace_folder(tmp, folder)
        if seal is not None:
            seal.settle()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if seal is not None:
            seal.abort()
        raise
    return folder


def _write_png(frame: np.ndarray, path: Path) -> None:
    import av

    # "update": the name is written as given, never read as a `%d` pattern of names.
    with open_output(path, format="image2", container_options={"update": "1"}) as container:
        stream = container.add_stream("png", rate=1)
        stream.pix_fmt = "rgb24"
        stream.width, stream.height = frame.shape[1], frame.shape[0]
        container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode(None))
