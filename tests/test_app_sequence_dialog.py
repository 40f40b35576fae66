"""The sequence settings dialog: presets, exact and custom rates, and the window applying it
(undoable, shown in the status bar)."""

from __future__ import annotations

from fractions import Fraction

from engine.timeline import Timeline
from lumiere_studio.ui.sequence_dialog import SequenceDialog, describe


def test_presets_and_rates(qtbot):
    d = SequenceDialog(Timeline(rate=Fraction(30000, 1001), width=640, height=360), 5.0)
    qtbot.addWidget(d)
    assert d.preset.currentText() == "Custom" and d.rate.currentText() == "29.97"
    d.choose_preset("Vertical (1080x1920)")
    assert d.values()[:3] == (1080, 1920, Fraction(30000, 1001))
    d.width_box.setValue(1280)
    d.height_box.setValue(720)
    assert d.preset.currentText() == "720p (1280x720)"  # a size that is a preset names it
    d.rate.setCurrentText("Custom")
    d.custom_rate.setText("12.5")
    assert d.values()[2] == Fraction(25, 2)
    d.custom_rate.setText("fast")
    d._accept()
    assert d.result() == 0 and "not a frame rate" in d.error  # stays open, says why


def test_a_custom_rate_is_shown_as_custom(qtbot):
    d = SequenceDialog(Timeline(rate=Fraction(15)), 5.0)
    qtbot.addWidget(d)
    assert d.rate.currentText() == "Custom" and d.values()[2] == 15


def test_window_applies_settings_undoably_and_shows_them(qtbot, window):
    d = SequenceDialog(window.doc.project.timeline, 2.0)
    qtbot.addWidget(d)
    d.choose_preset("Square (1080x1080)")
    d.rate.setCurrentText("59.94")
    assert window.sequence_settings(d)
    assert window.sequence_label.text() == "1080x1080  59.94 fps"
    assert window.doc.still_seconds == 2.0
    window.doc.undo_stack.undo()
    assert window.sequence_label.text() == describe(Timeline()) == "1920x1080  24 fps"


def test_the_menu_and_the_status_bar_open_the_dialog(window, monkeypatch):
    from PySide6.QtGui import QAction

    opened = []
    monkeypatch.setattr(SequenceDialog, "exec", lambda self: opened.append(self) or 0)
    window.sequence_label.click()
    menu = next(a for a in window.findChildren(QAction) if a.text() == "Se&quence Settings...")
    menu.trigger()
    assert len(opened) == 2 and window.doc.project.timeline.width == 1920  # cancelled: unchanged
