"""Audio passthrough: read the stretch of a source's audio that lines up with an edited clip,
so an export of an edit of real footage keeps its sound in sync."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from engine.errors import LumiereError
from engine.media.av_errors import plain_av_error
from engine.media.open_file import MediaFileError, open_input

if TYPE_CHECKING:
    from av.audio.stream import AudioStream
    from av.container import OutputContainer

# How far before the wanted stretch decoding starts after a seek, and past it decoding stops.
SEEK_MARGIN_S = 0.5


class AudioError(LumiereError, ValueError):
    """A source's sound could not be read; the message names the file."""


@dataclass
class AudioClip:
    samples: np.ndarray  # float32 (channels, n), -1..1
    rate: int
    layout: str  # "mono", "stereo", ...

    @property
    def seconds(self) -> float:
        return int(self.samples.shape[1]) / self.rate

    @property
    def length(self) -> int:
        return int(self.samples.shape[1])

    def blocks(self, size: int) -> Iterator[np.ndarray]:
        for i in range(0, self.length, size):
            yield self.samples[:, i : i + size]


class Sound(Protocol):
    """Sound an encoder writes: held whole (AudioClip) or made a block at a time (a timeline's
    mix, which for an hour of sequence would be 1.4 GB held whole)."""

    rate: int
    layout: str

    @property
    def length(self) -> int:
        """Samples per channel."""

    def blocks(self, size: int) -> Iterator[np.ndarray]:
        """float32 (channels, <= size) blocks, in order, `length` samples in all."""


def read_audio(
    path: Path | str,
    start_s: float,
    duration_s: float,
    *,
    rate: int | None = None,
    layout: str | None = None,
) -> AudioClip | None:
    """Samples of `path`'s first audio stream from start_s for duration_s (padded with silence
    if the source is shorter), or None when it has no audio. `rate` / `layout` convert to that
    sample rate / channel layout (default: the source's own). Only the stretch asked for is
    decoded: the reader seeks to just before it and stops just after it. A damaged sound
    stream raises AudioError with a plain message."""
    import av

    try:
        return _read_audio(path, start_s, duration_s, rate, layout)
    except MediaFileError as e:
        raise AudioError(str(e)) from e
    except (av.error.FFmpegError, ValueError, MemoryError) as e:
        raise AudioError("the sound of " + plain_av_error(path, e)) from e


def _read_audio(
    path: Path | str, start_s: float, duration_s: float, rate: int | None, layout: str | None
) -> AudioClip | None:
    import av

    end_s = start_s + duration_s
    with open_input(path) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        own_layout = stream.codec_context.layout.name if stream.codec_context.layout else "stereo"
        rate = rate or stream.codec_context.sample_rate or 48000
        layout = layout or own_layout
        if start_s > SEEK_MARGIN_S and stream.time_base:
            # Audio packets are all seek points; the margin covers codec priming (AAC needs
            # the previous frame to decode the next one exactly).
            target = int((start_s - SEEK_MARGIN_S) / stream.time_base)
            container.seek(target, stream=stream, backward=True)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        chunks: list[np.ndarray] = []
        t0: float | None = None
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                if t0 is None:
                    pts, base = out.pts, out.time_base
                    t0 = float(pts * base) if pts is not None and base is not None else 0.0
                chunks.append(out.to_ndarray())
            if frame.time is not None and frame.time > end_s + SEEK_MARGIN_S:
                break
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    if not chunks:
        return None
    allsamples = np.concatenate(chunks, axis=1).astype(np.float32)
    first = int(round((start_s - (t0 or 0.0)) * rate))
    n = int(round(duration_s * rate))
    padded = np.zeros((allsamples.shape[0], n), np.float32)
    lo, hi = max(first, 0), min(first + n, allsamples.shape[1])
    if hi > lo:
        padded[:, lo - first : hi - first] = allsamples[:, lo:hi]
    return AudioClip(padded, rate, layout)


def add_audio_stream(container: OutputContainer, kind: str, clip: Sound) -> AudioStream:
    """AAC in MP4 (what every player takes), 24-bit PCM in MOV (what editors expect)."""
    codec: Literal["aac", "pcm_s24le"] = "aac" if kind == "mp4" else "pcm_s24le"
    return container.add_stream(codec, rate=clip.rate, layout=clip.layout)


def encode_audio(
    container: OutputContainer, stream: AudioStream, clip: Sound, chunk: int = 1024
) -> None:
    import av

    fmt = stream.codec_context.format.name
    resampler = av.AudioResampler(format=fmt, layout=clip.layout, rate=clip.rate)
    i = 0
    for block in clip.blocks(chunk):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(block, np.float32), format="fltp", layout=clip.layout
        )
        frame.sample_rate = clip.rate
        frame.pts = i
        i += block.shape[1]
        for out in resampler.resample(frame):
            container.mux(stream.encode(out))
    for out in resampler.resample(None):
        container.mux(stream.encode(out))
    container.mux(stream.encode(None))


def audio_for_clip(
    source: Path | str, start_frame: int, frames: int, fps: float
) -> AudioClip | None:
    """The source's audio under frames [start_frame, start_frame + frames) of its video (start in
    the source's own frame rate), `frames / fps` seconds long; None without audio."""
    import av

    try:
        with open_input(source) as container:
            if not container.streams.audio:
                return None
            video = container.streams.video[0] if container.streams.video else None
            rate = float(video.average_rate) if video and video.average_rate else fps
    except (av.error.FFmpegError, MediaFileError):
        return None
    return read_audio(source, start_frame / rate, frames / float(fps))
