"""Thumbnails and filmstrips made on worker threads (QThreadPool) and cached as PNG under the
platformdirs cache dir, keyed by the file's path, size and mtime, so a changed file gets new
ones. A filmstrip is up to `STRIP_FRAMES` frames spread evenly along a clip, stored as one PNG
(tiles side by side) whose "frames" text chunk lists the source frame of each tile."""

from __future__ import annotations

import bisect
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir
from PySide6.QtCore import QBuffer, QIODevice, QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPainter

from engine.api import atomic_write_bytes, local_file

THUMB_HEIGHT = 72
UNEXPECTED = "unexpected error"  # starts a failure that is a defect, not a bad file
STRIP_FRAMES = 16


def cache_dir() -> Path:
    return Path(user_cache_dir("lumiere-studio", appauthor=False)) / "thumbnails"


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
    if image.save(buffer, "PNG"):  # as before, an image Qt cannot encode is just not cached
        atomic_write_bytes(target, bytes(buffer.data().data()))


class _Signals(QObject):
    # Paths travel as Python objects: a Qt string would drop the bytes of a non-UTF-8 name,
    # and the pending request would never be matched (a spinner forever).
    done = Signal(object, QImage)  # path, thumbnail
    strip_done = Signal(object, object)  # path, Filmstrip
    failed = Signal(object, str)


class _Job(QRunnable):
    def __init__(self, path: str, frame: int, root: Path, signals: _Signals) -> None:
        super().__init__()
        self.path, self.frame, self.root, self.signals = path, frame, root, signals

    def run(self) -> None:
        from engine.api import DecodeError, FrameReader
        from lumiere_studio.ui.frames import to_qimage

        try:
            p = local_file(self.path)  # the message for a missing file, a FIFO, a loop
            target = self.root / f"{cache_key(p, self.frame)}.png"
            image = QImage(str(target)) if target.is_file() else QImage()
            if image.isNull():
                with FrameReader(p, cache_bytes=1) as reader:
                    frame = reader.frame(min(self.frame, reader.frame_count - 1))
                image = to_qimage(frame).scaledToHeight(THUMB_HEIGHT)
                _save_atomic(image, target)
            self.signals.done.emit(self.path, image)
        except (DecodeError, OSError) as e:
            self.signals.failed.emit(self.path, str(e))
        except Exception as e:  # noqa: BLE001 - a worker that dies silently leaves a spinner
            self.signals.failed.emit(self.path, f"{UNEXPECTED}: {type(e).__name__}: {e}")


class _StripJob(QRunnable):
    def __init__(self, path: str, root: Path, signals: _Signals) -> None:
        super().__init__()
        self.path, self.root, self.signals = path, root, signals

    def run(self) -> None:
        from engine.api import DecodeError, FrameReader, cached_proxy
        from lumiere_studio.ui.frames import to_qimage

        try:
            p = local_file(self.path)
            target = self.root / f"{cache_key(p, f'strip{STRIP_FRAMES}')}.png"
            strip = Filmstrip.from_image(QImage(str(target))) if target.is_file() else None
            if strip is None:
                # The proxy, when there is one, is intra-only and small: much faster to sample.
                with FrameReader(cached_proxy(p) or p, cache_bytes=1) as reader:
                    frames = strip_frames(reader.frame_count)
                    # Increasing order: one pass through the file at most, no re-decoding.
                    tiles = [to_qimage(reader.frame(n)).scaledToHeight(THUMB_HEIGHT)
                             for n in frames]  # fmt: skip
                strip = Filmstrip(frames, tiles)
                _save_atomic(strip.to_image(), target)
            self.signals.strip_done.emit(self.path, strip)
        except (DecodeError, OSError) as e:
            self.signals.failed.emit(self.path, str(e))
        except Exception as e:  # noqa: BLE001 - a worker that dies silently leaves a spinner
            self.signals.failed.emit(self.path, f"{UNEXPECTED}: {type(e).__name__}: {e}")


class Thumbnailer(QObject):
    ready = Signal(object, QImage)  # path (a Python str), thumbnail
    pending_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, root: Path | None = None) -> None:
        super().__init__(parent)
        self.root = root or cache_dir()
        self.images: dict[str, QImage] = {}
        self.strips: dict[str, Filmstrip] = {}
        self._failed: set[str] = set()  # not retried on every repaint
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # the engine thread needs the other core
        self._pending: set[str] = set()
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.strip_done.connect(self._on_strip)
        self._signals.failed.connect(self._on_failed)

    def get(self, path: str) -> QImage | None:
        if path in self.images:
            return self.images[path]
        if path not in self._pending and path not in self._failed:
            self._pending.add(path)
            self.pending_changed.emit(len(self._pending))
            self.pool.start(_Job(path, 0, self.root, self._signals))
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
            self.pool.start(_StripJob(path, self.root, self._signals))
        return None

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
