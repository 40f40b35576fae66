"""Sequence settings: frame size (with presets), exact frame rate, background colour, and the
app's default still length. OK applies them to the document as one undoable step."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engine.api import STANDARD_RATES, RateError, Timeline, exact_rate, rate_label

PRESETS = [
    ("720p (1280x720)", 1280, 720),
    ("1080p (1920x1080)", 1920, 1080),
    ("2160p UHD (3840x2160)", 3840, 2160),
    ("Vertical (1080x1920)", 1080, 1920),
    ("Square (1080x1080)", 1080, 1080),
]
CUSTOM = "Custom"


def ok_cancel(dialog: QDialog, accept: Callable[[], object]) -> QDialogButtonBox:
    """OK (calls `accept`) and Cancel buttons for a dialog."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def describe(timeline: Timeline) -> str:
    """The status bar's words for the sequence: '1920x1080  29.97 fps'."""
    return f"{timeline.width}x{timeline.height}  {rate_label(timeline.rate)} fps"


class SequenceDialog(QDialog):
    def __init__(self, timeline: Timeline, still_seconds: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sequence Settings")
        self.preset = QComboBox()
        self.preset.addItems([name for name, _w, _h in PRESETS] + [CUSTOM])
        self.width_box, self.height_box = QSpinBox(), QSpinBox()
        for box, value in ((self.width_box, timeline.width), (self.height_box, timeline.height)):
            box.setRange(16, 8192)
            box.setSuffix(" px")
            box.setValue(value)
            box.valueChanged.connect(self._size_edited)
        self.rate = QComboBox()
        for label, rate in STANDARD_RATES:
            self.rate.addItem(label, rate)
        self.rate.addItem(CUSTOM, None)
        self.custom_rate = QLineEdit()
        self.custom_rate.setPlaceholderText("e.g. 12.5 or 30000/1001")
        self.rate.currentIndexChanged.connect(self._rate_kind_changed)
        self._set_rate(timeline.rate)
        self.colour = QColor(timeline.background)
        self.colour_button = QPushButton()
        self.colour_button.clicked.connect(self._pick_colour)
        self._show_colour()
        self.still = QDoubleSpinBox()
        self.still.setRange(0.04, 3600)
        self.still.setSuffix(" s")
        self.still.setValue(still_seconds)
        self.still.setToolTip("How long a still lasts when placed on the timeline (a preference)")
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self._size_edited()
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_box)
        size_row.addWidget(self.height_box)
        rate_row = QHBoxLayout()  # not `rate`: the loop above left a Fraction under that name
        rate_row.addWidget(self.rate)
        rate_row.addWidget(self.custom_rate)
        form = QFormLayout(self)
        form.addRow("Preset", self.preset)
        form.addRow("Frame size", size_row)
        form.addRow("Frame rate", rate_row)
        form.addRow("Background", self.colour_button)
        form.addRow("Default still length", self.still)
        form.addRow(ok_cancel(self, self._accept))
        self.error = ""

    # --- values --------------------------------------------------------------------------
    def values(self) -> tuple[int, int, Fraction, str]:
        """(width, height, rate, background); RateError for a custom rate that is not one."""
        chosen = self.rate.currentData()
        rate = chosen if chosen is not None else exact_rate(self.custom_rate.text().strip())
        return self.width_box.value(), self.height_box.value(), rate, self.colour.name()

    def still_seconds(self) -> float:
        return self.still.value()

    def choose_preset(self, name: str) -> None:
        self.preset.setCurrentText(name)

    # --- widgets -------------------------------------------------------------------------
    def _set_rate(self, rate: Fraction) -> None:
        index = next((i for i, (_l, r) in enumerate(STANDARD_RATES) if r == rate), -1)
        if index < 0:  # (findData cannot compare Python objects)
            self.rate.setCurrentText(CUSTOM)
            self.custom_rate.setText(f"{rate.numerator}/{rate.denominator}")
        else:
            self.rate.setCurrentIndex(index)
        self._rate_kind_changed()

    def _rate_kind_changed(self) -> None:
        self.custom_rate.setEnabled(self.rate.currentData() is None)

    def _preset_chosen(self) -> None:
        for name, w, h in PRESETS:
            if name == self.preset.currentText():
                self.width_box.setValue(w)
                self.height_box.setValue(h)

    def _size_edited(self) -> None:
        size = (self.width_box.value(), self.height_box.value())
        name = next((n for n, w, h in PRESETS if (w, h) == size), CUSTOM)
        self.preset.blockSignals(True)
        self.preset.setCurrentText(name)
        self.preset.blockSignals(False)

    def _pick_colour(self) -> None:
        colour = QColorDialog.getColor(self.colour, self, "Background colour")
        if colour.isValid():
            self.colour = colour
            self._show_colour()

    def _show_colour(self) -> None:
        self.colour_button.setText(self.colour.name())
        text = "#000" if self.colour.lightness() > 128 else "#fff"
        self.colour_button.setStyleSheet(f"background: {self.colour.name()}; color: {text}")

    def _accept(self) -> None:
        try:
            self.values()
        except RateError as e:
            self.error = str(e)
            self.custom_rate.setFocus()
            self.custom_rate.setToolTip(str(e))
            self.custom_rate.setStyleSheet("border: 1px solid #e05060")
            return
        self.accept()
