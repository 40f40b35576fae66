"""Frame-accurate random access to video frames with PyAV.

On open, the packets are demuxed once (no decoding) to learn every frame's presentation
time and which packets are keyframes. Frame `n` is then the n-th presentation time: to show
it, seek to the last keyframe at or before it and decode forward. Sequential requests (play)
continue the running decoder without seeking. Decoded frames go into a byte-bounded LRU
cache, and `read_ahead` fills the cache with the next frames on a background thread, so
playback and scrubbing near the playhead are cache hits.

No Qt here. A `FrameReader` is safe to call from several threads (one lock around PyAV).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import Cancelled, LumiereError
from engine.media.av_errors import plain_av_error
from engine.media.open_file import MediaFileError, open_input
from engine.media.picture_size import WORK_SIDE, check_picture_size
from engine.media.probe import IMAGE_SUFFIXES

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream


class DecodeError(LumiereError, ValueError):
    """A frame could not be decoded (broken file, frame out of range)."""


class FrameCache:
    """LRU of frame index -> uint8 (H, W, 3), bounded by bytes, not by count, so 1080p and
    thumbnails share one sensible limit."""

    def __init__(self, max_bytes: int = 256 << 20) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[int, np.ndarray] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, n: int) -> np.ndarray | None:
        frame = self._items.get(n)
        if frame is None:
            self.misses += 1
            return None
        self._items.move_to_end(n)
        self.hits += 1
        return frame

    def __contains__(self, n: int) -> bool:
        return n in self._items

    def put(self, n: int, frame: np.ndarray) -> None:
        old = self._items.pop(n, None)
        if old is not None:
            self._bytes -= old.nbytes
        self._items[n] = frame
        self._bytes += frame.nbytes
        while self._bytes > self.max_bytes and len(self._items) > 1:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= dropped.nbytes

    def __len__(self) -> int:
        return len(self._items)


def rotate(image: np.ndarray, rotation: int) -> np.ndarray:
    """Apply a counter-clockwise display rotation (degrees, multiple of 90)."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k)) if k else image


class FrameReader:
    """Random access to the frames of one video file (or one still, as a 1-frame clip)."""

    def __init__(
        self,
        path: str | Path,
        cache_bytes: int = 256 << 20,
        size: tuple[int, int] | None = None,
        keep_behind: int = 8,
        thread_type: str | None = None,
    ) -> None:
        """`size` (width, height): decode straight to this size (cheaper than full size when
        the viewer is smaller than the video). `keep_behind`: frames before a sought target
        that are also cached, so stepping backwards after a seek is cheap. `thread_type`: the
        codec's threading ("AUTO", "FRAME", "SLICE", "NONE"); None chooses by GOP (`_open`)."""
        self.path = Path(path)
        self.size = size
        self.keep_behind = keep_behind
        self.thread_type = thread_type
        self.cache = FrameCache(cache_bytes)
        self._lock = threading.RLock()
        self._container: InputContainer | None = None
        self._stream: VideoStream | None = None
        self._decoder: Iterator[VideoFrame] | None = None  # running frame iterator
        self._next = -1  # index the running decoder yields next, -1 = unknown
        self._ahead_gen = 0
        self._ahead_thread: threading.Thread | None = None
        self.seeks = 0
        self._still: np.ndarray | None
        if self.path.suffix.lower() in IMAGE_SUFFIXES:
            self._still = self._load_still()
            self.pts: list[int] = [0]
            self.keyframes: list[int] = [0]
            self.intra_only = True
            self.fps = 0.0
            self.rotation = 0
        else:
            self._still = None
            self._open()

    # --- opening -----------------------------------------------------------------------
    def _load_still(self) -> np.ndarray:
        from engine.media.load import MediaLoadError, load_image

        try:
            image = load_image(self.path, max_side=max(self.size) if self.size else WORK_SIDE)
        except MediaLoadError as e:
            raise DecodeError(str(e)) from e
        if self.size:
            from PIL import Image

            image = np.asarray(Image.fromarray(image).resize(self.size, Image.Resampling.BILINEAR))
        return image

    def _open(self) -> None:
        import av

        try:
            self._container = container = open_input(self.path)
            if not container.streams.video:
                raise DecodeError(f"{self.path.name} has no video stream")
            self._stream = stream = container.streams.video[0]
            ctx = stream.codec_context
            if ctx is None:
                raise DecodeError(
                    f"{self.path.name}: its video is in a format this build cannot decode"
                )
            check_picture_size(self.path, ctx.width, ctx.height)
            rate = stream.average_rate or stream.guessed_rate
            self.fps = float(rate) if rate else 24.0
            pts: list[int] = []
            keys: list[int] = []
            for packet in container.demux(stream):
                if packet.size and packet.pts is not None:
                    pts.append(packet.pts)
                    if packet.is_keyframe:
                        keys.append(packet.pts)
            if not pts:
                raise DecodeError(f"{self.path.name}: no video frames")
            # Frames that share a time are one frame to a viewer that seeks by time: keep one.
            self.pts = sorted(set(pts))
            self._index_of = {p: i for i, p in enumerate(self.pts)}
            # Keyframes as frame indices, in order: where a seek can start decoding.
            self.keyframes = sorted(self._index_of[k] for k in keys) or [0]
            # Long GOPs: frame threading decodes the run up to a target on all cores. Intra-only
            # (proxies): one packet per frame, and frame threading would only add latency (the
            # decoder holds back a frame per thread), so slice threads at most.
            self.intra_only = len(self.keyframes) == len(self.pts)
            auto = "SLICE" if self.intra_only else "AUTO"
            stream.thread_type = self.thread_type or auto
            container.seek(self.pts[0], stream=stream, backward=True)
            first = next(container.decode(stream))
            self.rotation = int(getattr(first, "rotation", 0) or 0) % 360
            self._decoder = None
            self._next = -1
        except DecodeError:
            self.close()
            raise
        except MediaFileError as e:
            self.close()
            raise DecodeError(str(e)) from e
        except (av.error.FFmpegError, OSError, ValueError, StopIteration, MemoryError) as e:
            self.close()
            if isinstance(e, StopIteration):
                raise DecodeError(f"{self.path.name}: no frame of it could be decoded") from e
            raise DecodeError(plain_av_error(self.path, e)) from e

    def close(self) -> None:
        self._ahead_gen += 1
        with self._lock:
            if self._container is not None:
                self._container.close()
            self._container = None
            self._decoder = None

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def frame_count(self) -> int:
        return len(self.pts)

    # --- reading -----------------------------------------------------------------------
    def frame(self, n: int, abort: Callable[[], bool] | None = None) -> np.ndarray:
        """Frame `n` (0-based, presentation order) as uint8 (H, W, 3), display-rotated.
        `abort`, polled once per decoded frame, gives up with Cancelled when it returns
        True; the frames decoded so far stay cached and the decoder stays usable."""
        if not 0 <= n < self.frame_count:
            raise DecodeError(f"frame {n} is out of range (0..{self.frame_count - 1})")
        if self._still is not None:
            return self._still
        cached = self.cache.get(n)
        if cached is not None:
            return cached
        self._ahead_gen += 1  # a foreground request stops any read-ahead at its next frame
        with self._lock:
            cached = self.cache.get(n)
            if cached is not None:
                return cached
            return self._decode_to(n, cache_from=max(0, n - self.keep_behind), abort=abort)

    def _to_array(self, frame: VideoFrame) -> np.ndarray:
        # The bitstream, not the container, sets a frame's size: check it again.
        check_picture_size(self.path, frame.width, frame.height)
        if self.size:
            w, h = self.size
            if self.rotation % 180:
                w, h = h, w
            image = frame.to_ndarray(format="rgb24", width=w, height=h)
        else:
            image = frame.to_ndarray(format="rgb24")
        return rotate(image, self.rotation)

    def _seek_start(self, n: int) -> int:
        """The keyframe index a decode for frame n must start from."""
        i = bisect.bisect_right(self.keyframes, n) - 1
        return self.keyframes[max(0, i)]

    def _decode_to(
        self, n: int, cache_from: int, abort: Callable[[], bool] | None = None
    ) -> np.ndarray:
        import av

        key = self._seek_start(n)
        decoder = self._decoder
        # Continue the running decoder when it is already between the keyframe and n.
        if decoder is None or not key <= self._next <= n:
            container, stream = self._container, self._stream
            if container is None or stream is None:
                raise DecodeError(f"{self.path.name}: the reader is closed")
            container.seek(self.pts[key], stream=stream, backward=True)
            self._decoder = decoder = container.decode(stream)
            self._next = -1
            self.seeks += 1
        try:
            for frame in decoder:
                idx = self._index_of.get(frame.pts, -1) if frame.pts is not None else -1
                if idx < 0:
                    continue
                self._next = idx + 1
                if abort is not None and idx < n and abort():
                    raise Cancelled(f"frame {n}")
                if idx < cache_from:
                    continue
                image = self._to_array(frame)
                if idx >= cache_from:
                    self.cache.put(idx, image)
                if idx == n:
                    return image
                if idx > n:
                    break  # the stream skipped n (broken GOP): fall through to the error
        except (av.error.FFmpegError, ValueError, MemoryError, MediaFileError) as e:
            self._decoder = None
            if isinstance(e, MediaFileError):
                raise DecodeError(str(e)) from e
            raise DecodeError(plain_av_error(self.path, e, frame=n)) from e
        self._decoder = None
        self._next = -1
        raise DecodeError(
            f"{self.path.name}: the file is damaged or truncated (could not decode frame {n})"
        )

    def read_ahead(self, n: int, count: int = 12) -> None:
        """Decode frames n..n+count-1 into the cache on a background thread. A later
        foreground `frame()` call takes priority: the read-ahead stops at its next frame."""
        if self._still is not None or count <= 0:
            return
        self._ahead_gen += 1
        gen = self._ahead_gen
        last = min(self.frame_count, n + count)

        def work() -> None:
            for i in range(n, last):
                if gen != self._ahead_gen or self._container is None:
                    return
                if i in self.cache:
                    continue
                with self._lock:
                    if gen != self._ahead_gen or self._container is None:
                        return
                    try:
                        self._decode_to(i, cache_from=i)
                    except DecodeError:
                        return

        self._ahead_thread = threading.Thread(target=work, name="read-ahead", daemon=True)
        self._ahead_thread.start()

    def wait_read_ahead(self, timeout: float | None = None) -> None:
        if self._ahead_thread is not None:
            self._ahead_thread.join(timeout)


def decode_sequential(path: str | Path) -> list[np.ndarray]:
    """Every frame in order, decoded front to back: the reference for frame accuracy."""
    with open_input(path) as container:
        stream = container.streams.video[0]
        out: list[np.ndarray] = []
        for frame in container.decode(stream):
            rot = int(getattr(frame, "rotation", 0) or 0) % 360
            out.append(rotate(frame.to_ndarray(format="rgb24"), rot))
        return out
