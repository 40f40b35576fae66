"""The jobs panel: the render queue in its order, one row per job with a progress bar and
preview thumbnail. Drag a row to reorder; pause / resume the whole queue; per job: cancel,
remove, retry, resume (interrupted), edit (a queued job's settings go back to the prompt
panel), a copy with a new seed, and the job's full record.

A model/view list: the rows are painted by a delegate, not built from widgets, so a queue of
10,000 jobs opens as fast as one of ten (only the rows in view are ever painted, and a
change repaints one row). The buttons of a row are painted too and answer clicks through the
delegate; a read-only queue (another instance owns it) shows only Record.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QEvent,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.api import TASK_LABELS
from lumiere_studio.model import queue_store as st
from lumiere_studio.model.queue_store import QueuedJob
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
BUTTON_TEXT = {
    "cancel": "Cancel",
    "retry": "Retry",
    "resume": "Resume",
    "edit": "Edit",
    "new_seed": "New seed",
    "record": "Record",
    "remove": "Remove",
}
BUTTON_TIPS = {
    "edit": "load this job's settings into the prompt panel (it leaves the queue)",
    "new_seed": "queue a copy of this job with a new random seed",
    "record": "the job's full record: settings, model, device, time, memory",
    "resume": "run it again from the start",
}
PREVIEW_PX = 64
MARGIN = 4
BAR_H = 18
TITLE_LINES = 2  # a narrow dock wraps the title instead of cutting it short
BUTTON_H = 22
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def job_mime(job_id: int) -> QMimeData:
    mime = QMimeData()
    mime.setData(JOB_MIME, QByteArray(str(job_id).encode()))
    return mime


def _mime_job(mime: QMimeData) -> int | None:
    if not mime.hasFormat(JOB_MIME):
        return None
    try:
        return int(bytes(mime.data(JOB_MIME).data()).decode())
    except ValueError:
        return None


def title_of(entry: QueuedJob) -> str:
    job = entry.job
    label = TASK_LABELS.get(job.task, job.task)
    prompt = " ".join(str(job.prompt)[:200].split())
    return f"#{entry.id} {label}: {prompt[:48]} (seed {job.seed})"


def status_of(entry: QueuedJob) -> str:
    says_more = entry.message and entry.message != entry.state  # not "cancelled: cancelled"
    return f"{entry.state}: {entry.message}" if says_more else entry.state


class JobListModel(QAbstractListModel):
    """The queue's jobs in queue order, one row each; it follows the JobQueue's signals."""

    def __init__(self, queue: JobQueue) -> None:
        super().__init__()
        self.queue = queue
        self.ids: list[int] = list(queue.order)
        self._rows: dict[int, int] | None = None  # job id -> row, rebuilt after a change
        queue.added.connect(self._added)
        queue.removed.connect(self._removed)
        queue.changed.connect(self._changed)
        queue.reordered.connect(self._reordered)
        queue.reset.connect(self._reset)

    def row_of(self, job_id: int) -> int | None:
        if self._rows is None:
            self._rows = {j: i for i, j in enumerate(self.ids)}
        return self._rows.get(job_id)

    def entry(self, index: QModelIndex | QPersistentModelIndex) -> QueuedJob | None:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        return self.queue.entries.get(self.ids[index.row()])

    # --- the model interface ---------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.ids)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        entry = self.entry(index)
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return title_of(entry)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.job.prompt}\n{status_of(entry)}\n(drag to reorder the queue)"
        if role == JOB_ID_ROLE:
            return entry.id
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and not self.queue.read_only:
            base |= Qt.ItemFlag.ItemIsDragEnabled
        return base

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [JOB_MIME]

    def mimeData(self, indexes: Any) -> QMimeData:  # noqa: N802
        entry = self.entry(indexes[0]) if indexes else None
        return job_mime(entry.id if entry else -1)

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    # --- following the queue -----------------------------------------------------------------
    def _added(self, job_id: int) -> None:
        n = len(self.ids)
        self.beginInsertRows(QModelIndex(), n, n)
        self.ids.append(job_id)
        if self._rows is not None:
            self._rows[job_id] = n
        self.endInsertRows()
        if self.queue.order[-1:] != [job_id]:  # added somewhere other than the end
            self._reordered()

    def _removed(self, job_id: int) -> None:
        row = self.row_of(job_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.ids[row]
        self._rows = None
        self.endRemoveRows()

    def _changed(self, job_id: int) -> None:
        row = self.row_of(job_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def _reordered(self) -> None:
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        before = [self.ids[i.row()] for i in old]
        self.ids = [j for j in self.queue.order if j in self.queue.entries]
        self._rows = None
        self.changePersistentIndexList(old, [self.index(self.row_of(j) or 0) for j in before])
        self.layoutChanged.emit()

    def _reset(self) -> None:
        self.beginResetModel()
        self.ids = list(self.queue.order)
        self._rows = None
        self.endResetModel()


class JobDelegate(QStyledItemDelegate):
    """Paints a job row (preview, title, progress bar, status, buttons) and turns a click on
    one of its buttons into the button's action."""

    clicked = Signal(int, str)  # job id, button key

    def __init__(self, view: JobListView) -> None:
        super().__init__(view)
        self.view = view
        self._pixmaps: dict[int, tuple[int, QPixmap]] = {}  # job id -> (frame id, pixmap)
        self._widths: dict[str, int] = {}

    def row_height(self) -> int:
        fh = self.view.fontMetrics().height()
        return max(PREVIEW_PX, fh * (TITLE_LINES + 1) + BAR_H + BUTTON_H + 6) + 2 * MARGIN

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:  # noqa: N802
        return QSize(max(200, self.view.viewport().width()), self.row_height())

    def buttons_for(self, entry: QueuedJob) -> tuple[str, ...]:
        if self.view.queue.read_only:
            return ("record",)
        return BUTTONS.get(entry.state, ())

    def layout(self, rect: QRect, entry: QueuedJob) -> dict[str, QRect]:
        """Where each part of a row goes (keys: preview, title, bar, status, button:KEY)."""
        fm = self.view.fontMetrics()
        fh = fm.height()
        top = rect.top() + MARGIN
        left = rect.left() + MARGIN
        x = left + PREVIEW_PX + 2 * MARGIN
        width = max(40, rect.right() - MARGIN - x)
        th = fh * TITLE_LINES
        parts = {
            "preview": QRect(
                left, top + (rect.height() - 2 * MARGIN - PREVIEW_PX) // 2, PREVIEW_PX, PREVIEW_PX
            ),
            "title": QRect(x, top, width, th),
            "bar": QRect(x, top + th + 2, width, BAR_H),
            "status": QRect(x, top + th + BAR_H + 4, width, fh),
        }
        bx, by = x, top + th + fh + BAR_H + 6
        for key in self.buttons_for(entry):
            if key not in self._widths:
                self._widths[key] = fm.horizontalAdvance(BUTTON_TEXT[key]) + 14
            parts[f"button:{key}"] = QRect(bx, by, self._widths[key], BUTTON_H)
            bx += self._widths[key] + 3
        return parts

    def button_enabled(self, entry: QueuedJob, key: str) -> bool:
        return not (key == "cancel" and entry.token is not None and entry.token.is_set())

    def _preview(self, entry: QueuedJob) -> QPixmap | None:
        frame = entry.picture()
        if frame is None:
            return None
        cached = self._pixmaps.get(entry.id)
        if cached is None or cached[0] != id(frame):
            pix = QPixmap.fromImage(to_qimage(frame)).scaled(
                PREVIEW_PX,
                PREVIEW_PX,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            cached = self._pixmaps[entry.id] = (id(frame), pix)
        return cached[1]

    def forget(self, job_id: int) -> None:
        self._pixmaps.pop(job_id, None)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        model = index.model()
        entry = model.entry(index) if isinstance(model, JobListModel) else None
        if entry is None:
            return
        style = self.view.style()
        rect = option.rect
        state = option.state
        painter.save()
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, option.palette.color(QPalette.ColorRole.Highlight).darker(160))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor(255, 255, 255, 14))
        parts = self.layout(rect, entry)
        painter.fillRect(parts["preview"], QColor("#111"))
        pix = self._preview(entry)
        if pix is not None:
            p = parts["preview"]
            painter.drawPixmap(
                p.left() + (p.width() - pix.width()) // 2,
                p.top() + (p.height() - pix.height()) // 2,
                pix,
            )
        fm = self.view.fontMetrics()
        text = option.palette.color(QPalette.ColorRole.Text)
        painter.setPen(text)
        elide = Qt.TextElideMode.ElideRight
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        t = parts["title"]
        # Wrapped over TITLE_LINES lines; what does not fit is elided (the tooltip has it all).
        fitted = fm.elidedText(
            title_of(entry), elide, t.width() * TITLE_LINES - fm.averageCharWidth() * 6
        )
        painter.drawText(t, flags | int(Qt.TextFlag.TextWordWrap), fitted)
        bar = QStyleOptionProgressBar()
        bar.rect = parts["bar"]
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(min(1.0, max(0.0, entry.fraction)) * 1000)
        bar.text = f"{bar.progress // 10}%"
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = self.view.row_palette
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, self.view)
        s = parts["status"]
        color = STATE_COLORS.get(entry.state)
        painter.setPen(QColor(color) if color else text)
        painter.drawText(s, flags, fm.elidedText(status_of(entry), elide, s.width()))
        hover = self.view.hover_pos
        for key in self.buttons_for(entry):
            b = QStyleOptionButton()
            b.rect = parts[f"button:{key}"]
            b.text = BUTTON_TEXT[key]
            b.palette = option.palette
            b.fontMetrics = fm
            bstate = QStyle.StateFlag.State_Raised
            if self.button_enabled(entry, key):
                bstate |= QStyle.StateFlag.State_Enabled
                if hover is not None and b.rect.contains(hover):
                    bstate |= QStyle.StateFlag.State_MouseOver
            b.state = bstate
            style.drawControl(QStyle.ControlElement.CE_PushButton, b, painter, self.view)
        painter.restore()

    def button_at(self, index: Any, pos: QPoint) -> str | None:
        """The key of the button of `index`'s row under `pos` (viewport coordinates)."""
        model = index.model()
        entry = model.entry(index) if isinstance(model, JobListModel) else None
        if entry is None:
            return None
        for name, r in self.layout(self.view.visualRect(index), entry).items():
            if name.startswith("button:") and r.contains(pos):
                key = name.split(":", 1)[1]
                return key if self.button_enabled(entry, key) else None
        return None

    def editorEvent(self, event: QEvent, model: Any, option: Any, index: Any) -> bool:  # noqa: N802
        if not isinstance(event, QMouseEvent) or event.button() != Qt.MouseButton.LeftButton:
            return False
        key = self.button_at(index, event.position().toPoint())
        if key is None:
            return False
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.clicked.emit(index.data(JOB_ID_ROLE), key)
        return True  # a press on a button selects nothing and starts no drag

    def helpEvent(self, event: Any, view: Any, option: Any, index: Any) -> bool:  # noqa: N802
        key = self.button_at(index, event.pos())
        if key is not None and key in BUTTON_TIPS:
            from PySide6.QtWidgets import QToolTip

            QToolTip.showText(event.globalPos(), BUTTON_TIPS[key], view)
            return True
        return super().helpEvent(event, view, option, index)


class JobListView(QListView):
    """The list: uniform rows, drag a row to move its job; a drop moves the job to where it
    lands (JobsPanel.drop_at)."""

    def __init__(self, panel: JobsPanel) -> None:
        super().__init__()
        self.panel, self.queue = panel, panel.queue
        self.hover_pos: QPoint | None = None
        # Rows sit on the window colour, as the panel's widgets did, so that a progress bar's
        # groove (drawn in the base colour) shows; the bars keep the untouched palette.
        self.row_palette = QPalette(self.palette())
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
        self.setPalette(palette)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(not self.queue.read_only)
        self.setAcceptDrops(not self.queue.read_only)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDropIndicatorShown(True)
        self.setMouseTracking(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        before = self.hover_pos
        self.hover_pos = e.position().toPoint()
        for p in (before, self.hover_pos):  # the button under the mouse, and the one it left
            index = self.indexAt(p) if p is not None else QModelIndex()
            if index.isValid():
                self.viewport().update(self.visualRect(index))
        super().mouseMoveEvent(e)

    def leaveEvent(self, e: QEvent) -> None:  # noqa: N802
        self.hover_pos = None
        self.viewport().update()
        super().leaveEvent(e)

    def startDrag(self, supported: Qt.DropAction) -> None:  # noqa: N802
        index = self.currentIndex()
        job_id = index.data(JOB_ID_ROLE) if index.isValid() else None
        if job_id is None:
            return
        drag = QDrag(self)
        drag.setMimeData(job_mime(job_id))
        rect = self.visualRect(index)
        drag.setPixmap(self.viewport().grab(rect).scaledToWidth(min(240, max(1, rect.width()))))
        drag.exec(Qt.DropAction.MoveAction)  # the drop moves the job; no row is removed here

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.mimeData().hasFormat(JOB_MIME):
            e.acceptProposedAction()

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:  # noqa: N802
        if e.mimeData().hasFormat(JOB_MIME):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        job_id = _mime_job(e.mimeData())
        if job_id is None:
            return
        self.panel.drop_at(job_id, e.position().y())
        e.acceptProposedAction()


class JobsPanel(QWidget):
    edit_requested = Signal(int)  # a queued job's settings should go to the prompt panel
    variations_requested = Signal()

    def __init__(self, queue: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self._problem = ""  # what opening the queue file said (shown with the notices)
        self.pause = QToolButton()
        self.pause.setCheckable(True)
        self.pause.toggled.connect(queue.set_paused)
        self.pause.setEnabled(not queue.read_only)
        self.variations = QToolButton()
        self.variations.setText("Queue variations...")
        self.variations.setToolTip(
            "queue the prompt panel's job over several seeds, guidance "
            "values, ... (as `lumiere-studio batch --sweep`)"
        )
        self.variations.clicked.connect(self.variations_requested)
        self.variations.setEnabled(not queue.read_only)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color:#e5c07b")
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(self.pause)
        bar.addWidget(self.variations)
        bar.addStretch(1)
        self.model = JobListModel(queue)
        self.list = JobListView(self)
        self.list.setModel(self.model)
        self.delegate = JobDelegate(self.list)
        self.list.setItemDelegate(self.delegate)
        self.delegate.clicked.connect(self.trigger)
        # The same actions from a menu: right click, or the Menu key on the selected row (the
        # painted buttons take no keyboard focus).
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.empty = QLabel("No jobs yet. Write a prompt and press Generate (Ctrl+G).")
        self.empty.setWordWrap(True)
        self.empty.setContentsMargins(8, 8, 8, 8)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.pages = QStackedWidget()  # the hint while empty, else the list (one at a time)
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.pages, 1)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(self._update_empty)
        queue.changed.connect(self._changed)
        queue.removed.connect(self.delegate.forget)
        queue.paused_changed.connect(lambda _p: self._update_queue_bar())
        queue.store_problem_changed.connect(lambda _t: self._update_queue_bar())
        queue.reset.connect(self._update_queue_bar)
        self._update_empty()
        self._update_queue_bar()

    # --- what tests and other code ask of the panel ------------------------------------------
    def ordered_rows(self) -> list[int]:
        """Job ids top to bottom as shown."""
        return list(self.model.ids)

    def index_of(self, job_id: int) -> QModelIndex:
        row = self.model.row_of(job_id)
        return self.model.index(row) if row is not None else QModelIndex()

    def row_rect(self, job_id: int) -> QRect:
        """Where a job's row is, in the list's viewport."""
        return self.list.visualRect(self.index_of(job_id))

    def shown_buttons(self, job_id: int) -> tuple[str, ...]:
        entry = self.queue.entries.get(job_id)
        return self.delegate.buttons_for(entry) if entry else ()

    def button_rect(self, job_id: int, key: str) -> QRect:
        entry = self.queue.entries[job_id]
        return self.delegate.layout(self.row_rect(job_id), entry)[f"button:{key}"]

    def status_text(self, job_id: int) -> str:
        return status_of(self.queue.entries[job_id])

    def preview_pixmap(self, job_id: int) -> QPixmap | None:
        entry = self.queue.entries.get(job_id)
        return self.delegate._preview(entry) if entry else None

    # --- actions ---------------------------------------------------------------------------
    def trigger(self, job_id: int, key: str) -> None:
        """A row's button was pressed."""
        q = self.queue
        if q.read_only and key != "record":
            return
        actions = {
            "cancel": lambda: q.cancel(job_id),
            "retry": lambda: q.retry(job_id),
            "resume": lambda: q.resume(job_id),
            "edit": lambda: self.edit_requested.emit(job_id),
            "new_seed": lambda: q.duplicate(job_id),
            "record": lambda: self.show_record(job_id),
            "remove": lambda: q.remove(job_id),
        }
        actions[key]()

    def menu_for(self, job_id: int) -> QMenu:
        """A row's buttons as a menu (disabled where the button is)."""
        menu = QMenu(self)
        entry = self.queue.entries[job_id]
        for key in self.shown_buttons(job_id):
            action = menu.addAction(BUTTON_TEXT[key])
            action.setEnabled(self.delegate.button_enabled(entry, key))
            action.triggered.connect(lambda _=False, k=key: self.trigger(job_id, k))
        return menu

    def _menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():
            index = self.list.currentIndex()
            pos = self.list.visualRect(index).center()
        job_id = index.data(JOB_ID_ROLE) if index.isValid() else None
        if job_id in self.queue.entries:
            self.menu_for(job_id).exec(self.list.viewport().mapToGlobal(pos))

    def show_notice(self, text: str) -> None:
        """A message about the queue file (from opening it), shown with the queue's own."""
        self._problem = text
        self._update_queue_bar()

    def _set_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _update_empty(self) -> None:
        self.pages.setCurrentWidget(self.list if self.model.ids else self.empty)

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
        if paused and self.queue.restored and not self.queue.read_only:
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
        parts = [self._problem, self.queue.store_problem, text.strip()]
        self._set_notice(" ".join(p for p in parts if p))

    def drop_at(self, job_id: int, y: float) -> None:
        """Move `job_id` to the place in the queue where it was dropped (y in the list's
        viewport): before the row whose middle is below y."""
        if job_id not in self.queue.entries or self.queue.read_only:
            return
        others = [j for j in self.model.ids if j != job_id]
        index = self.list.indexAt(QPoint(MARGIN, int(y)))
        if not index.isValid():
            last = self.model.index(len(self.model.ids) - 1)
            below = last.isValid() and y > self.list.visualRect(last).bottom()
            self.queue.move(job_id, len(others) if below else 0)
            return
        target = self.model.ids[index.row()]
        if target == job_id:
            return
        after = y > self.list.visualRect(index).center().y()
        self.queue.move(job_id, others.index(target) + (1 if after else 0))

    def _changed(self, job_id: int) -> None:
        self._update_queue_bar()

    def show_record(self, job_id: int) -> Any:
        from lumiere_studio.ui.job_record import JobRecordDialog

        dialog = JobRecordDialog(self.queue.record(job_id), self)
        dialog.show()
        return dialog
