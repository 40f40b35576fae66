"""Preferences: how the files the app writes are signed and marked (kept in AppSettings).

- Content Credentials: the signing key and certificate chain (empty: the key the app made on
  first use), and whether the prompt goes into the manifest.
- Exports that mix real and generated footage: watermark the whole frame (on by default).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from lumiere_studio.model.settings import AppSettings


class PreferencesDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        form = QFormLayout(self)
        self.key = QLineEdit(settings.sign_key)
        self.cert = QLineEdit(settings.sign_cert)
        for edit, label in ((self.key, "Signing key (PEM)"), (self.cert, "Certificate chain")):
            edit.setPlaceholderText("the key made on first use")
            form.addRow(label, self._with_browse(edit))
        self.prompt = QCheckBox("Write the prompt into Content Credentials")
        self.prompt.setChecked(settings.include_prompt)
        self.mark = QCheckBox(
            "Watermark the whole frame of exports that mix real and generated footage"
        )
        self.mark.setChecked(settings.mark_composites)
        form.addRow(self.prompt)
        form.addRow(self.mark)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(edit)
        browse = QPushButton("Browse...")
        browse.clicked.connect(lambda: self._browse(edit))
        lay.addWidget(browse)
        return row

    def _browse(self, edit: QLineEdit) -> None:
        kinds = "PEM files (*.pem *.crt *.key);;All files (*)"
        path, _ = QFileDialog.getOpenFileName(self, "Choose a PEM file", edit.text(), kinds)
        if path:
            edit.setText(path)

    def check(self) -> str | None:
        """None when the choice can sign; else what is wrong."""
        from engine.api import SigningError, load_identity

        key, cert = self.key.text().strip(), self.cert.text().strip()
        if not key and not cert:
            return None
        if not key or not cert:
            return "Give both the signing key and its certificate chain, or neither."
        try:
            load_identity(key, cert)
        except SigningError as e:
            return str(e)
        return None

    def accept(self) -> None:
        problem = self.check()
        if problem:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self, "Cannot sign with these files", problem)
            return
        self.settings.set_signing(
            self.key.text().strip(),
            self.cert.text().strip(),
            self.prompt.isChecked(),
            self.mark.isChecked(),
        )
        super().accept()
