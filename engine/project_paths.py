"""Paths built from names that came from a file someone may have sent: a project's mask and
media ids, a job's seed in an output name, a generated clip's file name.

A name from a document must never reach the file system as a path: `../../x`, an absolute
path or a `masks/` folder that is a symlink would let a received project write or delete
files anywhere the user can. So ids match one fixed pattern (checked when a document is
read), and every path the program builds from document data goes through `path_in`, which
allows only plain names and proves the result lies inside its folder once symlinks are
resolved. No Qt here.
"""

from __future__ import annotations

import re
from pathlib import Path

from engine.errors import LumiereError

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # what new_id() makes, and more
MAX_NAME_BYTES = 255  # a file name on every file system the app writes


class OutsidePathError(LumiereError, ValueError):
    """A path built from document data that would lie outside its folder."""


def is_plain_id(value: object) -> bool:
    """Whether `value` is an id the program may build a file name from."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def is_plain_name(value: object) -> bool:
    """Whether `value` is one file name: no folder part, not `.`/`..`, no NUL, not too long."""
    if not isinstance(value, str) or value in ("", ".", ".."):
        return False
    if "/" in value or "\\" in value or "\0" in value:
        return False
    return len(value.encode("utf-8", "surrogateescape")) <= MAX_NAME_BYTES


def inside(path: Path, folder: Path) -> bool:
    """Whether `path`, with `..` and symlinks resolved, lies in `folder` (also resolved)."""
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False


def path_in(folder: Path, *names: str) -> Path:
    """`folder / names[0] / names[1]...` for plain names only, proven to lie inside `folder`
    after resolving symlinks (a `masks/` that links elsewhere, a planted link in place of
    the file). The one way a path is built from a document's data; raises OutsidePathError."""
    folder = Path(folder)
    for name in names:
        if not is_plain_name(name):
            raise OutsidePathError(f"{name!r} is not a plain file name; nothing was written")
    path = folder.joinpath(*names)
    if not inside(path, folder):
        raise OutsidePathError(
            f"{path} leads outside {folder} (through a symbolic link); nothing was written there"
        )
    return path
