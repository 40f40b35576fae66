"""The engine thread: one `EngineWorker`, run on a Worker thread, owns the engine session and
its loaded model; a `JobQueue` on the GUI thread feeds it one job at a time.

The queue is durable: every job is written to a QueueStore (SQLite) before it runs, and every
change of state after. After a crash the next launch finds the queue as it was: the job that
was running is marked interrupted (Resume runs it again from the start) and the queue starts
paused while it holds restored jobs, so they run only when the user resumes it.

One app owns a queue file at a time (QueueStore's lock). A second instance gets the choice
(`open_queue_store`'s `choose`) of showing the owner's queue read-only (re-read every few
seconds; it runs nothing and changes nothing) or a separate queue file of its own. When
another program holds the file's SQLite lock, a change is kept in memory and written when
the file is free again (the GUI never waits on it); a job not yet written does not run.

Torch is imported and run only on the worker thread (engine.api.EngineSession). Cancel is a
CancelToken per job that the GUI sets directly (the worker is busy inside a job, so a queued
signal would arrive too late); the engine checks it between denoising steps.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from engine.api import (
    CancelToken,
    EngineSession,
    Event,
    Finished,
    Job,
    JobCancelled,
    Progress,
    RunResult,
    SignOptions,
)
from lumiere_studio.model.durations import spoken
from lumiere_studio.model.queue_store import (
    CANCELLED,
    DONE,
    FAILED,
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
    QUEUED,
    RUNNING,
    QueueBusyError,
    QueuedJob,
    QueueHeld,
    QueueStore,
    QueueStoreError,
    default_queue_path,
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
UNSAVED_MESSAGE = "not yet in the queue file (another program has it locked); it runs once saved"
RETRY_MS = 1000  # how often changes kept in memory are tried again
EXIT_WAIT_S = 2.0  # at exit, how long kept changes may wait for the file to be free
RELOAD_MS = 2000  # how often a read-only queue is read again
READ_ONLY, SEPARATE = "read-only", "separate"


def sibling_output(output: Path, job: Job) -> Path:
    """A new output path beside `output` for another run of `job`."""
    return output.parent / f"gen-{job.task}-{job.seed}-{uuid.uuid4().hex[:6]}{output.suffix}"


def separate_queue_path() -> Path:
    """A fresh queue file of its own for a second instance (kept, beside the usual one)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return default_queue_path().parent / "separate" / f"queue-{stamp}-{os.getpid()}.sqlite3"


def open_queue_store(
    path: Path | None = None, choose: Callable[[QueueHeld], str] | None = None
) -> tuple[QueueStore, str]:
    """The user's queue file and what to tell the user about it ('' when nothing).

    When another instance owns it, `choose` (default: read-only) says READ_ONLY (show that
    queue, run and change nothing) or SEPARATE (a fresh queue file of this window's own).
    When it cannot be used at all, an in-memory queue, and why."""
    path = path or default_queue_path()
    try:
        store = QueueStore(path)
    except QueueHeld as held:
        if (choose(held) if choose else READ_ONLY) == SEPARATE:
            other = separate_queue_path()
            store, more = open_queue_store(other)
            return store, f"The usual {held}. This window uses a queue of its own: {other}. {more}"
        try:
            store = QueueStore(path, read_only=True)
        except QueueStoreError as e:
            return QueueStore(":memory:"), f"{e}. This session's queue is kept in memory only."
        return store, (
            f"Read-only: {held}. This window shows its jobs but runs none and cannot change "
            "them; to run jobs here, restart it and choose a separate queue."
        )
    except QueueBusyError as e:
        return QueueStore(":memory:"), (
            f"{e}. This session's queue is kept in memory only; close that program and "
            "restart Lumiere Studio to use the saved queue."
        )
    except QueueStoreError as e:
        return QueueStore(":memory:"), f"{e}. This session's queue is kept in memory only."
    return store, " ".join(store.notices)


class EngineWorker(QObject):
    """Runs on the engine thread and emits its signals there; to the GUI objects connected
    they arrive as queued calls."""

    progress = Signal(int, str, int, int, str)  # job id, stage, step, total, message
    preview = Signal(int, object)  # job id, uint8 (H, W, 3)
    finished = Signal(int, object)  # job id, RunResult
    failed = Signal(int, str, object)  # job id, message, RunResult or None (no run started)
    cancelled = Signal(int)
    warmed = Signal(str)  # "" when the model is loaded, else why it could not load

    def __init__(self) -> None:
        super().__init__()
        self.session = EngineSession()  # the model loads here, on this thread
        self._last_preview = 0.0

    @property
    def sign(self) -> SignOptions | None:
        """How outputs are signed (from the Preferences; None: the defaults)."""
        return self.session.sign

    @sign.setter
    def sign(self, options: SignOptions | None) -> None:
        self.session.sign = options

    def warm_up(self, model: str | None, device: str) -> None:
        self.warmed.emit(self.session.warm_up(model, device) or "")

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
                self.failed.emit(job_id, event.message, event.result)

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
    reset = Signal()  # every entry was read again (a read-only queue)
    store_problem_changed = Signal(str)  # '' when every change is on disk

    def __init__(self, parent: QObject | None = None, store: QueueStore | None = None) -> None:
        super().__init__(parent)
        self.store = store or QueueStore(":memory:")
        self.read_only = self.store.read_only
        self.interrupted: list[int] = []
        recover_later = False
        if not self.read_only:
            try:  # what was running when the app last stopped
                self.interrupted = self.store.recover()
            except QueueBusyError:  # another program has the file locked: mark them here
                recover_later = True
        self.entries: dict[int, QueuedJob] = {}
        self.order: list[int] = []
        if self.read_only:
            self.store.changed_elsewhere()  # what is read now is the baseline
        self._load()
        if recover_later:
            for e in self.entries.values():
                if e.state == RUNNING:
                    e.state, e.message = INTERRUPTED, INTERRUPTED_MESSAGE
                    self.interrupted.append(e.id)
        self.restored = sum(e.state == QUEUED for e in self.entries.values())
        self._paused = self.restored > 0 or self.read_only  # restored jobs wait for the user
        self._closing = False
        self.store_problem = ""
        self._pending: list[Callable[[], object]] = []  # writes kept while the file is busy
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._flush)
        if self.read_only:
            self._reload = QTimer(self)
            self._reload.setInterval(RELOAD_MS)
            self._reload.timeout.connect(self.reload)
            self._reload.start()
        if recover_later:
            self._write(self.store.recover)
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

    def _load(self) -> None:
        stored = self.store.jobs()
        self.entries = {s.id: s for s in stored}
        self.order = [s.id for s in stored]

    def reload(self) -> None:
        """Read a read-only queue again (the owner changes it while this window looks)."""
        if self._closing or not self.read_only:
            return
        t0 = time.monotonic()
        try:
            if not self.store.changed_elsewhere():
                return
            self._load()
        except Exception:  # noqa: BLE001 - the owner may be mid-write; the next read will do
            return
        # A long queue is read less often, so that reading it takes at most a tenth of the time.
        self._reload.setInterval(max(RELOAD_MS, int((time.monotonic() - t0) * 10_000)))
        self.reset.emit()

    def shutdown(self, wait_ms: int = 10000) -> None:
        """Stop the engine thread. Queued jobs stay queued in the store; the running one is
        stored as interrupted, so the next launch can run it again."""
        if self._closing:
            return
        running = self.running
        if running is not None:
            running.cancel.cancel()
            self._write(
                partial(self.store.update, running.id, state=INTERRUPTED, message=CLOSED_MESSAGE)
            )
        self._closing = True
        self._retry.stop()
        if self.read_only:
            self._reload.stop()
        self.runner.shutdown(wait_ms)
        self._flush(final=True)
        self.store.close()

    # --- writing to the store ------------------------------------------------------------
    def _write(self, change: Callable[[], object]) -> bool:
        """Write a change now, or keep it (in order, after any kept before) while another
        program holds the file; True when it is on disk."""
        if self.read_only:
            return False
        if not self._pending:
            try:
                change()
                return True
            except QueueBusyError as e:
                self._set_problem(f"{e}; changes are kept and written when it is free again")
        self._pending.append(change)
        self._retry.start()
        return False

    def _flush(self, final: bool = False) -> None:
        give_up = time.monotonic() + (EXIT_WAIT_S if final else 0.0)
        while self._pending:
            try:
                self._pending[0]()
            except QueueBusyError:
                if time.monotonic() < give_up:
                    continue  # at exit: a few more tries (each waits BUSY_TIMEOUT_S)
                if final:
                    self._spill()
                return
            self._pending.pop(0)
        self._retry.stop()
        self._set_problem("")
        self._pump()

    def _spill(self) -> None:
        """At exit with the file still locked: the jobs not yet written go to a job file
        beside the queue (`lumiere-studio batch` runs it), so none is lost."""
        from engine.api import atomic_write_bytes

        jobs = [e for e in self.entries.values() if e.unsaved]
        if not jobs or self.store.path is None:
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        spill = self.store.path.with_name(f"{self.store.path.name}.unsaved-{stamp}.jsonl")
        try:
            lines = "".join(json.dumps(e.job.to_dict(), sort_keys=True) + "\n" for e in jobs)
            atomic_write_bytes(spill, lines.encode())  # JSONL, as `batch` reads it
        except OSError as e:
            print(
                f"lumiere-studio: {len(jobs)} unsaved job(s) could not be kept: {e}",
                file=sys.stderr,
            )
            return
        print(
            f"lumiere-studio: the queue file was locked; {len(jobs)} job(s) not written "
            f"to it were kept in {spill}",
            file=sys.stderr,
        )

    def _set_problem(self, text: str) -> None:
        if text != self.store_problem:
            self.store_problem = text
            self.store_problem_changed.emit(text)

    # --- commands ----------------------------------------------------------------------
    def warm_up(self, model: str | None = None, device: str = "auto") -> None:
        """Load the model on the engine thread now, before any job asks for it (a job
        submitted meanwhile runs once it is loaded: the thread does one thing at a time)."""
        if not self._closing:
            self.runner.submit(partial(self.worker.warm_up, model, device))

    def submit(self, job: Job, output: Path) -> int:
        """Queue a job; it is on disk before it can run. While another program holds the
        queue file the job waits in memory (its row says so) and is written when it can be."""
        if self.read_only:
            raise QueueStoreError(
                "this window shows another instance's queue read-only and cannot add jobs to "
                "it; restart it and choose a separate queue to run jobs here"
            )
        job.validate()
        jid = self.store.reserve_id()
        entry = QueuedJob(jid, job, Path(output), created=time.time(), unsaved=True)
        self.entries[jid] = entry
        self.order.append(jid)

        def write() -> None:
            self.store.add(job, Path(output), job_id=jid)
            entry.unsaved = False
            if entry.message == UNSAVED_MESSAGE:
                entry.message = ""
            self.changed.emit(jid)

        if not self._write(write):
            entry.message = UNSAVED_MESSAGE
        self.added.emit(jid)
        self._pump()
        return jid

    def cancel(self, job_id: int, message: str = "cancelled") -> None:
        entry = self.entries.get(job_id)
        if entry is None or self.read_only:
            return
        if entry.state == RUNNING:
            entry.cancel.cancel()  # the engine stops at its next step
            entry.message = "cancelling..."
            self.changed.emit(job_id)
        elif entry.state in (QUEUED, INTERRUPTED):
            self._set(job_id, state=CANCELLED, message=message)

    def remove(self, job_id: int) -> None:
        entry = self.entries.get(job_id)
        if entry is None or entry.state == RUNNING or self.read_only:
            return
        self._write(partial(self.store.remove, job_id))
        del self.entries[job_id]
        self.order.remove(job_id)
        self.removed.emit(job_id)

    def retry(self, job_id: int) -> int | None:
        entry = self.entries.get(job_id)
        if entry is None or entry.state not in (FAILED, CANCELLED, INTERRUPTED) or self.read_only:
            return None
        return self.submit(Job.from_dict(entry.job.to_dict()), entry.output)

    def resume(self, job_id: int) -> bool:
        """Queue an interrupted (or failed, cancelled) job again in its place; it runs from
        the start (a half-done generation is not kept)."""
        entry = self.entries.get(job_id)
        if entry is None or entry.state not in (INTERRUPTED, FAILED, CANCELLED) or self.read_only:
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
            result=None,  # the last run's; the new run brings its own
        )
        self._pump()
        return True

    def duplicate(self, job_id: int, seed: int | None = None) -> int | None:
        """Queue a copy of a job with a new seed (random unless given)."""
        entry = self.entries.get(job_id)
        if entry is None or self.read_only:
            return None
        seed = random.randrange(2**31) if seed is None else seed
        job = replace(entry.job, seed=seed)
        return self.submit(job, sibling_output(entry.output, job))

    def move(self, job_id: int, index: int) -> None:
        """Put a job at `index` in the queue order (the next to run is the first queued)."""
        if job_id not in self.entries or self.read_only:
            return
        self.order.remove(job_id)
        self.order.insert(max(0, min(index, len(self.order))), job_id)
        self._write(partial(self.store.reorder, list(self.order)))
        self.reordered.emit()

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        """A paused queue finishes the running job and starts no new one."""
        if paused == self._paused or self.read_only:
            return
        self._paused = paused
        if not paused:
            self.restored = 0
        self.paused_changed.emit(paused)
        self._pump()

    @property
    def running(self) -> QueuedJob | None:
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
            "seconds": r.seconds if r else None,
            "model_name": r.model_name if r else None,
            "model_hash": r.model_hash if r else None,
            "device": r.device if r else None,
            "peak_memory_mib": r.peak_memory_mib if r else None,
            "peak_memory_kind": r.peak_memory_kind if r else None,
            "sha256": r.sha256 if r else None,
            "notes": list(r.notes) if r else [],
            "job": e.job.to_dict(),
        }

    def _pump(self) -> None:
        if self._running is not None or self._paused or self._closing or self.read_only:
            return
        for jid in self.order:
            entry = self.entries[jid]
            if entry.state == QUEUED and not entry.unsaved:
                self._running = entry.id
                self._set(jid, state=RUNNING, message="starting", started=time.time())
                run = partial(
                    self.worker.run, entry.id, entry.job.to_json(), str(entry.output), entry.cancel
                )
                self.runner.submit(run)
                return

    # --- worker replies ----------------------------------------------------------------
    def _set(self, job_id: int, store: bool = True, **values: Any) -> QueuedJob | None:
        """Change an entry, write the change to the store, tell the views."""
        entry = self.entries.get(job_id)
        if entry is None or self._closing:
            return None
        for k, v in values.items():
            setattr(entry, k, v)
        if store:
            fields = {k: v for k, v in values.items() if k != "preview"}
            self._write(partial(self.store.update, job_id, **fields))
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
            self._write(partial(self.store.update, job_id, thumbnail=thumbnail_png(frame)))

    def _finish(self, job_id: int) -> None:
        if self._running == job_id:
            self._running = None
        self._pump()

    def _final(self, job_id: int, **values: Any) -> None:
        entry = self.entries.get(job_id)
        if entry is not None and entry.preview is not None:
            values["thumbnail"] = thumbnail_png(entry.preview)
        self._set(job_id, finished=time.time(), **values)

    def _on_finished(self, job_id: int, result: RunResult) -> None:
        if self._closing:
            return
        # the panel shows "<state>: <message>": "done: took 30 min 19 s"
        self._final(job_id, state=DONE, result=result, message=f"took {spoken(result.seconds)}")
        self.job_done.emit(job_id)
        self._finish(job_id)

    def _on_failed(self, job_id: int, message: str, result: RunResult | None = None) -> None:
        if self._closing:
            return
        # kept: the record of a failed job says where it ran, how long and at what peak memory
        self._final(job_id, state=FAILED, message=message, result=result)
        self.job_failed.emit(job_id, message)
        self._finish(job_id)

    def _on_cancelled(self, job_id: int) -> None:
        if self._closing:
            return
        self._final(job_id, state=CANCELLED, message="cancelled")
        self._finish(job_id)
