"""The engine thread: one `EngineWorker` (a QObject moved to a QThread) owns the engine and
its loaded model; a `JobQueue` on the GUI thread feeds it one job at a time.

Torch is imported and run only on the worker thread. Cancel is a threading.Event per job that
the GUI sets directly (the worker is busy inside a job, so a queued signal would arrive too
late); the engine checks it between denoising steps.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.jobs import Job

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


@dataclass
class JobEntry:
    id: int
    job: Job
    output: Path
    state: str = QUEUED
    stage: str = ""
    step: int = 0
    total: int = 0
    preview: np.ndarray | None = None
    message: str = ""
    result: dict = field(default_factory=dict)
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def fraction(self) -> float:
        if self.state == DONE:
            return 1.0
        return self.step / self.total if self.total else 0.0


class EngineWorker(QObject):
    """Lives on the engine thread. Signals cross back to the GUI thread as queued calls."""

    progress = Signal(int, str, int, int, str)  # job id, stage, step, total, message
    preview = Signal(int, object)  # job id, uint8 (H, W, 3)
    finished = Signal(int, dict)  # job id, {"path", "model_name", "model_hash", "notes", ...}
    failed = Signal(int, str)
    cancelled = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self._engine = None
        self._last_preview = 0.0
        self.sign = None  # SignOptions from the Preferences (None: the defaults)

    @Slot(int, str, str, object)
    def run(self, job_id: int, job_json: str, output: str, cancel: threading.Event) -> None:
        try:
            from engine.checkpoints import ModelError
            from engine.diffusion.samplers import Cancelled
            from engine.jobs import JobError
            from engine.media.encode import EncodeError
            from engine.outputs import save_result
            from engine.pipeline import Engine, EngineError
        except Exception as e:  # a broken install is a message, not a dead thread
            self.failed.emit(job_id, f"the engine could not be loaded: {e}")
            return
        if self._engine is None:
            self._engine = Engine()
        job = Job.from_json(job_json)

        def on_progress(p) -> None:
            self.progress.emit(job_id, p.stage, p.step, p.total, p.message)
            now = time.monotonic()
            if p.preview is not None and now - self._last_preview > 0.1:
                self._last_preview = now
                self.preview.emit(job_id, np.ascontiguousarray(p.preview))

        try:
            result = self._engine.run(job, on_progress=on_progress, cancel=cancel)
            if cancel.is_set():
                raise Cancelled()
            self.progress.emit(job_id, "write", 0, 1, "writing")
            path = save_result(result, output, sign=self.sign)
        except Cancelled:
            self.cancelled.emit(job_id)
            return
        except (JobError, EngineError, ModelError, EncodeError, ValueError, OSError) as e:
            self.failed.emit(job_id, str(e))
            return
        except Exception as e:  # the thread must survive anything a job does
            traceback.print_exc()
            self.failed.emit(job_id, f"unexpected error: {type(e).__name__}: {e}")
            return
        self.finished.emit(job_id, {
            "path": str(path), "model_name": result.model_name, "model_hash": result.model_hash,
            "notes": list(result.notes), "seconds": result.seconds, "fps": result.fps,
        })  # fmt: skip


class JobQueue(QObject):
    """GUI-side queue: holds entries, starts the next when the worker is free, relays state."""

    changed = Signal(int)  # job id
    added = Signal(int)
    removed = Signal(int)
    job_done = Signal(int)  # a job finished and its output exists
    job_failed = Signal(int, str)
    _start = Signal(int, str, str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: dict[int, JobEntry] = {}
        self._next_id = 1
        self._running: int | None = None
        self.thread = QThread()
        self.thread.setObjectName("engine")
        self.worker = EngineWorker()
        self.worker.moveToThread(self.thread)
        self._start.connect(self.worker.run)
        self.worker.progress.connect(self._on_progress)
        self.worker.preview.connect(self._on_preview)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.thread.start()

    def shutdown(self, wait_ms: int = 10000) -> None:
        for entry in self.entries.values():
            entry.cancel.set()
        self.thread.quit()
        self.thread.wait(wait_ms)

    # --- commands ----------------------------------------------------------------------
    def submit(self, job: Job, output: Path) -> int:
        job.validate()
        entry = JobEntry(self._next_id, job, Path(output))
        self._next_id += 1
        self.entries[entry.id] = entry
        self.added.emit(entry.id)
        self._pump()
        return entry.id

    def cancel(self, job_id: int) -> None:
        entry = self.entries.get(job_id)
        if entry is None:
            return
        if entry.state == RUNNING:
            entry.cancel.set()  # the engine stops at its next step
            entry.message = "cancelling..."
            self.changed.emit(job_id)
        elif entry.state == QUEUED:
            entry.state = CANCELLED
            self.changed.emit(job_id)

    def remove(self, job_id: int) -> None:
        entry = self.entries.get(job_id)
        if entry is None or entry.state == RUNNING:
            return
        del self.entries[job_id]
        self.removed.emit(job_id)

    def retry(self, job_id: int) -> int | None:
        entry = self.entries.get(job_id)
        if entry is None or entry.state not in (FAILED, CANCELLED):
            return None
        return self.submit(Job.from_dict(entry.job.to_dict()), entry.output)

    @property
    def running(self) -> JobEntry | None:
        return self.entries.get(self._running) if self._running else None

    def _pump(self) -> None:
        if self._running is not None:
            return
        for entry in self.entries.values():
            if entry.state == QUEUED:
                entry.state = RUNNING
                entry.message = "starting"
                self._running = entry.id
                self.changed.emit(entry.id)
                self._start.emit(entry.id, entry.job.to_json(), str(entry.output), entry.cancel)
                return

    # --- worker replies ----------------------------------------------------------------
    def _update(self, job_id: int, **values) -> JobEntry | None:
        entry = self.entries.get(job_id)
        if entry is None:
            return None
        for k, v in values.items():
            setattr(entry, k, v)
        self.changed.emit(job_id)
        return entry

    def _on_progress(self, job_id: int, stage: str, step: int, total: int, message: str) -> None:
        entry = self.entries.get(job_id)
        if entry is not None and not entry.cancel.is_set():
            label = {"load": "loading model", "base": "base model", "ssr": "super-resolution",
                     "write": "writing"}.get(stage, stage)  # fmt: skip
            self._update(job_id, stage=stage, step=step, total=total,
                         message=message or f"{label} {step}/{total}")  # fmt: skip

    def _on_preview(self, job_id: int, frame) -> None:
        self._update(job_id, preview=frame)

    def _finish(self, job_id: int) -> None:
        if self._running == job_id:
            self._running = None
        self._pump()

    def _on_finished(self, job_id: int, result: dict) -> None:
        seconds = result.get("seconds", 0.0)
        self._update(job_id, state=DONE, result=result, message=f"done in {seconds:.1f} s")
        self.job_done.emit(job_id)
        self._finish(job_id)

    def _on_failed(self, job_id: int, message: str) -> None:
        self._update(job_id, state=FAILED, message=message)
        self.job_failed.emit(job_id, message)
        self._finish(job_id)

    def _on_cancelled(self, job_id: int) -> None:
        self._update(job_id, state=CANCELLED, message="cancelled")
        self._finish(job_id)
