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
