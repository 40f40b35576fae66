"""Thumbnails and filmstrips made on a Worker thread and cached as PNG under the
platformdirs cache dir, keyed by the file's path, size and mtime, so a changed file gets new
ones. A filmstrip is up to `STRIP_FRAMES` frames spread evenly along a clip, stored as one PNG
(tiles side by side) whose "frames" text chunk lists the source frame of each tile."""

from __future__ import annotations

import bisect
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QIODevice, QObject, QThreadPool, Signal
from PySide6.QtGui import QImage, QPainter

from engine.api import (
    DecodeError,
    FrameReader,
    atomic_write_bytes,
    cached_proxy,
    local_file,
    user_paths,
)
from lumiere_studio.services.frames import to_qimage
from lumiere_studio.services.worker import Worker

THUMB_HEIGHT = 72
UNEXPECTED = "unexpected error"  # starts a failure that is a defect, not a bad file
STRIP_FRAMES = 16


def cache_dir() -> Path:
    return user_paths.thumbnails_dir()


def cache_key(path: Path, frame: int | str) -> str:
    st = path.stat()
    raw = f"{path.absolute()}|{st.st_size}|{st.st_mtime_ns}|{frame}|{THUMB_HEIGHT}"
    return hashlib.sha1(os.fsencode(raw)).hexdigest()  # a non-UTF-8 name hashes as its bytes


def strip_frames(frame_count: int, count: int = STRIP_FRAMES) -> list[int]:
    """`count` source frames spread evenly along a clip: the middle of each equal part."""
    m = max(1, min(count, frame_count))
    return sorted({min(frame_count - 1, int((k + 0.5) * frame_count / m)) for k in range(m)})


@dataclass
class Filmstrip:
    frames: list[int]  # source frame of each tile, increasing
    tiles: list[QImage]

    def tile_for(self, frame: int) -> QImage:
        """The tile nearest to a source frame."""
        i = bisect.bisect_left(self.frames, frame)
        if i == len(self.frames) or (i > 0 and frame - self.frames[i - 1] < self.frames[i] - frame):
            i -= 1
        return self.tiles[i]

    @classmethod
    def from_image(cls, image: QImage) -> Filmstrip | None:
        try:
            frames = [int(x) for x in image.text("frames").split(",")]
        except ValueError:
            return None
        if image.isNull() or not frames or image.width() % len(frames):
            return None
        w = image.width() // len(frames)
        return cls(frames, [image.copy(i * w, 0, w, image.height()) for i in range(len(frames))])

    def to_image(self) -> QImage:
        w, h = self.tiles[0].width(), self.tiles[0].height()
        image = QImage(w * len(self.tiles), h, QImage.Format.Format_RGB32)
        p = QPainter(image)
        for i, tile in enumerate(self.tiles):
            p.drawImage(i * w, 0, tile.scaled(w, h))
        p.end()
        image.setText("frames", ",".join(map(str, self.frames)))
        return image


def _save_atomic(image: QImage, target: Path) -> None:
    """The PNG into the cache by the engine's atomic writer (a crash leaves no half file)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # as before, an image Qt cannot encode is just not cached (PySide takes the format as str)
    if image.save(buffer, "PNG"):  # type: ignore[call-overload]
        atomic_write_bytes(target, bytes(buffer.data().data()))


def make_thumbnail(path: str, frame: int, root: Path) -> QImage:
    """The thumbnail of one frame of a file, from the cache or decoded (and then cached).
    Raises DecodeError or OSError for a file it cannot read."""
    p = local_file(path)  # the message for a missing file, a FIFO, a loop
    target = root / f"{cache_key(p, frame)}.png"
    image = QImage(str(target)) if target.is_file() else QImage()
    if image.isNull():
        with FrameReader(p, cache_bytes=1) as reader:
            picture = reader.frame(min(frame, reader.frame_count - 1))
        image = to_qimage(picture).scaledToHeight(THUMB_HEIGHT)
        _save_atomic(image, target)
    return image


def make_filmstrip(path: str, root: Path) -> Filmstrip:
    """The filmstrip of a file, from the cache or decoded (and then cached). Raises
    DecodeError or OSError for a file it cannot read."""
    p = local_file(path)
    target = root / f"{cache_key(p, f'strip{STRIP_FRAMES}')}.png"
    strip = Filmstrip.from_image(QImage(str(target))) if target.is_file() else None
    if strip is None:
        # The proxy, when there is one, is intra-only and small: much faster to sample.
        with FrameReader(cached_proxy(p) or p, cache_bytes=1) as reader:
            frames = strip_frames(reader.frame_count)
            # Increasing order: one pass through the file at most, no re-decoding.
            tiles = [to_qimage(reader.frame(n)).scaledToHeight(THUMB_HEIGHT) for n in frames]
        strip = Filmstrip(frames, tiles)
        _save_atomic(strip.to_image(), target)
    return strip


def failure_message(error: Exception) -> str:
    """What a failed thumbnail says: a bad file as it is, a defect marked `UNEXPECTED`."""
    if isinstance(error, (DecodeError, OSError)):
        return str(error)
    return f"{UNEXPECTED}: {type(error).__name__}: {error}"


class Thumbnailer(QObject):
    # Paths travel as Python objects: a Qt string would drop the bytes of a non-UTF-8 name,
    # and the pending request would never be matched (a spinner forever).
    ready = Signal(object, QImage)  # path (a Python str), thumbnail
    pending_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, root: Path | None = None) -> None:
        super().__init__(parent)
        self.root = root or cache_dir()
        self.images: dict[str, QImage] = {}
        self.strips: dict[str, Filmstrip] = {}
        self._failed: set[str] = set()  # not retried on every repaint
        self.worker = Worker("thumbnails", self)  # one thread: the engine needs the other core
        self._pending: set[str] = set()

    @property
    def pool(self) -> QThreadPool:
        return self.worker.pool

    def get(self, path: str) -> QImage | None:
        if path in self.images:
            return self.images[path]
        if path not in self._pending and path not in self._failed:
            self._pending.add(path)
            self.pending_changed.emit(len(self._pending))
            self.worker.submit(lambda: self._make(path, self._on_done, make_thumbnail, path, 0))
        return None

    def pending_count(self) -> int:
        return len(self._pending)

    def strip(self, path: str) -> Filmstrip | None:
        """The filmstrip of a file, or None while it is being made (`ready` fires then)."""
        if path in self.strips:
            return self.strips[path]
        key = f"strip:{path}"
        if key not in self._pending and path not in self._failed:
            self._pending.add(key)
            self.pending_changed.emit(len(self._pending))
            self.worker.submit(lambda: self._make(path, self._on_strip, make_filmstrip, path))
        return None

    def _make(
        self, path: str, done: Callable[[str, Any], None], make: Callable[..., Any], *args: Any
    ) -> None:
        """On the worker's thread: `make(*args, root)`, its result or failure to the GUI."""
        try:
            result = make(*args, self.root)
        except Exception as e:  # noqa: BLE001 - a worker that dies silently leaves a spinner
            self.worker.post(self._on_failed, path, failure_message(e))
            return
        self.worker.post(done, path, result)

    def _on_strip(self, path: str, strip: Filmstrip) -> None:
        self._pending.discard(f"strip:{path}")
        self.strips[path] = strip
        self.pending_changed.emit(len(self._pending))
        self.ready.emit(path, strip.tiles[0])

    def _on_done(self, path: str, image: QImage) -> None:
        self._pending.discard(path)
        self.images[path] = image
        self.pending_changed.emit(len(self._pending))
        self.ready.emit(path, image)

    def _on_failed(self, path: str, message: str) -> None:
        self._pending.discard(path)
        self._pending.discard(f"strip:{path}")
        self._failed.add(path)
        self.pending_changed.emit(len(self._pending))
