"""The File > Export dialog and the progress dialog of the running export, bound to the
exporting controller."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from lumiere_studio.controllers.exporting import ExportController
from lumiere_studio.services.export import (
    EXPORT_FORMATS,
    ExportWorker,
    format_for_filter,
    target_path,
)
from lumiere_studio.services.worker import Worker
from lumiere_studio.ui.file_dialogs import FileDialogs


class ExportProgress:
    def __init__(self, exporting: ExportController, files: FileDialogs, parent: QWidget) -> None:
        self.exporting, self.files, self.parent = exporting, files, parent
        self.dialog: QProgressDialog | None = None
        exporting.progress.connect(self._progress)
        exporting.done.connect(self._done)

    def ask(self) -> None:
        """Where and in which format, then export there."""
        filters = ";;".join(text for _fmt, text, _suffix in EXPORT_FORMATS)
        path, chosen = self.files.save_file("Export timeline", "timeline.mp4", filters)
        if path:
            fmt, suffix = format_for_filter(chosen)
            self.export_to(target_path(path, suffix), fmt=fmt)

    def export_to(
        self, out: Path, fmt: str = "h264"
    ) -> tuple[ExportWorker, Worker, QProgressDialog] | None:
        run = self.exporting.start(out, fmt)
        if run is None:
            return None
        dialog = QProgressDialog(f"Exporting {out.name}", "Cancel", 0, run.total, self.parent)
        # Not modal: the export works on a detached copy of the timeline, so editing can go on
        # (and a modal QProgressDialog would run the event loop inside every setValue()).
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(500)
        dialog.canceled.connect(run.cancel)
        self.dialog = dialog
        return run.worker, run.thread, dialog

    def _progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.setValue(done)

    def _done(self) -> None:
        if self.dialog is not None:
            self.dialog.reset()
