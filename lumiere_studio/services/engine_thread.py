"""The engine thread: one `EngineWorker`, run on a Worker thread, owns the engine session and
its loaded model; a `JobQueue` on the GUI thread feeds it one job at a time.

The queue is durable: every job is written to a QueueStore (SQLite) before it runs, and every
change of state after. After a crash the next launch finds the queue as it was: the job that
was running is marked interrupted (Resume runs it again from the start) and the queue starts
paused while it holds restored jobs, so they run only when the user resumes it.

Torch is imported and run only on the worker thread (engine.api.EngineSession). Cancel is a
CancelToken per job that the GUI sets directly (the worker is busy inside a job, so a queued
signal would arrive too late); the engine checks it between denoising steps.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.api import (
    CancelToken,
    EngineSession,
    Event,
    Finished,
    Job,
    JobCancelled,
    Progress,
    SignOptions,
)
from lumiere_studio.model.durations import spoken
from lumiere_studio.model.queue_store import (
    CANCELLED,
    DONE,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    QueueStore,
    QueueStoreError,
    StoredJob,
    default_queue_path,
    thumbnail_frame,
    thumbnail_png,
)
from lumiere_studio.services.worker import Worker

__all__ = ["CANCELLED", "DONE", "FAILED", "INTERRUPTED", "QUEUED", "RUNNING", "JobQueue"]
PROGRESS_WRITE_S = 0.5  # progress reaches the queue file at most this often per job
THUMBNAIL_WRITE_S = 2.0
STAGE_LABELS = {
    "load": "loading model",
    "base": "base model",
    "ssr": "super-resolution",
    "write": "writing",
}
CLOSED_MESSAGE = "the app was closed while this job ran; Resume runs it again from the start"


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
    result: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    cancel: CancelToken = field(default_factory=CancelToken)

    @classmethod
    def from_stored(cls, s: StoredJob) -> JobEntry:
        return cls(
            s.id,
            s.job,
            s.output,
            s.state,
            s.stage,
            s.step,
            s.total,
            thumbnail_frame(s.thumbnail),
            s.message,
            s.result,
            s.created,
            s.started,
            s.finished,
        )

    @property
    def fraction(self) -> float:
        if self.state == DONE:
            return 1.0
        return self.step / self.total if self.total else 0.0


def sibling_output(output: Path, job: Job) -> Path:
    """A new output path beside `output` for another run of `job`."""
    return output.parent / f"gen-{job.task}-{job.seed}-{uuid.uuid4().hex[:6]}{output.suffix}"


def open_queue_store(path: Path | None = None) -> tuple[QueueStore, str]:
    """The user's queue file, or (when it cannot be used) an in-memory queue and why."""
    try:
        return QueueStore(path or default_queue_path()), ""
    except QueueStoreError as e:
        return QueueStore(":memory:"), f"{e}. This session's queue is kept in memory only."


class EngineWorker(QObject):
    """Runs on the engine thread and emits its signals there; to the GUI objects connected
    they arrive as queued calls."""

    progress = Signal(int, str, int, int, str)  # job id, stage, step, total, message
    preview = Signal(int, object)  # job id, uint8 (H, W, 3)
    finished = Signal(int, dict)  # job id, {"path", "model_name", "model_hash", "device", ...}
    failed = Signal(int, str)
    cancelled = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.session = EngineSession()  # the model loads with the first job, on this thread
        self._last_preview = 0.0

    @property
    def sign(self) -> SignOptions | None:
        """How outputs are signed (from the Preferences; None: the defaults)."""
        return self.session.sign

    @sign.setter
    def sign(self, options: SignOptions | None) -> None:
        self.session.sign = options

    def run(self, job_id: int, job_json: str, output: str, cancel: CancelToken) -> None:
        def on_event(event: Event) -> None:
            if isinstance(event, Progress):
                self.progress.emit(job_id, event.stage, event.step, event.total, event.message)
                now = time.monotonic()
                if event.preview is not None and now - self._last_preview > 0.1:
                    self._last_preview = now
                    self.preview.emit(job_id, np.ascontiguousarray(event.preview))
            elif isinstance(event, Finished):
                self.finished.emit(job_id, event.result)
            elif isinstance(event, JobCancelled):
                self.cancelled.emit(job_id)
            else:
                self.failed.emit(job_id, event.message)

        self.session.submit(Job.from_json(job_json), Path(output), cancel, on_event)


class JobQueue(QObject):
    """GUI-side queue: holds entries (mirrored in the store), starts the next queued job when
    the worker is free and the queue is not paused, relays state."""

    changed = Signal(int)  # job id
    added = Signal(int)
    removed = Signal(int)
    reordered = Signal()
    paused_changed = Signal(bool)
    job_done = Signal(int)  # a job finished and its output exists
    job_failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None, store: QueueStore | None = None) -> None:
        super().__init__(parent)
        self.store = store or QueueStore(":memory:")
        self.interrupted = self.store.recover()  # what was running when the app last stopped
        stored = self.store.jobs()
        self.entries: dict[int, JobEntry] = {s.id: JobEntry.from_stored(s) for s in stored}
        self.order: list[int] = [s.id for s in stored]
        self.restored = sum(e.state == QUEUED for e in self.entries.values())
        self._paused = self.restored > 0  # restored jobs wait until the user resumes
        self._closing = False
        self._running: int | None = None
        self._written: dict[int, float] = {}  # job id -> when its progress was last stored
        self._thumb_written: dict[int, float] = {}
        self.runner = Worker("engine", self)  # the engine thread
        self.worker = EngineWorker()
        self.worker.progress.connect(self._on_progress)
        self.worker.preview.connect(self._on_preview)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)

    def shutdown(self, wait_ms: int = 10000) -> None:
        """Stop the engine thread. Queued jobs stay queued in the store; the running one is
        stored as interrupted, so the next launch can run it again."""
        if self._closing:
            return
        self._closing = True
        running = self.running
        if running is not None:
            running.cancel.cancel()
            self.store.update(running.id, state=INTERRUPTED, message=CLOSED_MESSAGE)
        self.runner.shutdown(wait_ms)
        self.store.close()

    # --- commands ----------------------------------------------------------------------
    def submit(self, job: Job, output: Path) -> int:
        job.validate()
        stored = self.store.add(job, Path(output))  # on disk before it can run
        entry = JobEntry.from_stored(stored)
        self.entries[entry.id] = entry
        self.order.append(entry.id)
        self.added.emit(entry.id)
        self._pump()
        return entry.id

    def cancel(self, job_id: int, message: str = "cancelled") -> None:
        entry = self.entries.get(job_id)
        if entry is None:
            return
        if entry.state == RUNNING:
            entry.cancel.cancel()  # the engine stops at its next step
            entry.message = "cancelling..."
            self.changed.emit(job_id)
        elif entry.state in (QUEUED, INTERRUPTED):
            self._set(job_id, state=CANCELLED, message=message)

    def remove(self, job_id: int) -> None:
        entry = self.entries.get(job_id)
        if entry is None or entry.state == RUNNING:
            return
        self.store.remove(job_id)
        del self.entries[job_id]
        self.order.remove(job_id)
        self.removed.emit(job_id)

    def retry(self, job_id: int) -> int | None:
        entry = self.entries.get(job_id)
        if entry is None or entry.state not in (FAILED, CANCELLED, INTERRUPTED):
            return None
        return self.submit(Job.from_dict(entry.job.to_dict()), entry.output)

    def resume(self, job_id: int) -> bool:
        """Queue an interrupted (or failed, cancelled) job again in its place; it runs from
        the start (a half-done generation is not kept)."""
        entry = self.entries.get(job_id)
        if entry is None or entry.state not in (INTERRUPTED, FAILED, CANCELLED):
            return False
        entry.cancel = CancelToken()
        self._set(
            job_id,
            state=QUEUED,
            stage="",
            step=0,
            total=0,
            message="queued again",
            started=None,
            finished=None,
        )
        self._pump()
        return True

    def duplicate(self, job_id: int, seed: int | None = None) -> int | None:
        """Queue a copy of a job with a new seed (random unless given)."""
        entry = self.entries.get(job_id)
        if entry is None:
            return None
        seed = random.randrange(2**31) if seed is None else seed
        job = replace(entry.job, seed=seed)
        return self.submit(job, sibling_output(entry.output, job))

    def move(self, job_id: int, index: int) -> None:
        """Put a job at `index` in the queue order (the next to run is the first queued)."""
        if job_id not in self.entries:
            return
        self.order.remove(job_id)
        self.order.insert(max(0, min(index, len(self.order))), job_id)
        self.store.reorder(self.order)
        self.reordered.emit()

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        """A paused queue finishes the running job and starts no new one."""
        if paused == self._paused:
            return
        self._paused = paused
        if not paused:
            self.restored = 0
        self.paused_changed.emit(paused)
        self._pump()

    @property
    def running(self) -> JobEntry | None:
        return self.entries.get(self._running) if self._running else None

    def record(self, job_id: int) -> dict[str, Any]:
        """Everything known about a job: its JSON, output, state, times, model, device and
        peak memory."""
        e = self.entries[job_id]

        def stamp(t: float | None) -> str | None:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else None

        r = e.result
        return {
            "id": e.id,
            "state": e.state,
            "message": e.message,
            "output": str(e.output),
            "queued_at": stamp(e.created),
            "started_at": stamp(e.started),
            "finished_at": stamp(e.finished),
            "seconds": r.get("seconds"),
            "model_name": r.get("model_name"),
            "model_hash": r.get("model_hash"),
            "device": r.get("device"),
            "peak_memory_mib": r.get("peak_memory_mib"),
            "peak_memory_kind": r.get("peak_memory_kind"),
            "sha256": r.get("sha256"),
            "notes": r.get("notes", []),
            "job": e.job.to_dict(),
        }

    def _pump(self) -> None:
        if self._running is not None or self._paused or self._closing:
            return
        for jid in self.order:
            entry = self.entries[jid]
            if entry.state == QUEUED:
                self._running = entry.id
                self._set(jid, state=RUNNING, message="starting", started=time.time())
                run = partial(
                    self.worker.run, entry.id, entry.job.to_json(), str(entry.output), entry.cancel
                )
                self.runner.submit(run)
                return

    # --- worker replies ----------------------------------------------------------------
    def _set(self, job_id: int, store: bool = True, **values: Any) -> JobEntry | None:
        """Change an entry, write the change to the store, tell the views."""
        entry = self.entries.get(job_id)
        if entry is None or self._closing:
            return None
        for k, v in values.items():
            setattr(entry, k, v)
        if store:
            self.store.update(job_id, **{k: v for k, v in values.items() if k != "preview"})
            self._written[job_id] = time.monotonic()
        self.changed.emit(job_id)
        return entry

    def _on_progress(self, job_id: int, stage: str, step: int, total: int, message: str) -> None:
        entry = self.entries.get(job_id)
        if entry is None or entry.cancel.is_set():
            return
        due = time.monotonic() - self._written.get(job_id, 0.0) > PROGRESS_WRITE_S
        label = STAGE_LABELS.get(stage, stage)
        self._set(
            job_id,
            store=due or stage != entry.stage,
            stage=stage,
            step=step,
            total=total,
            message=message or f"{label} {step}/{total}",
        )

    def _on_preview(self, job_id: int, frame: np.ndarray) -> None:
        entry = self._set(job_id, store=False, preview=frame)
        now = time.monotonic()
        if entry is not None and now - self._thumb_written.get(job_id, 0.0) > THUMBNAIL_WRITE_S:
            self._thumb_written[job_id] = now
            self.store.update(job_id, thumbnail=thumbnail_png(frame))

    def _finish(self, job_id: int) -> None:
        if self._running == job_id:
            self._running = None
        self._pump()

    def _final(self, job_id: int, **values: Any) -> None:
        entry = self.entries.get(job_id)
        if entry is not None and entry.preview is not None:
            values["thumbnail"] = thumbnail_png(entry.preview)
        self._set(job_id, finished=time.time(), **values)

    def _on_finished(self, job_id: int, result: dict[str, Any]) -> None:
        if self._closing:
            return
        seconds = result.get("seconds", 0.0)
        # the panel shows "<state>: <message>": "done: took 30 min 19 s"
        self._final(job_id, state=DONE, result=result, message=f"took {spoken(seconds)}")
        self.job_done.emit(job_id)
        self._finish(job_id)

    def _on_failed(self, job_id: int, message: str) -> None:
        if self._closing:
            return
        self._final(job_id, state=FAILED, message=message)
        self.job_failed.emit(job_id, message)
        self._finish(job_id)

    def _on_cancelled(self, job_id: int) -> None:
        if self._closing:
            return
        self._final(job_id, state=CANCELLED, message="cancelled")
        self._finish(job_id)
