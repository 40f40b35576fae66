"""The batch loop: skip what a previous run already finished (its output still has the hash
results.jsonl recorded), hand the rest to a pool, retry each failure once, and log every job's
final record as it arrives."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from engine.batch.jobfile import BatchItem
from engine.batch.results import Line, ResultsLog
from engine.batch.task import Task, TaskResult
from engine.run import CANCELLED, DONE

log = logging.getLogger(__name__)

# what results.jsonl keeps of a RunResult (its path is the line's "output", relative)
RESULT_FIELDS = (
    "status",
    "seconds",
    "cpu_seconds",
    "error",
    "sha256",
    "model_name",
    "model_hash",
    "device",
    "peak_memory_mib",
    "peak_memory_kind",
    "notes",
    "frames",
    "width",
    "height",
)


class Pool(Protocol):
    """Where jobs run (local.py, ray_pool.py): results come back in finishing order."""

    workers: int

    @property
    def pending(self) -> int: ...

    def submit(self, task: Task) -> None: ...

    def next_result(self) -> TaskResult: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class Summary:
    total: int = 0
    skipped: int = 0  # already done by an earlier run
    done: int = 0
    failed: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 130 if self.cancelled else (1 if self.failed else 0)


def run_batch(
    items: list[BatchItem],
    folder: Path,
    pool: Pool,
    retries: int = 1,
    say: Callable[[str], None] = log.info,
) -> Summary:
    """Run `items` into `folder` on `pool`; Ctrl-C (KeyboardInterrupt) cancels cleanly: running
    jobs stop at their next step, nothing partial is left at any output path, and the next run
    with the same arguments resumes."""
    folder.mkdir(parents=True, exist_ok=True)
    log = ResultsLog(folder)
    finished = log.verified_done(folder)
    summary = Summary(total=len(items))
    t0 = time.monotonic()
    by_key = {item.output: item for item in items}
    todo = [item for item in items if item.output not in finished]
    summary.skipped = len(items) - len(todo)
    if summary.skipped:
        say(f"resuming: {summary.skipped} of {len(items)} jobs already done (hash verified)")
    try:
        for item in todo:
            pool.submit(_task(item, folder, 1))
        while pool.pending:
            result = pool.next_result()
            item, run, attempt = by_key[result.task.key], result.run, result.task.attempt
            if run.status == CANCELLED:
                continue
            if run.status != DONE and attempt <= retries:
                say(f"[{item.index}] failed ({run.error}); retrying once")
                pool.submit(_task(item, folder, attempt + 1))
                continue
            log.append(_line(item, result))
            if run.done:
                summary.done += 1
            else:
                summary.failed += 1
                summary.failures.append(f"{item.output}: {run.error}")
            count = summary.done + summary.failed + summary.skipped
            say(
                f"[{count}/{len(items)}] {run.status} {item.output} in {run.seconds:.1f} s"
                + (f": {run.error}" if not run.done else "")
            )
    except KeyboardInterrupt:
        summary.cancelled = True
        say("cancelling: stopping the running jobs (no partial files are kept)...")
        pool.cancel()
    finally:
        pool.close()
    summary.seconds = time.monotonic() - t0
    return summary


def _task(item: BatchItem, folder: Path, attempt: int) -> Task:
    return Task(item.output, item.job.to_json(), str(folder / item.output), attempt)


def _line(item: BatchItem, result: TaskResult) -> Line:
    """The results.jsonl line of an item's last attempt."""
    run = result.run.to_dict()
    line: Line = {
        "index": item.index,
        "job": item.job.to_dict(),
        "output": item.output,
        "attempts": result.task.attempt,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "worker": result.worker,
    }
    line.update({k: run[k] for k in RESULT_FIELDS})
    return line
