"""Builds editing proxies (engine.media.proxy) on a worker thread after import and tells the
FrameServer when one is ready. Until then the viewer decodes the original."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from engine.api import ProxyError, cached_proxy, ensure_proxy


class _Signals(QObject):
    # Sources travel as Python objects: a Qt string would drop the bytes of a non-UTF-8 name.
    done = Signal(object, str, bool)  # source, proxy, built now (False: reused from the cache)
    failed = Signal(object, str)
    progress = Signal(object, int, int)


class _Job(QRunnable):
    def __init__(self, source: str, root: Path | None, cancel: threading.Event,
                 signals: _Signals) -> None:  # fmt: skip
        super().__init__()
        self.source, self.root, self.cancel, self.signals = source, root, cancel, signals

    def run(self) -> None:
        try:
            proxy, built = ensure_proxy(
                self.source, self.root, self.cancel,
                lambda i, n: i % 25 == 0 and self.signals.progress.emit(self.source, i, n),
            )  # fmt: skip
        except ProxyError as e:
            if not self.cancel.is_set():
                self.signals.failed.emit(self.source, str(e))
            return
        self.signals.done.emit(self.source, str(proxy), built)


class ProxyManager(QObject):
    """`request(path)` once per imported video; `ready` fires when its proxy can be used."""

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
        self._cancel = threading.Event()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one long decode at a time: the engine needs a core
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self.progress)

    def request(self, source: str) -> None:
        if source in self.proxies or source in self._pending:
            return
        hit = cached_proxy(source, self.root)  # a stat and a hash: cheap on the GUI thread
        if hit is not None:
            self._on_done(source, str(hit), False)
            return
        self._pending.add(source)
        self.pending_changed.emit(len(self._pending))
        self.pool.start(_Job(source, self.root, self._cancel, self._signals))

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

    def shutdown(self) -> None:
        self._cancel.set()
        self.pool.waitForDone(10000)
