"""Clip geometry: how the selected clip's picture sits in the sequence's frame (fit mode, scale
about its centre, position in sequence pixels). OK applies it as one undoable step."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QWidget,
)

from engine.api import TimelineClip
from lumiere_studio.ui.sequence_dialog import ok_cancel

FIT_LABELS = {
    "fit": "Fit (letterbox)",
    "fill": "Fill (crop)",
    "stretch": "Stretch",
    "none": "None (1:1 pixels)",
}


class ClipDialog(QDialog):
    def __init__(self, clip: TimelineClip, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Clip Geometry: {clip.name or clip.media}")
        self.fit = QComboBox()
        for key, label in FIT_LABELS.items():
            self.fit.addItem(label, key)
        self.fit.setCurrentIndex(list(FIT_LABELS).index(clip.fit))
        self.scale = QDoubleSpinBox()
        self.scale.setRange(1, 10000)
        self.scale.setSuffix(" %")
        self.scale.setValue(clip.scale * 100)
        # Not self.x / self.y: those would hide QWidget.x() and QWidget.y().
        self.position_x, self.position_y = QDoubleSpinBox(), QDoubleSpinBox()
        for box, value in ((self.position_x, clip.x), (self.position_y, clip.y)):
            box.setRange(-100000, 100000)
            box.setSuffix(" px")
            box.setValue(value)
        form = QFormLayout(self)
        form.addRow("Fit", self.fit)
        form.addRow("Scale", self.scale)
        form.addRow("Move right", self.position_x)
        form.addRow("Move down", self.position_y)
        form.addRow(ok_cancel(self, self.accept))

    def values(self) -> dict[str, Any]:
        """The keyword arguments of `Document.set_clip_geometry`."""
        return {
            "fit": self.fit.currentData(),
            "scale": self.scale.value() / 100,
            "x": self.position_x.value(),
            "y": self.position_y.value(),
        }
