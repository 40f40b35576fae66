"""Thumbnails made on worker threads (QThreadPool) and cached as PNG under the platformdirs
cache dir, keyed by the file's path, size and mtime, so a changed file gets a new one."""

from __future__ import annotations

import hashlib
from pathlib import Path

from platformdirs import user_cache_dir
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

THUMB_HEIGHT = 72


def cache_dir() -> Path:
    return Path(user_cache_dir("lumiere-studio", appauthor=False)) / "thumbnails"


def cache_key(path: Path, frame: int) -> str:
    st = path.stat()
    raw = f"{path.absolute()}|{st.st_size}|{st.st_mtime_ns}|{frame}|{THUMB_HEIGHT}"
    return hashlib.sha1(raw.encode()).hexdigest()


class _Signals(QObject):
    done = Signal(str, QImage)  # path, thumbnail
    failed = Signal(str, str)


class _Job(QRunnable):
    def __init__(self, path: str, frame: int, root: Path, signals: _Signals) -> None:
        super().__init__()
        self.path, self.frame, self.root, self.signals = path, frame, root, signals

    def run(self) -> None:
        from engine.media.decode import DecodeError, FrameReader
        from lumiere_studio.ui.frames import to_qimage

        try:
            p = Path(self.path)
            target = self.root / f"{cache_key(p, self.frame)}.png"
            image = QImage(str(target)) if target.is_file() else QImage()
            if image.isNull():
                with FrameReader(p, cache_bytes=1) as reader:
                    frame = reader.frame(min(self.frame, reader.frame_count - 1))
                image = to_qimage(frame).scaledToHeight(THUMB_HEIGHT)
                self.root.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(".tmp.png")
                if image.save(str(tmp), "PNG"):
                    tmp.replace(target)
            self.signals.done.emit(self.path, image)
        except (DecodeError, OSError) as e:
            self.signals.failed.emit(self.path, str(e))


class Thumbnailer(QObject):
    ready = Signal(str, QImage)
    pending_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, root: Path | None = None) -> None:
        super().__init__(parent)
        self.root = root or cache_dir()
        self.images: dict[str, QImage] = {}
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # the engine thread needs the other core
        self._pending: set[str] = set()
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)

    def get(self, path: str) -> QImage | None:
        if path in self.images:
            return self.images[path]
        if path not in self._pending:
            self._pending.add(path)
            self.pending_changed.emit(len(self._pending))
            self.pool.start(_Job(path, 0, self.root, self._signals))
        return None

    def _on_done(self, path: str, image: QImage) -> None:
        self._pending.discard(path)
        self.images[path] = image
        self.pending_changed.emit(len(self._pending))
        self.ready.emit(path, image)

    def _on_failed(self, path: str, message: str) -> None:
        self._pending.discard(path)
        self.pending_changed.emit(len(self._pending))
