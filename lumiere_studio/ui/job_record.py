"""The full record of one queued or finished job (settings, model hash, times, device, peak
memory, output), as JSON one can read and copy."""

from __future__ import annotations

import json

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QPushButton, QVBoxLayout


class JobRecordDialog(QDialog):
    def __init__(self, record: dict, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Job #{record.get('id')}: record")
        self.text = QPlainTextEdit(json.dumps(record, indent=1))
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(560, 480)
