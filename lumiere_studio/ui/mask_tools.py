"""Mask tools for the viewer's brush: brush / eraser, size, hardness, overlay opacity,
invert / clear / fill, and the frame the mask applies from."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from lumiere_studio.model.document import Document
from lumiere_studio.ui.theme import ACCENT
from lumiere_studio.ui.viewer import Viewer


class MaskTools(QWidget):
    def __init__(self, viewer: Viewer, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer, self.doc = viewer, doc
        self.off = QPushButton("Off")
        self.brush = QPushButton("Brush (B)")
        self.eraser = QPushButton("Eraser (E)")
        self.group = QButtonGroup(self)
        for i, b in enumerate((self.off, self.brush, self.eraser)):
            b.setCheckable(True)
            self.group.addButton(b, i)
        self.off.setChecked(True)
        # The tool in use must be plain to see: the checked button in the accent colour.
        accent = ACCENT.name()
        for b in (self.brush, self.eraser):
            b.setStyleSheet(
                f"QPushButton:checked {{ background: {accent}; color: white; "
                f"font-weight: bold; border: 1px solid white; }}"
            )
        self.group.idClicked.connect(lambda i: self.set_tool(("off", "brush", "eraser")[i]))
        self.brush_size = QSpinBox()  # not self.size: that would hide QWidget.size()
        self.brush_size.setRange(1, 2000)
        self.brush_size.setSuffix(" px")
        self.brush_size.setValue(int(viewer.brush.size))
        self.brush_size.valueChanged.connect(self._size_changed)
        self.hardness = self._slider(int(viewer.brush.hardness * 100), self._hardness_changed)
        self.opacity = self._slider(int(viewer.brush.opacity * 100), self._opacity_changed)
        self.from_frame = QSpinBox()
        self.from_frame.setRange(0, 10**7)
        self.from_frame.setToolTip(
            "The mask applies from this frame of the clip on (0 = whole clip)"
        )
        self.from_frame.editingFinished.connect(self._from_frame_changed)
        self.from_here = QPushButton("From current frame")
        self.from_here.clicked.connect(self._from_current)
        ops = QHBoxLayout()
        for op in ("invert", "clear", "fill"):
            b = QPushButton(op.capitalize())
            b.clicked.connect(lambda _=False, op=op: self.operation(op))
            ops.addWidget(b)
        tools = QHBoxLayout()
        for b in (self.off, self.brush, self.eraser):
            tools.addWidget(b)
        form = QFormLayout(self)
        form.addRow(tools)
        form.addRow("Size ([ ])", self.brush_size)
        form.addRow("Hardness", self.hardness)
        form.addRow("Overlay", self.opacity)
        form.addRow(ops)
        form.addRow("Applies from frame", self.from_frame)
        form.addRow(self.from_here)
        self.hint = QLabel("White (painted) = the region to change.")
        self.hint.setWordWrap(True)
        form.addRow(self.hint)
        doc.changed.connect(self.refresh)

    def _slider(self, value: int, slot: Callable[[int], None]) -> QSlider:
        s = QSlider(Qt.Orientation.Horizontal)
        s.setRange(0, 100)
        s.setValue(value)
        s.valueChanged.connect(slot)
        return s

    def set_tool(self, tool: str) -> None:
        self.viewer.brush.enabled = tool != "off"
        self.viewer.brush.erase = tool == "eraser"
        {"off": self.off, "brush": self.brush, "eraser": self.eraser}[tool].setChecked(True)
        self.viewer.setCursor(
            Qt.CursorShape.CrossCursor if tool != "off" else Qt.CursorShape.ArrowCursor
        )
        self.viewer.update()

    def grow(self, factor: float) -> None:
        self.brush_size.setValue(max(1, round(self.brush_size.value() * factor)))

    def _size_changed(self, v: int) -> None:
        self.viewer.brush.size = float(v)
        self.viewer.update()

    def _hardness_changed(self, v: int) -> None:
        self.viewer.brush.hardness = v / 100

    def _opacity_changed(self, v: int) -> None:
        self.viewer.brush.opacity = v / 100
        self.viewer.update()

    def operation(self, op: str) -> None:
        if self.viewer.media_id:
            self.doc.mask_operation(self.viewer.media_id, op)

    def _from_frame_changed(self) -> None:
        if self.viewer.media_id:
            self.doc.set_mask_from_frame(self.viewer.media_id, self.from_frame.value())

    def _from_current(self) -> None:
        self.from_frame.setValue(self.viewer.frame)
        self._from_frame_changed()

    def refresh(self) -> None:
        meta = self.doc.project.mask_meta.get(self.viewer.media_id or "")
        self.from_frame.blockSignals(True)
        self.from_frame.setValue(meta.from_frame if meta else 0)
        self.from_frame.blockSignals(False)
        self.viewer.update()
