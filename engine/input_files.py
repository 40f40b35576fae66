"""Opening the files the program reads as input (timelines, projects, job files, model
configs and weights, masks): the one place that checks what a name really is.

A name someone sent may be a FIFO (a reader blocks forever waiting for a writer), a device
such as /dev/zero (a reader never reaches the end) or a file far larger than its kind can
be. So every such file is opened here without blocking (O_NONBLOCK: a FIFO opens at once),
must then be a regular file and at most the size its kind allows, and is read at most that
far even if it grows meanwhile. Media goes through engine.media.open_file, which resolves the
name and applies the same rule (`check_stat`) before FFmpeg sees it. No Qt here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from engine.errors import LumiereError

MB = 1 << 20
# The most bytes a file of each kind may hold: far above any the program writes, far below
# what would exhaust memory.
LIMITS = {
    "timeline": 256 * MB,  # an OTIO file of 100,000 clips is about 150 MB
    "project": 64 * MB,  # engine.project_schema.MAX_DOC_BYTES: 100,000 clips as Save writes them
    "jobs": 64 * MB,  # a batch's JSONL: 10,000 jobs are about 10 MB
    "job": 1 * MB,
    "model config": 1 * MB,  # engine.model_checks.MAX_CONFIG_BYTES
    "weights": 64 << 30,
    "mask": 64 * MB,  # a 16384-pixel-square mask PNG of noise is about this size
    "media": 1 << 40,  # videos are streamed, never read whole: only the kind of file matters
}


class InputFileError(LumiereError, OSError):
    """An input that is not a readable regular file of a sane size; the message says why."""


def _size(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n} bytes"


@contextmanager
def open_input(path: Path | str, kind: str) -> Iterator[BinaryIO]:
    """`path` opened for reading after checking that it is a regular file of at most
    LIMITS[kind] bytes; raises InputFileError naming the file and the reason."""
    label = f"the {kind} file {path}"
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputFileError(f"{label} does not exist") from None
    except PermissionError:
        raise InputFileError(f"{label} cannot be read (permission denied)") from None
    except OSError as e:  # a loop of links, a name too long, a device that refuses
        raise InputFileError(f"{label} cannot be opened: {e.strerror or e}") from None
    try:
        check_stat(os.fstat(fd), label, kind)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        yield f


def check_stat(info: os.stat_result, label: str, kind: str) -> None:
    """Raise InputFileError unless `info` is a regular file of at most LIMITS[kind] bytes;
    `label` names the file in the message. The rule every input, media included, follows."""
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(f"{label} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(
            f"{label} is not a regular file (a pipe, device or socket); only files are read"
        )
    if info.st_size > LIMITS[kind]:
        raise InputFileError(
            f"{label} is {_size(info.st_size)}; a {kind} file is at most {_size(LIMITS[kind])}"
        )


def read_input(path: Path | str, kind: str) -> bytes:
    """The bytes of an input file, checked as `open_input` does and never more than its
    kind's limit (a file that grows past it while being read is refused)."""
    limit = LIMITS[kind]
    with open_input(path, kind) as f:
        try:
            data = f.read(limit + 1)
        except OSError as e:
            raise InputFileError(f"the {kind} file {path} could not be read: {e}") from None
    if len(data) > limit:
        raise InputFileError(f"the {kind} file {path} grew past {_size(limit)} while read")
    return data


def check_input(path: Path | str, kind: str) -> None:
    """Raise InputFileError unless `path` passes `open_input` (for readers that must be given
    the name, such as a library's own file reader)."""
    with open_input(path, kind):
        pass
