"""Temporary files and folders beside a target, for atomic writes (write the temp, then rename
it over the target). They get the mode anything new gets (0666 / 0777 less the umask), not the
owner-only 0600 / 0700 of `tempfile.mkstemp` / `mkdtemp`: the renamed result is what the user
keeps, and an export that other accounts on a shared folder cannot read is a surprise."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def _create_new(path: Path, prefix: str, suffix: str, make: Callable[[Path], None]) -> Path:
    for _ in range(100):
        candidate = path.parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            make(candidate)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"no free temporary name beside {path}")


def _new_file(candidate: Path) -> None:
    os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


def create_temp_beside(path: Path, prefix: str, suffix: str = ".tmp") -> Path:
    """Create an empty new file `prefix` + random + `suffix` in path's folder and return it."""
    return _create_new(path, prefix, suffix, _new_file)


def create_temp_dir_beside(path: Path, prefix: str, suffix: str = ".tmp") -> Path:
    """Create an empty new folder `prefix` + random + `suffix` in path's folder."""
    return _create_new(path, prefix, suffix, lambda candidate: candidate.mkdir(0o777))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over
    `path`: a crash leaves either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = create_temp_beside(path, f".{path.name}.")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
