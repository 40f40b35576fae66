"""Exporting: the timeline (or its in/out range) to a file, with the signing and labelling
preferences, on a worker thread (services/export.py). The export works on a detached copy of
the timeline, so editing goes on meanwhile. No widgets: progress and outcome are signals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.api import Timeline, with_generations
from lumiere_studio.model.document import Document
from lumiere_studio.model.project import Project
from lumiere_studio.services.export import ExportWorker, start_export
from lumiere_studio.services.worker import Worker


@dataclass
class ExportRun:
    worker: ExportWorker
    thread: Worker  # the export's own thread; wait() waits for it to end
    out: Path
    total: int  # frames to write

    def cancel(self) -> None:
        self.worker.cancel.set()


class ExportController(QObject):
    error = Signal(str, str)  # title, text
    status = Signal(str, int)  # message, milliseconds
    progress = Signal(int, int)  # frames done, total
    done = Signal()  # finished or failed (a cancelled export's dialog has closed itself)

    def __init__(
        self,
        doc: Document,
        options: Callable[[], dict[str, Any]] = dict,
        parent: QObject | None = None,
    ) -> None:
        """`options()`: the preferences each export gets (sign, mark_composites)."""
        super().__init__(parent)
        self.doc, self.options = doc, options
        self.run: ExportRun | None = None

    def frame_range(self) -> tuple[int, int]:
        """(first, end) of what is exported: the in/out range, else the whole timeline."""
        p = self.doc.project
        return p.in_point or 0, p.out_point or p.timeline.duration

    def start(self, out: Path, fmt: str = "h264") -> ExportRun | None:
        tl = self.doc.project.timeline
        if not tl.duration:
            self.error.emit("Nothing to export", "The timeline is empty.")
            return None
        first, last = self.frame_range()
        base = self.doc.project.folder or Path.cwd()  # relative media paths need a folder
        worker = ExportWorker(
            detached(tl, self.doc.project), base, out, first, last, fmt, **self.options()
        )
        # Bound methods of this GUI-thread object (not lambdas), so Qt queues the calls onto
        # the GUI thread: a lambda would run on the export thread.
        worker.progress.connect(self._progress)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)
        self.run = ExportRun(worker, start_export(worker), out, last - first)
        return self.run

    def _progress(self, done: int, total: int) -> None:
        self.progress.emit(done, total)

    def _finished(self, path: str) -> None:
        self.done.emit()
        self.status.emit(f"exported {path}", 8000)

    def _failed(self, message: str) -> None:
        self.done.emit()
        self.error.emit("Export failed", message)

    def _cancelled(self) -> None:
        self.status.emit("export cancelled", 5000)


def detached(tl: Timeline, project: Project) -> Timeline:
    """A copy, so edits made during an export do not change what is being written; its clips
    carry the job and model of their generation records (labels, provenance)."""
    records = {k: r.to_dict() for k, r in project.generations.items()}
    return with_generations(tl, records)
