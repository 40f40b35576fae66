"""What a pool (local.py, ray_pool.py) is handed and what it gives back: a `Task` is one
attempt at one batch job, a `TaskResult` that attempt's `RunResult` (engine/run.py) with the
worker that ran it. Both are frozen and picklable: they cross process and Ray boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.run import RunResult


@dataclass(frozen=True)
class Task:
    key: str  # the output's name in the batch folder: how the runner finds its item
    job: str  # the Job as JSON (plain text crosses any process boundary)
    output: str  # where the file goes
    attempt: int = 1

    def failed(self, error: str, worker: int | None = None) -> TaskResult:
        """This attempt ended before the job ran (a lost worker, a dead actor)."""
        return TaskResult(self, RunResult.failure(error, path=self.output), worker)

    def cancelled(self, worker: int | None = None) -> TaskResult:
        return TaskResult(self, RunResult.cancelled(path=self.output), worker)


@dataclass(frozen=True)
class TaskResult:
    task: Task
    run: RunResult
    worker: int | None = None  # which worker of the pool ran it (None: none did)

    @property
    def output(self) -> Path:
        return Path(self.task.output)
