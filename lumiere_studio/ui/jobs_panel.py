"""The jobs panel: the render queue in its order, one row per job with a progress bar and
preview thumbnail. Drag a row to reorder; pause / resume the whole queue; per job: cancel,
remove, retry, resume (interrupted), edit (a queued job's settings go back to the prompt
panel), a copy with a new seed, and the job's full record."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QDrag, QDragEnterEvent, QDropEvent, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.api import TASK_LABELS
from lumiere_studio.model import queue_store as st
from lumiere_studio.services.engine_thread import JobQueue
from lumiere_studio.services.frames import to_qimage

# Default height of the jobs dock: the queue bar and one job row (preview, title, bar, status,
# buttons) in full.
JOBS_DOCK_HEIGHT = 184
JOB_MIME = "application/x-lumiere-job-id"
STATE_COLORS = {
    st.FAILED: "#e06c75",
    st.DONE: "#98c379",
    st.CANCELLED: "#999",
    st.INTERRUPTED: "#e5c07b",
}
# Which buttons a job in each state shows.
BUTTONS = {
    st.QUEUED: ("cancel", "edit", "remove"),
    st.RUNNING: ("cancel", "record"),
    st.DONE: ("new_seed", "record", "remove"),
    st.FAILED: ("retry", "new_seed", "record", "remove"),
    st.CANCELLED: ("retry", "record", "remove"),
    st.INTERRUPTED: ("resume", "record", "remove"),
}


class JobRow(QWidget):
    edit_requested = Signal(int)
    record_requested = Signal(int)

    def __init__(self, queue: JobQueue, job_id: int) -> None:
        super().__init__()
        self.queue, self.job_id = queue, job_id
        self._press: QPoint | None = None
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
        buttons = QHBoxLayout()
        self.buttons: dict[str, QToolButton] = {}
        actions = {
            "cancel": ("Cancel", lambda: queue.cancel(job_id)),
            "retry": ("Retry", lambda: queue.retry(job_id)),
            "resume": ("Resume", lambda: queue.resume(job_id)),
            "edit": ("Edit", lambda: self.edit_requested.emit(job_id)),
            "new_seed": ("New seed", lambda: queue.duplicate(job_id)),
            "record": ("Record", lambda: self.record_requested.emit(job_id)),
            "remove": ("Remove", lambda: queue.remove(job_id)),
        }
        tips = {
            "edit": "load this job's settings into the prompt panel (it leaves the queue)",
            "new_seed": "queue a copy of this job with a new random seed",
            "record": "the job's full record: settings, model, device, time, memory",
            "resume": "run it again from the start",
        }
        for key, (text, slot) in actions.items():
            b = self.buttons[key] = QToolButton()
            b.setText(text)
            b.setToolTip(tips.get(key, ""))
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.cancel, self.remove, self.retry = (
            self.buttons[k] for k in ("cancel", "remove", "retry")
        )
        column = QVBoxLayout()
        column.addWidget(self.title)
        column.addWidget(self.bar)
        column.addWidget(self.status)
        column.addLayout(buttons)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(2)
        row.addWidget(self.preview)
        row.addLayout(column, 1)
        self.setToolTip("drag to reorder the queue")
        self.refresh()

    def refresh(self) -> None:
        entry = self.queue.entries.get(self.job_id)
        if entry is None:
            return
        job = entry.job
        label = TASK_LABELS.get(job.task, job.task)
        self.title.setText(f"#{entry.id} {label}: {job.prompt[:48]} (seed {job.seed})")
        self.title.setToolTip(job.prompt)
        self.bar.setValue(int(entry.fraction * 1000))
        says_more = entry.message and entry.message != entry.state  # not "cancelled: cancelled"
        self.status.setText(f"{entry.state}: {entry.message}" if says_more else entry.state)
        color = STATE_COLORS.get(entry.state, "")
        self.status.setStyleSheet(f"color:{color}" if color else "")
        shown = BUTTONS.get(entry.state, ())
        for key, b in self.buttons.items():
            b.setVisible(key in shown)
        self.cancel.setEnabled(not entry.cancel.is_set())
        if entry.preview is not None:
            pix = QPixmap.fromImage(to_qimage(entry.preview))
            keep = Qt.AspectRatioMode.KeepAspectRatio
            smooth = Qt.TransformationMode.SmoothTransformation
            self.preview.setPixmap(pix.scaled(64, 64, keep, smooth))

    # --- drag to reorder -------------------------------------------------------------------
    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if e.button() == Qt.MouseButton.LeftButton:
            self._press = e.position().toPoint()
        super().mousePressEvent(e)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if self._press is None or not e.buttons() & Qt.MouseButton.LeftButton:
            return
        if (e.position().toPoint() - self._press).manhattanLength() < (
            QApplication.startDragDistance()
        ):
            return
        self._press = None
        drag = QDrag(self)
        drag.setMimeData(job_mime(self.job_id))
        drag.setPixmap(self.grab().scaledToWidth(min(240, self.width())))
        drag.exec(Qt.DropAction.MoveAction)


def job_mime(job_id: int) -> QMimeData:
    mime = QMimeData()
    mime.setData(JOB_MIME, QByteArray(str(job_id).encode()))
    return mime


class _RowList(QWidget):
    """The rows, top to bottom in queue order; a job dropped here moves to where it lands."""

    def __init__(self, panel: JobsPanel) -> None:
        super().__init__()
        self.panel = panel
        self.setAcceptDrops(True)
        self.box = QVBoxLayout(self)

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.mimeData().hasFormat(JOB_MIME):
            e.acceptProposedAction()

    def dragMoveEvent(self, e) -> None:  # noqa: N802
        if e.mimeData().hasFormat(JOB_MIME):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        if not e.mimeData().hasFormat(JOB_MIME):
            return
        job_id = int(bytes(e.mimeData().data(JOB_MIME).data()).decode())
        self.panel.drop_at(job_id, e.position().y())
        e.acceptProposedAction()


class JobsPanel(QWidget):
    edit_requested = Signal(int)  # a queued job's settings should go to the prompt panel
    variations_requested = Signal()

    def __init__(self, queue: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.rows: dict[int, JobRow] = {}
        self.pause = QToolButton()
        self.pause.setCheckable(True)
        self.pause.toggled.connect(queue.set_paused)
        self.variations = QToolButton()
        self.variations.setText("Queue variations...")
        self.variations.setToolTip(
            "queue the prompt panel's job over several seeds, guidance "
            "values, ... (as `lumiere-studio batch --sweep`)"
        )
        self.variations.clicked.connect(self.variations_requested)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color:#e5c07b")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(self.pause)
        bar.addWidget(self.variations)
        bar.addStretch(1)
        self.list = _RowList(self)
        self.empty = QLabel("No jobs yet. Write a prompt and press Generate (Ctrl+G).")
        self.empty.setWordWrap(True)
        self.list.box.addWidget(self.empty)
        self.list.box.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.list)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.scroll_area, 1)
        queue.added.connect(self._added)
        queue.changed.connect(self._changed)
        queue.removed.connect(self._removed)
        queue.reordered.connect(self._relayout)
        queue.paused_changed.connect(lambda _p: self._update_queue_bar())
        for job_id in queue.order:
            self._added(job_id)
        self._update_queue_bar()

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _update_queue_bar(self) -> None:
        paused = self.queue.paused
        self.pause.blockSignals(True)
        self.pause.setChecked(paused)
        self.pause.blockSignals(False)
        self.pause.setText("Resume queue" if paused else "Pause queue")
        self.pause.setToolTip(
            "start the waiting jobs" if paused else "finish the running job, then start no new one"
        )
        text = ""
        if paused and self.queue.restored:
            text = (
                f"{self.queue.restored} job(s) were waiting when the app last stopped; "
                "press Resume queue to run them."
            )
        if self.queue.interrupted and any(
            self.queue.entries.get(j) and self.queue.entries[j].state == st.INTERRUPTED
            for j in self.queue.interrupted
        ):
            text += (
                " A job was interrupted; Resume on it runs it again from the start."
                if text
                else "A job was interrupted when the app stopped; Resume on it "
                "runs it again from the start."
            )
        self.show_notice(text.strip())

    def _added(self, job_id: int) -> None:
        row = self.rows[job_id] = JobRow(self.queue, job_id)
        row.edit_requested.connect(self.edit_requested)
        row.record_requested.connect(self.show_record)
        self._relayout()
        self.empty.hide()

    def _relayout(self) -> None:
        """Put the rows in queue order (the first queued job runs next)."""
        for job_id in self.queue.order:
            row = self.rows.get(job_id)
            if row is not None:
                self.list.box.removeWidget(row)
        for index, job_id in enumerate(j for j in self.queue.order if j in self.rows):
            self.list.box.insertWidget(index, self.rows[job_id])

    def ordered_rows(self) -> list[int]:
        """Job ids top to bottom as shown."""
        out = []
        for i in range(self.list.box.count()):
            item = self.list.box.itemAt(i)
            assert item is not None  # i < count()
            w = item.widget()
            if isinstance(w, JobRow):
                out.append(w.job_id)
        return out

    def drop_at(self, job_id: int, y: float) -> None:
        """Move `job_id` to the place in the queue where it was dropped (y in the list)."""
        if job_id not in self.rows:
            return
        others = [j for j in self.ordered_rows() if j != job_id]
        index = sum(1 for j in others if self.rows[j].geometry().center().y() < y)
        self.queue.move(job_id, index)

    def _changed(self, job_id: int) -> None:
        if job_id in self.rows:
            self.rows[job_id].refresh()
        self._update_queue_bar()

    def _removed(self, job_id: int) -> None:
        row = self.rows.pop(job_id, None)
        if row is not None:
            self.list.box.removeWidget(row)
            row.deleteLater()
        self.empty.setVisible(not self.rows)

    def show_record(self, job_id: int):
        from lumiere_studio.ui.job_record import JobRecordDialog

        dialog = JobRecordDialog(self.queue.record(job_id), self)
        dialog.show()
        return dialog
