"""Temporary files and folders beside a target, for atomic writes (write the temp, then rename
it over the target). They get the mode anything new gets (0666 / 0777 less the umask), not the
owner-only 0600 / 0700 of `tempfile.mkstemp` / `mkdtemp`: the renamed result is what the user
keeps, and an export that other accounts on a shared folder cannot read is a surprise."""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from engine import swap_journal
from engine.errors import LumiereError

logger = logging.getLogger(__name__)

KILL_AT_ENV = "LUMIERE_STUDIO_KILL_AT"  # fault injection (bench/faults.py): see fault_point
FAULT_LOG_ENV = "LUMIERE_STUDIO_FAULT_LOG"
_faults_seen = 0


def reset_fault_count() -> None:
    """Count fault points from zero again (the fault bench's forked child, for its KILL_AT)."""
    global _faults_seen
    _faults_seen = 0


def fault_point(label: str) -> None:
    """A place where a crash must leave the old or the new content. For the fault bench only:
    with LUMIERE_STUDIO_FAULT_LOG set, each point reached is appended to that file; with
    LUMIERE_STUDIO_KILL_AT=N the process kills itself (SIGKILL) at the N-th point."""
    global _faults_seen
    kill_at, log = os.environ.get(KILL_AT_ENV), os.environ.get(FAULT_LOG_ENV)
    if not kill_at and not log:
        return
    _faults_seen += 1
    if log:
        with Path(log).open("a") as f:
            f.write(f"{_faults_seen} {label}\n")
    if kill_at and int(kill_at) == _faults_seen:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


FULL_DISK_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


class DiskFull(LumiereError, OSError):
    """A write that ran out of space; the message names the folder and the space needed."""


def _megabytes(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, round(n / 1024))} KB"


def explain_full_disk(
    error: BaseException, folder: Path, needed: int | None = None, what: str = ""
) -> BaseException:
    """`error` as a plain DiskFull message when it is a full disk (or a file-size limit),
    else `error` itself. `needed`: bytes the write needs (an upper bound is fine)."""
    if isinstance(error, DiskFull) or getattr(error, "errno", None) not in FULL_DISK_ERRNOS:
        return error
    try:
        free = _megabytes(shutil.disk_usage(folder).free)
    except OSError:
        free = "unknown"
    need = f"up to {_megabytes(needed)} is needed" if needed else "more is needed"
    thing = f" for {what}" if what else ""
    full = DiskFull(
        f"not enough space in {folder}{thing}: {free} free, {need}. Free some "
        f"space and try again; the earlier file was not changed"
    )
    full.errno = getattr(error, "errno", None)  # the message alone is what a person reads
    return full


def replace(src: Path | str, dst: Path | str) -> None:
    """os.replace with a fault point on each side of the rename."""
    fault_point(f"before rename to {Path(dst).name}")
    Path(src).replace(dst)
    fault_point(f"after rename to {Path(dst).name}")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


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


def sweep_stale_temps(path: Path, suffix: str) -> list[Path]:
    """Remove the temporary files or folders (`suffix`) that writers to `path` left behind when
    they were killed: only those whose process is gone, never a live writer's and never the
    `.old` folder a PNG swap keeps the previous frames in. POSIX only (elsewhere a process
    cannot be asked safely whether it is alive); returns what was removed."""
    if os.name != "posix" or not path.parent.is_dir():
        return []
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)-.+{re.escape(suffix)}")
    removed = []
    for entry in path.parent.iterdir():
        match = pattern.fullmatch(entry.name)
        if not match or int(match.group(1)) == os.getpid() or process_alive(int(match.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def new_temp_beside(path: Path, suffix: str = ".tmp") -> Path:
    """A new empty file `.NAME.PID-XXXXXXXX<suffix>` beside `path`, after removing the ones that
    killed writers to `path` left (`sweep_stale_temps` knows them by that name)."""
    sweep_stale_temps(path, suffix)
    return create_temp_beside(path, f".{path.name}.{os.getpid()}-", suffix)


def _disk_full(error: BaseException, path: Path, needed: int | None) -> BaseException | None:
    """The plain "disk full" error `error` stands for, or None to raise `error` itself."""
    full = explain_full_disk(error, path.parent, needed, path.name)
    return None if full is error else full


def atomic_write(
    path: Path, write: Callable[[Path], None], suffix: str = ".tmp", needed: int | None = None
) -> None:
    """The one way a file reaches its place: `write` fills a new temporary file beside `path`
    (`suffix` for writers that go by the name's extension), which is then renamed over `path`.
    A crash leaves the old file or the new one, never half of one; a failure (of `write`
    or the disk: `needed` bytes, for the message) removes the temporary and leaves the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = new_temp_beside(path, suffix)
    try:
        write(tmp)
        replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if (full := _disk_full(e, path, needed)) is None:
            raise
        raise full from e


def _write_synced(path: Path, data: bytes) -> None:
    with Path(path).open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """`data` to `path` by `atomic_write`, flushed to disk before the rename."""
    atomic_write(path, lambda tmp: _write_synced(tmp, data), needed=len(data))


def stage_bytes(path: Path, data: bytes) -> Path:
    """The first half of a write whose rename must wait for another file's (a sidecar that
    follows its video): `data` in a new temporary beside `path`, flushed to disk. The caller
    renames it into place or removes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = new_temp_beside(path)
    try:
        _write_synced(tmp, data)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if (full := _disk_full(e, path, len(data))) is None:
            raise
        raise full from e
    return tmp


def replace_folder(
    new: Path, target: Path, commit: Callable[[], None] | None = None, pending: Path | None = None
) -> None:
    """Swap the complete folder `new` in as `target`. A folder cannot be replaced by one
    rename, so the old one is first moved into an "aside" folder beside it
    (`.NAME.PID-TOKEN.old/NAME`) whose signed journal (engine.swap_journal) lets
    `recover_folder_swaps` in a later run put the old folder back if the swap did not
    complete, or delete it if it did. `commit` extends the swap to a second object (an OTIO
    file and its media folder): it must rename `pending` (a complete hidden temporary beside
    `target`) into place; until that rename the swap counts as not done, so a crash or an
    error before it restores the old folder."""
    aside = create_temp_dir_beside(target, f".{target.name}.{os.getpid()}-", ".old")
    had_previous = target.exists() or target.is_symlink()
    journal = swap_journal.Journal(
        pid=os.getpid(),
        token=swap_journal.token_of(aside.name),
        target=target.name,
        pending=pending.name if pending is not None else None,
        previous=had_previous,
    )
    try:
        swap_journal.write(aside, journal)
        if had_previous:
            replace(target, aside / target.name)
        replace(new, target)
        if commit is not None:
            commit()
    except BaseException:
        _roll_back(aside, target, journal)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _roll_back(aside: Path, target: Path, journal: swap_journal.Journal) -> None:
    """Undo a swap: drop the new folder (if it got in) and put the old one back. Only
    `target`, the aside's contents and the journal's hidden `pending` temporary (all in the
    target's own folder, checked by swap_journal) are touched."""
    kept = aside / target.name
    if (kept.exists() or kept.is_symlink() or not journal.previous) and (
        target.exists() or target.is_symlink()
    ):
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    if kept.exists() or kept.is_symlink():
        Path(kept).replace(target)
    if journal.pending is not None:
        (target.parent / journal.pending).unlink(missing_ok=True)
    shutil.rmtree(aside, ignore_errors=True)


def recover_folder_swaps(
    target: Path, report: Callable[[str], None] = logger.warning
) -> list[Path]:
    """Settle the swaps of `target` that a killed process left half done: if it had not
    committed (the target is missing, or its `pending` file was never renamed), the old
    folder goes back; otherwise the old folder is deleted. Swaps of live processes are left
    alone. Only an aside whose journal this program wrote (signed with this account's key,
    naming this very target) is acted on: any other folder named like one is `report`ed and
    left as it is, since a received folder may carry a planted one. Returns the asides
    settled."""
    if not target.parent.is_dir():
        return []
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)-[0-9a-f]+\.old")
    settled = []
    for aside in sorted(target.parent.iterdir()):
        match = pattern.fullmatch(aside.name)
        if not match or not aside.is_dir() or aside.is_symlink():
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or process_alive(pid):
            continue
        if not any(aside.iterdir()):  # killed before its journal was written: nothing in it
            aside.rmdir()
            settled.append(aside)
            continue
        journal = swap_journal.read(aside, target)
        if journal is None:
            report(
                f"left alone: {aside} is named like an interrupted folder swap of {target} "
                f"but was not written by this program on this account (or is damaged); "
                f"nothing in it was used. Look inside and delete it if you do not need it"
            )
            continue
        pending = journal.pending
        uncommitted = pending is not None and (target.parent / pending).exists()
        if uncommitted or not (target.exists() or target.is_symlink()):
            _roll_back(aside, target, journal)
        else:
            shutil.rmtree(aside, ignore_errors=True)
        settled.append(aside)
    return settled
