"""Frames for the GUI without blocking it: a `FrameServer` owns the FrameReaders, which its
Worker thread uses, and answers requests with `frame_ready`. Only the newest request is served
(scrubbing skips frames it has no time for), and after a frame it reads ahead.

When a file has a proxy (`set_proxy`), a request is answered from it at once (one small intra
frame). If the request asks for refinement (the playhead rests; not during playback) and no
newer request arrives within `REFINE_DELAY_S`, the full-resolution frame follows; a newer
request aborts that decode between frames. Without a proxy the original is decoded as before.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from engine.api import Cancelled, DecodeError, FrameReader
from lumiere_studio.services.worker import Worker

REFINE_DELAY_S = 0.15  # a scrub pauses shorter than this between moves: no full decode yet


def to_qimage(frame: np.ndarray) -> QImage:
    """uint8 (H, W, 3) -> QImage that owns a copy of the pixels."""
    frame = np.ascontiguousarray(frame)
    h, w, _ = frame.shape
    return QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class FrameServer(QObject):
    # path, frame index, uint8 (H, W, 3), full resolution (False: a proxy frame). Paths travel
    # as Python objects: a Qt string would drop the bytes of a non-UTF-8 name.
    frame_ready = Signal(object, int, object, bool)
    error = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: tuple[str, int, int, bool] | None = None
        self._arrived = threading.Event()
        self._proxies: dict[str, str] = {}
        self._closing = False
        self.readers: dict[str, FrameReader] = {}  # used on the worker's thread only
        self.worker = Worker("frames", self)

    def request(self, path: str, n: int, read_ahead: int = 0, refine: bool = True) -> None:
        """Show frame n of path. `refine`: follow a proxy frame with the full-resolution one
        once the playhead rests (False during playback)."""
        with self._lock:
            self._pending = (path, n, read_ahead, refine)
            self._arrived.set()
        self.worker.submit(self._serve)

    def take_request(self) -> tuple[str, int, int, bool] | None:
        with self._lock:
            req, self._pending = self._pending, None
            self._arrived.clear()
        return req

    def has_request(self) -> bool:
        return self._pending is not None or self._closing

    def wait_for_request(self, seconds: float) -> bool:
        """Called on the worker thread: True as soon as a newer request arrives."""
        return self._arrived.wait(seconds)

    def set_proxy(self, source: str, proxy: str | None) -> None:
        with self._lock:
            if proxy is None:
                self._proxies.pop(source, None)
            else:
                self._proxies[source] = proxy

    def proxy_for(self, source: str) -> str | None:
        with self._lock:
            return self._proxies.get(source)

    def shutdown(self) -> None:
        self._closing = True  # aborts a full-resolution decode in progress
        self._arrived.set()
        self.worker.shutdown(5000, last=self._close_all)

    def _ready(self, path: str, n: int, frame: np.ndarray, full: bool) -> None:
        self.frame_ready.emit(path, n, frame, full)

    def _error(self, path: str, message: str) -> None:
        self.error.emit(path, message)

    # --- on the worker's thread -------------------------------------------------------------
    def _reader(self, path: str) -> FrameReader:
        reader = self.readers.get(path)
        if reader is None:
            reader = self.readers[path] = FrameReader(path, cache_bytes=192 << 20)
        return reader

    def _serve(self) -> None:
        """Serve the newest request (one submitted per request: older ones find none)."""
        request = self.take_request()
        if request is None:
            return
        path, n, ahead, refine = request
        proxy = self.proxy_for(path)
        try:
            if proxy is not None:
                try:
                    reader = self._reader(proxy)
                except DecodeError:  # an unreadable proxy: forget it, use the original
                    self.set_proxy(path, None)
                    proxy = None
            if proxy is None:
                reader = self._reader(path)
            n = min(max(0, n), reader.frame_count - 1)
            frame = reader.frame(n)
            self.worker.post(self._ready, path, n, frame, proxy is None)
            if ahead:
                reader.read_ahead(n + 1, ahead)
            if proxy is not None and refine and not self.wait_for_request(REFINE_DELAY_S):
                full = self._reader(path).frame(n, abort=self.has_request)
                self.worker.post(self._ready, path, n, full, True)
        except Cancelled:
            return  # a newer request is waiting; its own task serves it
        except DecodeError as e:
            self.worker.post(self._error, path, str(e))

    def _close_all(self) -> None:
        for r in self.readers.values():
            r.close()
        self.readers.clear()


def qimage_to_array(image: QImage) -> np.ndarray:
    """QImage -> uint8 (H, W, 3) copy."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    data = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)
    return data[:, : w * 3].reshape(h, w, 3).copy()
