"""The jobs panel: one row per queued/running/finished job with a progress bar, the latest
preview frame, and Cancel / Remove / Retry."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import TASK_LABELS
from lumiere_studio.engine_thread import CANCELLED, DONE, FAILED, QUEUED, RUNNING, JobQueue
from lumiere_studio.ui.frames import to_qimage

# Default height of the jobs dock: one job row (preview, title, bar, status, buttons) in full.
JOBS_DOCK_HEIGHT = 170


class JobRow(QWidget):
    def __init__(self, queue: JobQueue, job_id: int) -> None:
        super().__init__()
        self.queue, self.job_id = queue, job_id
        self.preview = QLabel()
        self.preview.setFixedSize(64, 64)
        self.preview.setStyleSheet("background:#111")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel()
        self.title.setWordWrap(True)  # a narrow dock wraps the title instead of scrolling sideways
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.cancel = QPushButton("Cancel")
        self.remove = QPushButton("Remove")
        self.retry = QPushButton("Retry")
        self.cancel.clicked.connect(lambda: queue.cancel(job_id))
        self.remove.clicked.connect(lambda: queue.remove(job_id))
        self.retry.clicked.connect(lambda: queue.retry(job_id))
        buttons = QHBoxLayout()
        for b in (self.cancel, self.remove, self.retry):
            buttons.addWidget(b)
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.bar)
        text.addWidget(self.status)
        text.addLayout(buttons)
        row = QHBoxLayout(self)
        row.addWidget(self.preview)
        row.addLayout(text, 1)
        self.refresh()

    def refresh(self) -> None:
        entry = self.queue.entries.get(self.job_id)
        if entry is None:
            return
        job = entry.job
        self.title.setText(f"#{entry.id} {TASK_LABELS.get(job.task, job.task)}: {job.prompt[:48]}")
        self.title.setToolTip(job.prompt)
        self.bar.setValue(int(entry.fraction * 1000))
        self.status.setText(f"{entry.state}: {entry.message}" if entry.message else entry.state)
        color = {FAILED: "#e06c75", DONE: "#98c379", CANCELLED: "#999"}.get(entry.state, "")
        self.status.setStyleSheet(f"color:{color}" if color else "")
        self.cancel.setEnabled(entry.state in (QUEUED, RUNNING) and not entry.cancel.is_set())
        self.remove.setEnabled(entry.state != RUNNING)
        self.retry.setEnabled(entry.state in (FAILED, CANCELLED))
        if entry.preview is not None:
            pix = QPixmap.fromImage(to_qimage(entry.preview))
            keep = Qt.AspectRatioMode.KeepAspectRatio
            smooth = Qt.TransformationMode.SmoothTransformation
            self.preview.setPixmap(pix.scaled(64, 64, keep, smooth))


class JobsPanel(QScrollArea):
    def __init__(self, queue: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.rows: dict[int, JobRow] = {}
        inner = QWidget()
        self.box = QVBoxLayout(inner)
        self.empty = QLabel("No jobs yet. Write a prompt and press Generate (Ctrl+G).")
        self.empty.setWordWrap(True)
        self.box.addWidget(self.empty)
        self.box.addStretch(1)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        queue.added.connect(self._added)
        queue.changed.connect(self._changed)
        queue.removed.connect(self._removed)

    def _added(self, job_id: int) -> None:
        row = self.rows[job_id] = JobRow(self.queue, job_id)
        self.box.insertWidget(0, row)
        self.empty.hide()

    def _changed(self, job_id: int) -> None:
        if job_id in self.rows:
            self.rows[job_id].refresh()

    def _removed(self, job_id: int) -> None:
        row = self.rows.pop(job_id, None)
        if row is not None:
            row.deleteLater()
        self.empty.setVisible(not self.rows)
