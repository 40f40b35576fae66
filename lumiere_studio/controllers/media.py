"""Media: importing files into the project (probed first; a broken file is reported and
skipped) and the background work each new item needs (thumbnail and filmstrip, a proxy for a
large video). No widgets: the thumbnail and proxy services are reached through two callables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.api import PROXY_MIN_PIXELS, ProbeError, labelled_ai, needs_proxy, probe
from lumiere_studio.model.document import Document
from lumiere_studio.model.project import MediaItem


class MediaController(QObject):
    error = Signal(str, str)  # title, text
    status = Signal(str, int)  # message, milliseconds
    imported = Signal(str)  # the id of the last item imported (the bin selects it)

    def __init__(
        self,
        doc: Document,
        thumbnail: Callable[[str], object],
        proxy: Callable[[str], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc, self.thumbnail, self.proxy = doc, thumbnail, proxy
        self.proxy_min_pixels = PROXY_MIN_PIXELS  # a test may lower it

    def import_paths(self, paths: list[str]) -> list[MediaItem]:
        """Probe and import; broken or unsupported files are reported and skipped."""
        infos, errors = [], []
        for path in paths:
            try:
                infos.append(probe(path))
            except ProbeError as e:
                errors.append(str(e))
        items = self.doc.import_media(infos, {i.path for i in infos if labelled_ai(i.path)})
        for item in items:
            self.prepare(item)
        if items:
            self.imported.emit(items[-1].id)
            self.status.emit(f"imported {len(items)} file(s)", 5000)
        if errors:
            self.error.emit("Some files could not be imported", "\n".join(errors))
        return items

    def prepare(self, item: MediaItem) -> None:
        """Background work for a new media item: thumbnail, filmstrip, proxy."""
        path = str(self.doc.project.resolve(item.path))
        if not Path(path).is_file():  # gone, or a device or pipe a project file named
            return
        self.thumbnail(path)
        info = item.media_info
        if needs_proxy(info.kind, info.width, info.height, self.proxy_min_pixels):
            self.proxy(path)

    def prepare_all(self) -> None:
        for item in self.doc.project.media:
            self.prepare(item)
