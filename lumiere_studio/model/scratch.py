"""Scratch folders: where an untitled project's generations, masks and stills live (under the
system temp folder), one per app run, and what becomes of them after a crash.

Each run holds an exclusive lock on its folder's lock file for as long as it lives; the kernel
drops the lock when the process dies, however it dies, so a folder whose lock can be taken
belongs to a dead run (no pid files, no pid reuse). At start the app goes through the dead
runs' folders: one that a recovery file or the render queue still names (a clip a resumed job
made, a job's mask) is adopted, its lock kept, so that Save copies from it like from the
run's own folder; the others are deleted. Folders without a lock file (an older app's, or
one being created this instant) are left alone. No Qt here.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; folders are neither swept nor adopted
    fcntl = None  # type: ignore[assignment]

PREFIX = "lumiere-studio-"
LOCK_NAME = ".owner.lock"


def _try_lock(path: Path) -> IO[bytes] | None:
    """The lock file opened with its exclusive lock held, or None where another process
    holds it (or locks are not available here)."""
    if fcntl is None:
        return None
    try:
        handle = Path(path).open("r+b")  # noqa: SIM115  # kept open: closing it drops the lock
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


@dataclass
class Scratch:
    """The folders this run owns: its own and the dead runs' it adopted, each locked."""

    folder: Path
    adopted: list[Path] = field(default_factory=list)
    locks: list[IO[bytes]] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path | None = None) -> Scratch:
        folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
        # Locked before it gets its name: another run starting this instant never sees an
        # unlocked lock file here and takes the folder for a dead run's.
        pending = folder / f"{LOCK_NAME}.new"
        pending.touch()
        handle = _try_lock(pending)
        pending.replace(folder / LOCK_NAME)
        return cls(folder, locks=[handle] if handle else [])

    @property
    def folders(self) -> list[Path]:
        """Every folder Save may copy generated files and job files from."""
        return [self.folder, *self.adopted]

    def sweep(self, references: Iterable[str]) -> list[Path]:
        """Adopt the dead runs' folders that a string in `references` names, delete the
        other dead ones; returns the deleted folders."""
        texts = list(references)
        removed: list[Path] = []
        for folder in sorted(self.folder.parent.glob(f"{PREFIX}*")):
            if folder == self.folder or folder in self.adopted or folder.is_symlink():
                continue
            lock = folder / LOCK_NAME
            if not lock.is_file() or lock.is_symlink():
                continue
            handle = _try_lock(lock)
            if handle is None:
                continue  # its run is alive (or another new run just adopted it)
            if any(_names(text, folder) for text in texts):
                self.adopted.append(folder)
                self.locks.append(handle)
            else:
                shutil.rmtree(folder, ignore_errors=True)
                handle.close()
                removed.append(folder)
        return removed

    def remove(self) -> None:
        """A clean exit: the folders go (saving copied what the project uses), then the
        locks."""
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        for handle in self.locks:
            handle.close()
        self.locks.clear()


def _names(text: str, folder: Path) -> bool:
    """Whether `text` (a path, or a JSON document holding paths) names something in
    `folder`. mkdtemp's names have a fixed length, so one folder's name is never the start
    of another's."""
    return any(str(f) in text for f in dict.fromkeys((folder, folder.resolve())))
