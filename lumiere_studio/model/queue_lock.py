"""One owner per queue file: an OS lock on a small file beside the queue, held for as long as
the owning app runs.

The lock is the kernel's (flock on POSIX, msvcrt.locking on Windows), so it goes away with the
process that holds it, also after a kill -9 or a crash: there is no stale lock to clean up.
The file also records who holds it (pid, host, start time), for the message a second instance
shows. The recorded text sits after byte 0 and only byte 0 is locked, so on Windows, where a
locked range cannot be read, another process can still read who holds it.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    started: float

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.started))
        return f"Lumiere Studio (process {self.pid} on {self.host}, since {since})"


class QueueHeld(Exception):
    """Another running process owns the queue."""

    def __init__(self, path: Path, holder: Holder | None) -> None:
        self.path, self.holder = path, holder
        who = holder.describe() if holder else "another running program"
        super().__init__(f"the render queue {path} is in use by {who}")


def lock_path(queue_path: Path) -> Path:
    return queue_path.with_name(queue_path.name + ".lock")


def _try_lock(f: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        f.seek(0)
        try:
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def read_holder(queue_path: Path) -> Holder | None:
    """Who holds the queue, as its owner recorded it (None when unknown or unreadable)."""
    try:
        with Path(lock_path(queue_path)).open("rb") as f:
            f.seek(1)
            data = json.loads(f.read(4096).decode("utf-8"))
        return Holder(int(data["pid"]), str(data["host"]), float(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class QueueLock:
    """The held lock on one queue; `release()` (or the process ending) gives it up."""

    def __init__(self, queue_path: Path, f: IO[bytes]) -> None:
        self.queue_path, self._file = queue_path, f

    @classmethod
    def acquire(cls, queue_path: Path) -> QueueLock:
        """Own the queue or raise QueueHeld, at once (never waits)."""
        path = lock_path(queue_path)
        # O_NOFOLLOW: a planted link must not make us write the record through it elsewhere.
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o600)  # OSError: the caller says the folder is unusable
        f = os.fdopen(fd, "r+b", buffering=0)
        if not _try_lock(f):
            f.close()
            raise QueueHeld(queue_path, read_holder(queue_path))
        record = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        f.seek(0)
        f.truncate()
        f.write(b" " + json.dumps(record).encode())
        return cls(queue_path, f)

    @property
    def held(self) -> bool:
        return not self._file.closed

    def release(self) -> None:
        if self._file.closed:
            return
        try:  # the record goes with the lock, so a reader never names a finished process
            self._file.seek(1)
            self._file.truncate()
        except OSError:
            pass
        self._file.close()  # closing the descriptor gives the OS lock back
