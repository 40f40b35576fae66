"""One job to one output file: the one run path of the app's queue (through engine.api), the
batch's local and Ray workers alike, so that they all write files, measure and report failures
the same way. The run ends in a `RunResult`, a frozen record; a failure is a status and a
message in it, never an exception: a queue or a batch goes on."""

from __future__ import annotations

import hashlib
import logging
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import LumiereError

if TYPE_CHECKING:
    import torch

    from engine.jobs import Job, Progress
    from engine.media.sealing import SignOptions
    from engine.pipeline import Engine

DONE, FAILED, CANCELLED = "done", "failed", "cancelled"
STATUSES = (DONE, FAILED, CANCELLED)
log = logging.getLogger(__name__)


class ResultError(LumiereError, ValueError):
    """A stored run result (a queue row, a results line) that does not read back as one."""


@dataclass(frozen=True)
class RunResult:
    """What one run did. `path` is the output (written when `status` is done); `error` a
    message a person can act on (empty when done); `peak_memory_kind` says what
    `peak_memory_mib` measured; `cpu_seconds` is this process's CPU time for the job."""

    status: str
    path: str = ""
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    error: str = ""
    sha256: str = ""  # of the file; of a PNG folder, of its files' names and hashes
    model_name: str = ""
    model_hash: str = ""
    notes: tuple[str, ...] = ()
    fps: float | None = None
    frames: int = 0  # the written clip's frame count and size (0 where nothing was written)
    width: int = 0
    height: int = 0
    device: str = ""
    peak_memory_mib: float = 0.0
    peak_memory_kind: str = "not measured"

    @property
    def done(self) -> bool:
        return self.status == DONE

    @classmethod
    def failure(cls, error: str, path: str = "", device: str = "") -> RunResult:
        """A run that never reached the engine (a lost worker, a broken install)."""
        return cls(FAILED, path=path, error=error, device=device)

    @classmethod
    def cancelled(cls, path: str = "") -> RunResult:
        return cls(CANCELLED, path=path, error="cancelled")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the keys older queue files and results logs hold."""
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        """Read a stored result back. Keys it does not know are left out (an older record's
        extras), a missing one takes its default; a value of the wrong type is ResultError."""
        if not isinstance(data, Mapping):
            raise ResultError(f"a run result is a JSON object, not {type(data).__name__}")
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in data:
                values[f.name] = _checked(f.name, data[f.name])
        values.setdefault("status", DONE)  # a result is stored once a job is done
        return cls(**values)


_TEXT = ("status", "path", "error", "sha256", "model_name", "model_hash", "device")
_NUMBERS = ("seconds", "cpu_seconds", "peak_memory_mib")
_COUNTS = ("frames", "width", "height")


def _checked(name: str, value: Any) -> Any:
    """`value` as field `name` holds it, or ResultError."""
    if name in _TEXT and isinstance(value, str):
        if name == "status" and value not in STATUSES:
            raise ResultError(f"status must be one of {STATUSES}, got {value[:40]!r}")
        return value
    if name == "peak_memory_kind" and isinstance(value, str):
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if name in _NUMBERS and number and math.isfinite(value):
        return float(value)
    if name in _COUNTS and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if name == "fps" and (value is None or number and math.isfinite(value)):
        return value
    if name == "notes" and isinstance(value, list) and all(isinstance(n, str) for n in value):
        return tuple(value)
    raise ResultError(f"`{name}` of a run result cannot be {str(value)[:40]!r}")


def output_sha256(path: Path) -> str:
    """The SHA-256 of a written clip; for a PNG folder, of each file's name and hash in
    order, so a folder has one fingerprint as a file does."""
    from engine.media.provenance import file_hashes, sha256_file

    if not path.is_dir():
        return sha256_file(path)
    listing = "".join(f"{name}\t{digest}\n" for name, digest in file_hashes(path).items())
    return hashlib.sha256(listing.encode()).hexdigest()


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


def run_job(
    engine: Engine,
    job: Job,
    output: Path | str,
    cancel: Callable[[], bool] = lambda: False,
    on_progress: Callable[[Progress], None] | None = None,
    sign: SignOptions | None = None,
    crf: int = 18,
) -> RunResult:
    """Run `job` on `engine` (whose `run` validates it: the engine's one door) and write it to
    `output` (`DIR/` for PNG frames; atomically, replacing what is there; H.264 at quality
    `crf`), signed with `sign` (None: the default identity). Never raises for a job that
    fails: the result says how it ended."""
    from engine.devices import pick_device
    from engine.errors import Cancelled
    from engine.outputs import save_result

    t0, cpu0 = time.monotonic(), time.process_time()
    device: torch.device | None = None
    where = job.device
    done: dict[str, Any] = {}
    try:
        device = pick_device(job.device)  # what the engine will pick (its load reports progress)
        where = str(device)
        _reset_peak(device)
        result = engine.run(job, on_progress=on_progress, cancel=cancel)
        if cancel():
            raise Cancelled()
        path = save_result(result, output, force=True, crf=crf, cancel=cancel, sign=sign)
        status, error = DONE, ""
        done = {
            "sha256": output_sha256(path),
            "model_name": result.model_name,
            "model_hash": result.model_hash,
            "notes": tuple(result.notes),
            "fps": result.fps,
            "frames": int(result.frames.shape[0]),
            "height": int(result.frames.shape[1]),
            "width": int(result.frames.shape[2]),
        }
    except Cancelled:
        status, error = CANCELLED, "cancelled"
    except Exception as e:  # a job's failure is its result; the worker goes on
        from engine.tempfiles import explain_full_disk

        status, error = FAILED, plain_error(explain_full_disk(e, Path(output).parent))
        if error.startswith("unexpected error"):  # worth a bug report: keep where it happened
            log.exception("job for %s failed unexpectedly", output)
        _free_device_memory(device)
    peak, kind = peak_memory_mib(device)
    return RunResult(
        status,
        path=str(output),
        seconds=round(time.monotonic() - t0, 3),
        # CPU time of this process for the job: on a shared machine, the work a job took.
        cpu_seconds=round(time.process_time() - cpu0, 3),
        error=error,
        device=where,
        peak_memory_mib=round(peak, 1),
        peak_memory_kind=kind,
        **done,
    )
