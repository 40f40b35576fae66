"""Background work in the status bar: a busy bar while thumbnails or proxies are being made,
and what the proxy maker says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QProgressBar

from lumiere_studio.services.proxies import ProxyManager
from lumiere_studio.services.thumbnails import Thumbnailer


class BackgroundStatus:
    def __init__(
        self, thumbs: Thumbnailer, proxies: ProxyManager, show: Callable[[str, int], None]
    ) -> None:
        self.thumbs, self.proxies, self.show = thumbs, proxies, show
        self.busy = QProgressBar()
        self.busy.setMaximumWidth(160)
        self.busy.setRange(0, 0)
        self.busy.hide()
        thumbs.pending_changed.connect(lambda _n: self.pending())
        proxies.pending_changed.connect(lambda _n: self.pending())
        proxies.failed.connect(
            lambda src, msg: show(f"no proxy, decoding the original: {msg}", 8000)
        )
        proxies.progress.connect(
            lambda src, i, n: show(f"making proxy of {Path(src).name}: {i}/{n or '?'} frames", 2000)
        )

    def pending(self) -> None:
        thumbs, proxies = self.thumbs.pending_count(), self.proxies.pending_count()
        self.busy.setVisible(thumbs + proxies > 0)
        if thumbs:
            self.show(f"making thumbnails ({thumbs} left)", 2000)
