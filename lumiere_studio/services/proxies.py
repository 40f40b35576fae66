"""Builds editing proxies (engine.media.proxy) on a worker thread after import and tells the
FrameServer when one is ready. Until then the viewer decodes the original."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal

from engine.api import CancelToken, ProxyError, cached_proxy, ensure_proxy
from lumiere_studio.services.worker import Worker


class ProxyManager(QObject):
    """`request(path)` once per imported video; `ready` fires when its proxy can be used."""

    # Sources travel as Python objects: a Qt string would drop the bytes of a non-UTF-8 name.
    ready = Signal(object, str)  # source (a Python str), proxy
    failed = Signal(object, str)
    pending_changed = Signal(int)
    progress = Signal(object, int, int)

    def __init__(self, parent: QObject | None = None, root: Path | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.proxies: dict[str, str] = {}
        self.built: list[str] = []  # sources whose proxy was made in this session
        self._pending: set[str] = set()
        self._cancel = CancelToken()
        # one long decode at a time: the engine needs a core
        self.worker = Worker("proxies", self)

    @property
    def pool(self) -> QThreadPool:
        return self.worker.pool

    def pending_count(self) -> int:
        return len(self._pending)

    def request(self, source: str) -> None:
        if source in self.proxies or source in self._pending:
            return
        hit = cached_proxy(source, self.root)  # a stat and a hash: cheap on the GUI thread
        if hit is not None:
            self._on_done(source, str(hit), False)
            return
        self._pending.add(source)
        self.pending_changed.emit(len(self._pending))
        self.worker.submit(lambda: self._build(source))

    def shutdown(self) -> None:
        self._cancel.cancel()
        self.worker.shutdown(10000)

    def _build(self, source: str) -> None:
        """On the worker's thread."""

        def progress(i: int, n: int) -> None:
            if i % 25 == 0:
                self.worker.post(self._on_progress, source, i, n)

        try:
            proxy, built = ensure_proxy(source, self.root, self._cancel, progress)
        except ProxyError as e:
            if not self._cancel.cancelled:
                self.worker.post(self._on_failed, source, str(e))
            return
        self.worker.post(self._on_done, source, str(proxy), built)

    def _on_progress(self, source: str, done: int, total: int) -> None:
        self.progress.emit(source, done, total)

    def _on_done(self, source: str, proxy: str, built: bool) -> None:
        self._pending.discard(source)
        self.proxies[source] = proxy
        if built:
            self.built.append(source)
        self.pending_changed.emit(len(self._pending))
        self.ready.emit(source, proxy)

    def _on_failed(self, source: str, message: str) -> None:
        self._pending.discard(source)
        self.pending_changed.emit(len(self._pending))
        self.failed.emit(source, message)
