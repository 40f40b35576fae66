"""The media bin: imported and generated media as thumbnails with their probed facts."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from lumiere_studio.model.document import Document
from lumiere_studio.model.project import MediaItem
from lumiere_studio.services.thumbnails import Thumbnailer


class MediaBin(QListWidget):
    media_activated = Signal(str)  # media id (double-click: add to timeline)
    media_selected = Signal(str)

    def __init__(self, doc: Document, thumbs: Thumbnailer, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc, self.thumbs = doc, thumbs
        self._paths: list[str] = []
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
        """Bring the rows in step with the document's media, changing only what changed.

        Rows are updated, inserted and taken out in place, never cleared and re-added: a clear
        on every document change showed a half-laid-out bin for a moment (the scroll bar gone,
        labels reflowed into other columns), seen as labels drawn twice.
        """
        rows = [self._row(m) for m in self.doc.project.media]
        reshaped = [row[0] for row in rows] != [self._row_id(i) for i in range(self.count())]
        wanted = {row[0] for row in rows}
        self.blockSignals(True)  # taking out or moving the current row is no new selection
        try:
            for i in reversed(range(self.count())):
                if self._row_id(i) not in wanted:
                    if self.currentRow() == i:  # not handed on to a neighbour the app never saw
                        self.setCurrentIndex(QModelIndex())
                    self.takeItem(i)
                    del self._paths[i]
            for i, (media_id, label, path, tip) in enumerate(rows):
                item = self._take_from(i, media_id)
                if item is None:
                    # Each row's path, kept in Python: a Qt string drops a non-UTF-8 name's bytes.
                    item = QListWidgetItem(self._icon(path), label)
                    item.setData(Qt.ItemDataRole.UserRole, media_id)
                    self.insertItem(i, item)
                    self._paths.insert(i, path)
                item.setText(label)  # Qt repaints only when the text or tip differs
                item.setToolTip(tip)
                if self._paths[i] != path:
                    self._paths[i] = path
                    item.setIcon(self._icon(path))
        finally:
            self.blockSignals(False)
        if reshaped:
            # Lay out now, and deliver the queued call by which Qt shows or hides the scroll
            # bar, so the next paint shows the bin settled.
            self.doItemsLayout()
            self.updateGeometries()
            QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)

    def _take_from(self, row: int, media_id: str) -> QListWidgetItem | None:
        """The item for `media_id`, moved to `row` if it sits further down; None if new."""
        for i in range(row, self.count()):
            if self._row_id(i) == media_id:
                if i == row:
                    return self.item(row)
                was_current = self.currentRow() == i
                item = self.takeItem(i)
                self.insertItem(row, item)
                self._paths.insert(row, self._paths.pop(i))
                if was_current:
                    self.setCurrentItem(item)
                return item
        return None

    def _row(self, m: MediaItem) -> tuple[str, str, str, str]:
        path = str(self.doc.project.resolve(m.path))
        label = ("AI · " if m.generated else "") + m.name
        return m.id, label, path, f"{path}\n{m.media_info.describe()}"

    def _row_id(self, row: int) -> str:
        return self.item(row).data(Qt.ItemDataRole.UserRole)

    def _icon(self, path: str) -> QIcon:
        thumb = self.thumbs.get(path)
        if thumb is not None:
            return QIcon(QPixmap.fromImage(thumb))
        placeholder = QPixmap(128, 72)
        placeholder.fill(QColor(50, 50, 55))
        return QIcon(placeholder)

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
