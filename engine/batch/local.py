"""Where batch jobs run on this machine: in this process (one worker) or in N worker processes,
each of which loads the model once and keeps it for every job it takes. Torch's threads are
split between the workers, so N workers together use the cores one worker would.

Both pools take Tasks and give back each one's TaskResult (task.py) as it finishes, in
finishing order."""

from __future__ import annotations

import contextlib
import os
import queue as queue_module
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.batch.task import Task, TaskResult
from engine.run import run_job

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

    from engine.pipeline import Engine

POLL_S = 0.5  # how often a waiting side checks that the other is still alive


@dataclass(frozen=True)
class Started:
    """A worker process took a task (so a worker that dies is known to have lost it)."""

    key: str
    worker: int


def threads_per_worker(workers: int, total: int | None = None) -> int:
    import torch

    return max(1, (total or torch.get_num_threads()) // max(1, workers))


def _run_task(engine: Engine, task: Task, stop: Callable[[], bool], worker: int) -> TaskResult:
    from engine.jobs import Job

    return TaskResult(
        task, run_job(engine, Job.from_json(task.job), Path(task.output), stop), worker
    )


class InProcessPool:
    """One worker: jobs run one after another in this process (Ctrl-C lands inside the job,
    which stops at its next denoising step and leaves no output)."""

    workers = 1

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine
        self._tasks: deque[Task] = deque()
        self._cancelled = False

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def submit(self, task: Task) -> None:
        self._tasks.append(task)

    def next_result(self) -> TaskResult:
        if self._engine is None:
            from engine.pipeline import Engine

            self._engine = Engine()
        task = self._tasks.popleft()
        if self._cancelled:
            return task.cancelled()
        return _run_task(self._engine, task, lambda: self._cancelled, 0)

    def cancel(self) -> None:
        self._cancelled = True
        self._tasks.clear()

    def close(self) -> None:
        self._tasks.clear()


def _exit_with_parent(parent_pid: int) -> None:
    """End this process as soon as the batch process is gone (killed), even while it loads a
    model or is inside a step: an output is only ever renamed into place when whole, so an exit
    at any moment leaves at most a temporary file beside the target."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main(
    worker_id: int,
    threads: int,
    tasks: Queue[Task | None],
    results: Queue[Started | TaskResult],
    cancel: Event,
    parent_pid: int,
) -> None:
    """A worker process: takes tasks until it gets None, the batch is cancelled or the parent
    process is gone (killed), so that no worker outlives its batch."""
    _exit_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    import torch

    torch.set_num_threads(threads)
    from engine.pipeline import Engine

    engine = Engine()

    def stop() -> bool:
        return cancel.is_set() or os.getppid() != parent_pid

    while not stop():
        try:
            task = tasks.get(timeout=POLL_S)
        except queue_module.Empty:
            continue
        if task is None:
            break
        results.put(Started(task.key, worker_id))
        results.put(_run_task(engine, task, stop, worker_id))


class ProcessPool:
    """N worker processes fed through a task queue; results come back as they finish."""

    def __init__(self, workers: int, threads: int | None = None) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no forked torch thread pools
        self.workers = workers
        self._tasks: Queue[Task | None] = ctx.Queue()
        self._results: Queue[Started | TaskResult] = ctx.Queue()
        self._cancel = ctx.Event()
        self._submitted: dict[str, Task] = {}
        self._running: dict[int, Task] = {}  # worker id -> its task
        threads = threads or threads_per_worker(workers)
        self._procs = [
            ctx.Process(
                target=_worker_main,
                name=f"lumiere-batch-{i}",
                daemon=True,
                args=(i, threads, self._tasks, self._results, self._cancel, os.getpid()),
            )
            for i in range(workers)
        ]
        for p in self._procs:
            p.start()

    @property
    def pending(self) -> int:
        return len(self._submitted)

    def submit(self, task: Task) -> None:
        self._submitted[task.key] = task
        self._tasks.put(task)

    def _lost(self, worker_id: int, task: Task) -> TaskResult:
        code = self._procs[worker_id].exitcode
        self._submitted.pop(task.key, None)
        error = f"worker process {worker_id} ended unexpectedly (exit code {code})"
        return task.failed(error, worker_id)

    def next_result(self) -> TaskResult:
        while True:
            try:
                msg = self._results.get(timeout=POLL_S)
            except queue_module.Empty:
                for wid in list(self._running):
                    if not self._procs[wid].is_alive():
                        return self._lost(wid, self._running.pop(wid))
                if not any(p.is_alive() for p in self._procs) and self._submitted:
                    key = next(iter(self._submitted))
                    return self._lost(0, self._submitted[key])
                continue
            if isinstance(msg, Started):
                if msg.key in self._submitted:
                    self._running[msg.worker] = self._submitted[msg.key]
                continue
            if msg.worker is not None:
                self._running.pop(msg.worker, None)
            self._submitted.pop(msg.task.key, None)
            return msg

    def cancel(self) -> None:
        """Stop every worker at its next denoising step; queued tasks are dropped."""
        self._cancel.set()
        self._submitted.clear()
        deadline = time.monotonic() + 60
        # A worker exits only once what it put on the results queue is read: keep reading.
        while any(p.is_alive() for p in self._procs) and time.monotonic() < deadline:
            with contextlib.suppress(queue_module.Empty):
                self._results.get(timeout=0.2)
        for p in self._procs:
            if p.is_alive():
                p.terminate()

    def close(self) -> None:
        for _ in self._procs:
            self._tasks.put(None)
        for p in self._procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
        self._tasks.close()
        self._results.close()


def make_local_pool(workers: int, engine: Engine | None = None) -> InProcessPool | ProcessPool:
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    return InProcessPool(engine) if workers == 1 else ProcessPool(workers)
