"""The journal of a folder swap (engine.tempfiles.replace_folder): what a later run needs to
finish or undo a swap that a killed process left half done, and proof that this program
wrote it.

A folder the user receives may carry a planted aside folder (`.frames.123-ab.old/`). Acting
on what it says would let the next export delete or replace files the sender chose, so a
journal counts only when all of this holds: it names its own sibling target and the pid and
token of its aside's name; its `pending` file is a hidden temporary in the target's own
folder; the aside holds nothing else; and it carries an HMAC made with a key that only this
account can read (created once in the user's data folder), over its fields and the target
folder's real path. Anything else is unknown and is reported, never acted on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

JOURNAL_NAME = ".journal"
MAX_JOURNAL_BYTES = 4096
_ASIDE = re.compile(r"\.(.+)\.(\d+)-([0-9a-f]+)\.old")
_PENDING = re.compile(r"\..+\.(\d+)-[0-9a-f]+\.tmp")  # engine.tempfiles.create_temp_beside


@dataclass(frozen=True)
class Journal:
    pid: int
    token: str  # the random part of the aside's name
    target: str  # the target's name: always a sibling of the aside
    pending: str | None  # a hidden temporary beside the target whose rename commits the swap
    previous: bool  # whether there was an old target to keep


def token_of(aside_name: str) -> str:
    match = _ASIDE.fullmatch(aside_name)
    if match is None:
        raise ValueError(f"{aside_name} is not an aside folder's name")
    return match.group(3)


def key_path() -> Path:
    from engine.user_paths import journal_key_file

    return journal_key_file()


def _key() -> bytes | None:
    """This account's journal key, made on first use; None when it cannot be read or made
    (then journals are unsigned, and a killed swap is reported instead of settled)."""
    path = key_path()
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another process made it first: read theirs
            except OSError:
                return None
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
            continue
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            key = f.read(33)
        return key if len(key) == 32 else None
    return None


def _mac(key: bytes, journal: Journal, folder: Path) -> str:
    fields = json.dumps({**asdict(journal), "folder": str(folder.resolve())}, sort_keys=True)
    return hmac.new(key, fields.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def write(aside: Path, journal: Journal) -> None:
    """The journal into `aside` (before anything is moved there), signed when the key can be
    had, flushed to disk."""
    key = _key()
    mac = _mac(key, journal, aside.parent) if key is not None else ""
    data = json.dumps({**asdict(journal), "mac": mac}).encode("utf-8", "surrogateescape")
    with (aside / JOURNAL_NAME).open("xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def read(aside: Path, target: Path) -> Journal | None:
    """The journal of `aside` when this program wrote it for `target` (see the module doc),
    else None."""
    match = _ASIDE.fullmatch(aside.name)
    if match is None or match.group(1) != target.name:
        return None
    if {p.name for p in aside.iterdir()} - {JOURNAL_NAME, target.name}:
        return None  # a real aside holds the journal and the old folder, nothing else
    data = _read_small(aside / JOURNAL_NAME)
    if data is None:
        return None
    try:
        fields: dict[str, Any] = json.loads(data)
        journal = Journal(
            pid=fields["pid"],
            token=fields["token"],
            target=fields["target"],
            pending=fields["pending"],
            previous=fields["previous"],
        )
        mac = fields["mac"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    if (journal.pid, journal.token, journal.target) != (
        int(match.group(2)),
        match.group(3),
        target.name,
    ):
        return None
    if not isinstance(journal.previous, bool) or not _pending_ok(journal):
        return None
    key = _key()
    if key is None or not isinstance(mac, str):
        return None
    return journal if hmac.compare_digest(mac, _mac(key, journal, aside.parent)) else None


def _pending_ok(journal: Journal) -> bool:
    """`pending` is absent or a hidden temporary of the same process beside the target."""
    if journal.pending is None:
        return True
    if not isinstance(journal.pending, str) or "/" in journal.pending or "\\" in journal.pending:
        return False
    match = _PENDING.fullmatch(journal.pending)
    return match is not None and int(match.group(1)) == journal.pid


def _read_small(path: Path) -> bytes | None:
    """A regular file's bytes, not through a link and only when small."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_JOURNAL_BYTES:
            return None
        return f.read(MAX_JOURNAL_BYTES + 1)
