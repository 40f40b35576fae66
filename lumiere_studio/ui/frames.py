"""Frames for the GUI without blocking it: a `FrameServer` QObject on its own QThread owns
one FrameReader per file and answers requests with `frame_ready`. Only the newest request is
served (scrubbing skips frames it has no time for), and after a frame it reads ahead."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

from engine.media.decode import DecodeError, FrameReader


def to_qimage(frame: np.ndarray) -> QImage:
    """uint8 (H, W, 3) -> QImage that owns a copy of the pixels."""
    frame = np.ascontiguousarray(frame)
    h, w, _ = frame.shape
    return QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class _Worker(QObject):
    ready = Signal(str, int, object)
    error = Signal(str, str)

    def __init__(self, server: FrameServer) -> None:
        super().__init__()
        self.server = server
        self.readers: dict[str, FrameReader] = {}

    @Slot()
    def serve(self) -> None:
        request = self.server.take_request()
        if request is None:
            return
        path, n, ahead = request
        try:
            reader = self.readers.get(path)
            if reader is None:
                reader = self.readers[path] = FrameReader(path, cache_bytes=192 << 20)
            n = min(max(0, n), reader.frame_count - 1)
            frame = reader.frame(n)
            self.ready.emit(path, n, frame)
            if ahead:
                reader.read_ahead(n + 1, ahead)
        except DecodeError as e:
            self.error.emit(path, str(e))

    @Slot()
    def close_all(self) -> None:
        for r in self.readers.values():
            r.close()
        self.readers.clear()


class FrameServer(QObject):
    frame_ready = Signal(str, int, object)  # path, frame index, uint8 (H, W, 3)
    error = Signal(str, str)
    _kick = Signal()
    _close = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: tuple[str, int, int] | None = None
        self.thread = QThread()
        self.thread.setObjectName("frames")
        self.worker = _Worker(self)
        self.worker.moveToThread(self.thread)
        self._kick.connect(self.worker.serve)
        self._close.connect(self.worker.close_all)
        self.worker.ready.connect(self.frame_ready)
        self.worker.error.connect(self.error)
        self.thread.start()

    def request(self, path: str, n: int, read_ahead: int = 0) -> None:
        with self._lock:
            self._pending = (path, n, read_ahead)
        self._kick.emit()

    def take_request(self) -> tuple[str, int, int] | None:
        with self._lock:
            req, self._pending = self._pending, None
        return req

    def shutdown(self) -> None:
        self._close.emit()
        self.thread.quit()
        self.thread.wait(5000)


def qimage_to_array(image: QImage) -> np.ndarray:
    """QImage -> uint8 (H, W, 3) copy."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    data = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)
    return data[:, : w * 3].reshape(h, w, 3).copy()
