"""A job's record dialog: the whole record as readable JSON, read-only, and a Copy button that
puts exactly that text on the clipboard."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton

from lumiere_studio.ui.job_record import JobRecordDialog


def test_the_record_is_shown_whole_read_only_and_copied_as_shown(qtbot):
    record = {
        "id": 7,
        "status": "done",
        "job": {"prompt": "a red square", "seed": 3},
        "peak_memory_mib": 812.5,
        "output": "/tmp/out.mp4",
    }
    dialog = JobRecordDialog(record)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Job #7: record"
    assert dialog.text.isReadOnly()
    assert json.loads(dialog.text.toPlainText()) == record
    QGuiApplication.clipboard().setText("")
    copy = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Copy")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.text.toPlainText()
