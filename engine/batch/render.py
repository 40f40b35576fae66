"""One job to one output file, as a plain record: what every batch worker (a local process, a
Ray actor) and the app's engine thread run, so that they all write files and report failures
the same way. A failure is a status and a message, never an exception: the batch goes on."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import LumiereError

if TYPE_CHECKING:
    import torch

    from engine.jobs import Job, Progress
    from engine.media.sealing import SignOptions
    from engine.pipeline import Engine

# One finished job as the batch logs and the app read it (JSON-ready; keys in render_job).
Record = dict[str, Any]
# One job handed to a pool: {"key", "job" (JSON), "output", "attempt"}; its result is the task
# with its Record merged in.
Task = dict[str, Any]

DONE, FAILED, CANCELLED = "done", "failed", "cancelled"


def plain_error(error: BaseException) -> str:
    """A message a user can act on: known errors as they are, out-of-memory as what to lower,
    anything else with its type so it can be reported."""
    from engine.devices import is_out_of_memory

    if is_out_of_memory(error):
        return "out of memory: lower the frame count or the size, or run on the CPU"
    known = (LumiereError, OSError, ValueError)  # every engine error explains itself
    if isinstance(error, known):
        return str(error)
    return f"unexpected error: {type(error).__name__}: {error}"


def peak_memory_mib(device: torch.device | None) -> tuple[float, str]:
    """(peak MiB, what was measured): allocated CUDA memory of this job where there is a GPU,
    else the process's peak resident memory since it started."""
    import torch

    if device is not None and device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, "cuda allocated, this job"
    try:
        import resource
    except ImportError:  # Windows
        return 0.0, "not measured"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return rss * scale / 2**20, "process peak RSS"


def _reset_peak(device: torch.device | None) -> None:
    import torch

    if device is not None and device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def _free_device_memory(device: torch.device | None) -> None:
    import torch

    if device is not None and device.type == "cuda":
        torch.cuda.empty_cache()  # after an OOM the next job starts from a clean cache


def render_job(
    engine: Engine,
    job: Job,
    output: Path,
    cancel: Callable[[], bool] = lambda: False,
    on_progress: Callable[[Progress], None] | None = None,
    sign: SignOptions | None = None,
) -> Record:
    """Run `job` on `engine` and write it to `output` (atomically, replacing what is there),
    signed with `sign` (engine.media.sealing.SignOptions; None: the default identity).
    Returns {"status", "seconds", "error", "sha256", "model_name", "model_hash", "notes",
    "fps", "device", "peak_memory_mib", "peak_memory_kind", "cpu_seconds"}."""
    from engine.devices import pick_device
    from engine.errors import Cancelled
    from engine.media.provenance import sha256_file
    from engine.outputs import save_result

    t0, cpu0 = time.monotonic(), time.process_time()
    record: Record = {"status": FAILED, "error": "", "device": job.device}
    device: torch.device | None = None
    try:
        device = pick_device(job.device)  # what the engine will pick (its load reports progress)
        record["device"] = str(device)
        _reset_peak(device)
        result = engine.run(job, on_progress=on_progress, cancel=cancel)
        if cancel():
            raise Cancelled()
        path = save_result(result, output, force=True, cancel=cancel, sign=sign)
        record.update(
            status=DONE,
            sha256=sha256_file(path),
            model_name=result.model_name,
            model_hash=result.model_hash,
            notes=list(result.notes),
            fps=result.fps,
        )
    except Cancelled:
        record.update(status=CANCELLED, error="cancelled")
    except Exception as e:  # a job's failure is its record; the worker goes on
        record["error"] = plain_error(e)
        if record["error"].startswith("unexpected error"):
            traceback.print_exc()  # worth a bug report: keep where it happened
        _free_device_memory(device)
    record["seconds"] = round(time.monotonic() - t0, 3)
    # CPU time of this process for the job: on a shared machine, the work a job took.
    record["cpu_seconds"] = round(time.process_time() - cpu0, 3)
    record["peak_memory_mib"], record["peak_memory_kind"] = peak_memory_mib(device)
    record["peak_memory_mib"] = round(record["peak_memory_mib"], 1)
    return record
