"""The media bin: imported and generated media as thumbnails with their probed facts."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from lumiere_studio.model.document import Document
from lumiere_studio.services.thumbnails import Thumbnailer


class MediaBin(QListWidget):
    media_activated = Signal(str)  # media id (double-click: add to timeline)
    media_selected = Signal(str)

    def __init__(self, doc: Document, thumbs: Thumbnailer, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc, self.thumbs = doc, thumbs
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(128, 72))
        self.setGridSize(QSize(150, 118))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setWordWrap(True)
        doc.changed.connect(self.rebuild)
        thumbs.ready.connect(self._thumb_ready)
        self.itemDoubleClicked.connect(
            lambda it: self.media_activated.emit(it.data(Qt.ItemDataRole.UserRole))
        )
        self.currentItemChanged.connect(self._current_changed)
        self.rebuild()

    def _current_changed(self, item: QListWidgetItem | None, _prev) -> None:
        if item is not None:
            self.media_selected.emit(item.data(Qt.ItemDataRole.UserRole))

    def rebuild(self) -> None:
        current = self.current_media_id()
        self.blockSignals(True)
        self.clear()
        # Each row's path, kept in Python: a Qt string would drop a non-UTF-8 name's bytes.
        self._paths: list[str] = []
        placeholder = QPixmap(128, 72)
        placeholder.fill(QColor(50, 50, 55))
        for m in self.doc.project.media:
            path = str(self.doc.project.resolve(m.path))
            thumb = self.thumbs.get(path)
            icon = QIcon(QPixmap.fromImage(thumb)) if thumb is not None else QIcon(placeholder)
            label = ("AI · " if m.generated else "") + m.name
            item = QListWidgetItem(icon, label)
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            self._paths.append(path)
            item.setToolTip(f"{path}\n{m.media_info.describe()}")
            self.addItem(item)
            if m.id == current:
                self.setCurrentItem(item)
        self.blockSignals(False)

    def _thumb_ready(self, path: str, image: QImage) -> None:
        for i, row_path in enumerate(self._paths):
            if row_path == path:
                self.item(i).setIcon(QIcon(QPixmap.fromImage(image)))

    def current_media_id(self) -> str | None:
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select_media(self, media_id: str) -> None:
        for i in range(self.count()):
            if self.item(i).data(Qt.ItemDataRole.UserRole) == media_id:
                self.setCurrentRow(i)
