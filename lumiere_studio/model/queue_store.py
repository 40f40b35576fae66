"""The render queue on disk: every job the app is given is written here before it runs, with
its state, progress, result and error, so that a crash or a kill loses nothing.

SQLite (one file in the platformdirs data dir): each change is one transaction, in
write-ahead-log mode with full sync, so a kill at any moment leaves the file as it was before
or after the change, never half of it. The schema is versioned (PRAGMA user_version); a file
from a newer app is refused with a message, never rewritten. No Qt here: the app's JobQueue
(engine_thread.py) owns a store and the widgets only read the queue.

One owner at a time (queue_lock.py): a writing store holds the queue's OS lock for its life; a
second one gets QueueHeld and may open the file read-only instead. What the file holds is
checked on the way in: a row that does not read back as a job is moved to the `set_aside`
table with its reason (and said once), and a file that is not a queue at all (not SQLite, no
jobs table, a folder, a FIFO) is renamed aside, kept, and a fresh queue starts. Another
program holding SQLite's own lock (a browser of the file, a backup) makes a write raise
QueueBusyError within a quarter of a second instead of freezing the caller; the caller keeps
the change and writes it later.
"""

from __future__ import annotations

import io
import json
import math
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.api import CancelToken, Job, LumiereError, ResultError, RunResult, user_paths
from lumiere_studio.model.queue_lock import QueueHeld, QueueLock

SCHEMA_VERSION = 1
QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED = (
    "queued",
    "running",
    "done",
    "failed",
    "cancelled",
    "interrupted",
)
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED)
INTERRUPTED_MESSAGE = "the app stopped while this job ran; Resume runs it again from the start"
THUMBNAIL_PX = 64
BUSY_TIMEOUT_S = 0.25  # a write waits this long for another program's lock, then says busy
OPEN_BUSY_TIMEOUT_S = 2.0  # opening at launch may wait a little longer
MAX_STEPS = 1_000_000  # more denoising steps or frames than any job has: a damaged row
MAX_THUMBNAIL_PIXELS = 1024 * 1024  # a stored preview larger than this is not decoded
_SIDECARS = ("-wal", "-shm", "-journal")

_SCHEMA = """CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    position REAL NOT NULL,
    job TEXT NOT NULL,
    output TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled',
                                         'interrupted')),
    stage TEXT NOT NULL DEFAULT '',
    step INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '{}',
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    thumbnail BLOB
)"""
_COLUMNS = (
    "position",
    "job",
    "output",
    "state",
    "stage",
    "step",
    "total",
    "message",
    "result",
    "created",
    "started",
    "finished",
    "thumbnail",
)
_SET_ASIDE = """CREATE TABLE IF NOT EXISTS set_aside (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER,
    row TEXT NOT NULL,
    reason TEXT NOT NULL,
    at REAL NOT NULL
)"""


class QueueStoreError(LumiereError, RuntimeError):
    """The queue file cannot be used; the message says why and what was kept."""


class QueueBusyError(QueueStoreError):
    """Another program holds the queue file's SQLite lock; the change was not written."""


class _Damaged(Exception):
    """The file is not a usable queue (the message says why): it is moved aside."""


class _BadRow(Exception):
    """One stored row does not read back as a job (the message says why)."""


def _is_busy(e: sqlite3.Error) -> bool:
    code = getattr(e, "sqlite_errorcode", None)
    return code in (5, 6) or "locked" in str(e)  # SQLITE_BUSY, SQLITE_LOCKED


def default_queue_path() -> Path:
    return user_paths.queue_file()


@dataclass
class QueuedJob:
    """One job of the queue: what its row holds (the file's columns but `position`'s order),
    and what the running app adds to it (`preview`, `token`, `unsaved`). The store reads and
    writes it; the app's JobQueue keeps one per job and the Jobs panel shows it."""

    id: int
    job: Job
    output: Path
    state: str = QUEUED
    position: float = 0.0
    stage: str = ""
    step: int = 0
    total: int = 0
    message: str = ""
    result: RunResult | None = None  # how the run ended, once it is done
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    thumbnail: bytes | None = None  # PNG, at most THUMBNAIL_PX on a side
    # what only the running app has (not compared: two equal rows are equal jobs)
    preview: np.ndarray | None = field(default=None, repr=False, compare=False)  # live frame
    token: CancelToken | None = field(default=None, repr=False, compare=False)  # see `cancel`
    unsaved: bool = field(default=False, compare=False)  # kept in memory: the file is busy

    @property
    def cancel(self) -> CancelToken:
        """The job's cancel flag (made on first use, so that opening a queue of thousands of
        finished jobs does not make thousands of them)."""
        if self.token is None:
            self.token = CancelToken()
        return self.token

    @cancel.setter
    def cancel(self, token: CancelToken) -> None:
        self.token = token

    def picture(self) -> np.ndarray | None:
        """The preview frame (the stored thumbnail is decoded on first use: opening a queue
        of thousands of jobs decodes only what is shown)."""
        if self.preview is None and self.thumbnail is not None:
            self.preview, self.thumbnail = thumbnail_frame(self.thumbnail), None
        return self.preview

    @property
    def fraction(self) -> float:
        if self.state == DONE:
            return 1.0
        return self.step / self.total if self.total else 0.0


def thumbnail_png(frame: np.ndarray) -> bytes:
    """A small PNG of a uint8 (H, W, 3) frame, for the queue's per-job preview."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(frame[..., :3]))
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def thumbnail_frame(png: bytes | None) -> np.ndarray | None:
    """The stored preview as a frame; None when there is none or it cannot be read (a preview
    is never worth an error). The size is read from the header before any pixel is decoded:
    a small file may claim a huge picture."""
    if not png or not isinstance(png, bytes):
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            w, h = image.size
            if w * h > MAX_THUMBNAIL_PIXELS:
                return None
            return np.asarray(image.convert("RGB"))
    except Exception:  # noqa: BLE001 - PIL raises many kinds (bomb, syntax, value, OS)
        return None


def _finite(value: Any, name: str, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadRow(f"{name} is not a number ({type(value).__name__})")
    if not math.isfinite(value) or abs(value) > 1e15:
        raise _BadRow(f"{name} is out of range ({value!r})")
    return float(value)


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STEPS:
        raise _BadRow(f"{name} is not a count from 0 to {MAX_STEPS} ({str(value)[:40]})")
    return value


def _text(value: Any, name: str, empty_ok: bool = True) -> str:
    if not isinstance(value, str):
        raise _BadRow(f"{name} is not text ({type(value).__name__})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _BadRow(f"{name} is not UTF-8 text") from None
    if not empty_ok and not value or "\0" in value:
        raise _BadRow(f"{name} is empty or holds a NUL character")
    return value


def parse_row(row: tuple[Any, ...]) -> QueuedJob:
    """One row (id then _COLUMNS) as a QueuedJob, or _BadRow saying what is wrong with it."""
    jid, position, job, output, state, stage, step, total, message, result, *rest = row
    created, started, finished, thumbnail = rest
    if isinstance(jid, bool) or not isinstance(jid, int):
        raise _BadRow(f"the id is not a number ({str(jid)[:40]})")
    try:
        parsed = Job.from_json(_text(job, "the job"))
        if not isinstance(parsed, Job):
            raise TypeError("not a job")
    except _BadRow:
        raise
    except Exception as e:  # noqa: BLE001 - whatever the stored text makes the parser raise
        raise _BadRow(
            f"the stored job cannot be read ({type(e).__name__}: {str(e)[:120]})"
        ) from None
    if state not in STATES:
        raise _BadRow(f"the state is not one this app knows ({str(state)[:40]})")
    try:
        text = _text(result, "the result")
        loaded = {} if text in ("", "{}") else json.loads(text)
    except (ValueError, RecursionError):
        raise _BadRow("the result is not JSON") from None
    if not isinstance(loaded, dict):
        raise _BadRow(f"the result is not a JSON object ({type(loaded).__name__})")
    try:
        run = RunResult.from_dict(loaded) if loaded else None
    except ResultError as e:
        raise _BadRow(f"the result cannot be read ({str(e)[:120]})") from None
    if thumbnail is not None and not isinstance(thumbnail, bytes):
        raise _BadRow(f"the thumbnail is not a picture ({type(thumbnail).__name__})")
    step, total = _count(step, "the step"), _count(total, "the step count")
    return QueuedJob(
        jid,
        parsed,
        Path(_text(output, "the output", empty_ok=False)),
        state,
        position=_finite(position, "the position") or 0.0,
        stage=_text(stage, "the stage"),
        step=min(step, total) if total else step,
        total=total,
        message=_text(message, "the message"),
        result=run,
        created=_finite(created, "the creation time") or 0.0,
        started=_finite(started, "the start time", optional=True),
        finished=_finite(finished, "the finish time", optional=True),
        thumbnail=thumbnail,
    )


def _plain(value: Any) -> Any:
    """A stored value as JSON can keep it (bytes as hex)."""
    return {"hex": value.hex()} if isinstance(value, bytes) else value


def _not_a_file(path: Path) -> str:
    """Why `path` cannot be a queue file although something is there ('' when it can)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return ""
    except OSError as e:
        return f"it cannot be read: {e.strerror}"
    if stat.S_ISDIR(mode):
        return "it is a folder"
    if not stat.S_ISREG(mode):
        return "it is not a regular file (a pipe or a device)"
    return ""


class QueueStore:
    """The queue file. The writing store owns the file (QueueHeld when another process does);
    `read_only=True` opens it without owning it, to look (nothing is written, nothing fixed)."""

    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self.read_only = read_only
        self.notices: list[str] = []  # what the user should hear once (files and rows set aside)
        self._lock: QueueLock | None = None
        self._next_id = 1
        self._loaded: list[QueuedJob] | None = None  # the rows read at open, until a write
        self._data_version = -1
        if self.path is None:
            self._db = sqlite3.connect(":memory:", isolation_level=None)
            self._prepare()
            return
        if read_only:
            self._open_read_only()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = QueueLock.acquire(self.path)
        except OSError as e:
            raise QueueStoreError(
                f"the folder of the queue file {self.path} cannot be used ({e.strerror or e})"
            ) from None
        try:
            self._open_owned()
        except BaseException:
            self._lock.release()
            raise

    # --- opening ---------------------------------------------------------------------------
    def _connect(self, target: str, uri: bool = False) -> None:
        self._db = sqlite3.connect(
            target, isolation_level=None, timeout=OPEN_BUSY_TIMEOUT_S, uri=uri
        )
        # Text that is not UTF-8 must not stop a whole SELECT; such a row is set aside.
        self._db.text_factory = lambda b: b.decode("utf-8", "surrogateescape")

    def _open_owned(self) -> None:
        assert self.path is not None
        why = _not_a_file(self.path)
        if why:
            self._move_aside(why)
        self._connect(str(self.path))
        try:
            self._prepare()
        except _Damaged as e:
            self._db.close()
            self._move_aside(str(e))
            self._connect(str(self.path))
            self._prepare()
        except BaseException:
            self._db.close()
            raise
        self._db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")

    def _open_read_only(self) -> None:
        assert self.path is not None
        why = _not_a_file(self.path) or ("" if self.path.exists() else "it does not exist")
        if why:
            raise QueueStoreError(f"the queue file {self.path} cannot be shown: {why}")
        self._connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise QueueStoreError(
                    f"the queue file {self.path} has schema {version}; this app shows "
                    f"schema {SCHEMA_VERSION}"
                )
            self._check_columns()
        except (sqlite3.DatabaseError, _Damaged) as e:
            self._db.close()
            raise QueueStoreError(f"the queue file {self.path} cannot be shown ({e})") from None
        except BaseException:
            self._db.close()
            raise

    def _prepare(self) -> None:
        """Check, create or upgrade the schema, then read and check the rows. _Damaged when
        the file is not a queue; QueueBusyError when another program holds its lock."""
        try:
            # Everything that can find the file damaged reads only: a file moved aside is
            # kept byte for byte as it was found.
            version = self._check_version()
            if version == 0:
                if self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                    raise _Damaged("it holds tables but no queue schema number")
            else:
                self._check_columns()
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
            self._sweep_rows()
        except sqlite3.DatabaseError as e:
            if _is_busy(e):
                raise self._busy() from None
            raise _Damaged(str(e)) from None

    def _busy(self) -> QueueBusyError:
        return QueueBusyError(
            f"the queue file {self.path} is locked by another program (a database browser or "
            "a backup tool may have it open)"
        )

    def _check_version(self) -> int:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise QueueStoreError(
                f"the queue file {self.path} was written by a newer Lumiere Studio (schema "
                f"{version}, this one reads {SCHEMA_VERSION}); it was left unchanged"
            )
        if version < 0:
            raise _Damaged(f"its schema number {version} is not one Lumiere Studio writes")
        return version

    def _migrate(self) -> None:
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION and "set_aside" in tables:
            return  # nothing to write: a file another program has locked still opens
        with self._transaction():  # read and create under one lock
            if self._db.execute("PRAGMA user_version").fetchone()[0] == 0:
                self._db.execute(_SCHEMA)  # inside the transaction: all or nothing
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._db.execute(_SET_ASIDE)  # older files: an extra table older apps ignore

    def _check_columns(self) -> None:
        names = {r[1] for r in self._db.execute("PRAGMA table_info(jobs)")}
        if not names:
            raise _Damaged("it has no jobs table")
        missing = ({"id"} | set(_COLUMNS)) - names
        if missing:
            raise _Damaged(f"its jobs table lacks {', '.join(sorted(missing))}")

    def _move_aside(self, why: str) -> None:
        """Rename the unusable file (and its SQLite side files) to a free name beside it; it
        is kept, never deleted, and the queue starts afresh."""
        assert self.path is not None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        n = 0
        while True:
            kept = self.path.with_name(f"{self.path.name}.damaged-{stamp}{f'-{n}' if n else ''}")
            if not any(os.path.lexists(f"{kept}{s}") for s in ("", *_SIDECARS)):
                break
            n += 1
        try:
            Path(self.path).rename(kept)
            for suffix in _SIDECARS:
                if os.path.lexists(f"{self.path}{suffix}"):
                    Path(f"{self.path}{suffix}").rename(f"{kept}{suffix}")
        except OSError as e:
            raise QueueStoreError(
                f"the queue file {self.path} cannot be used ({why}) and could not be renamed "
                f"aside ({e.strerror or e}); it was left as it is"
            ) from None
        self.notices.append(
            f"The render queue file could not be used ({why}). It was kept as {kept.name} "
            f"in {kept.parent} and a new, empty queue was started."
        )

    def _sweep_rows(self) -> None:
        """Move every row that does not read back as a job to `set_aside`, with its reason."""
        bad: list[tuple[int, Any, str, str]] = []
        good: list[QueuedJob] = []
        for rowid, *row in self._db.execute(
            f"SELECT rowid, id, {', '.join(_COLUMNS)} FROM jobs ORDER BY position, id"
        ):
            try:
                good.append(parse_row(tuple(row)))
            except _BadRow as e:
                keep = json.dumps(dict(zip(("id", *_COLUMNS), map(_plain, row), strict=True)))
                bad.append((rowid, row[0] if isinstance(row[0], int) else None, keep, str(e)))
        seq = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'jobs'").fetchone()
        kept = self._db.execute("SELECT MAX(job_id) FROM set_aside").fetchone()[0]
        top = max((j.id for j in good), default=0)
        numbers = [v for v in (top, seq and seq[0], kept) if isinstance(v, int)]
        self._next_id = max(numbers, default=0) + 1
        if not bad:
            self._loaded = good  # the first jobs() need not parse them all again
            return
        reasons = "; ".join(f"#{j if j is not None else '?'}: {w}" for _r, j, _k, w in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        try:
            with self._transaction():
                for rowid, job_id, keep, why in bad:
                    self._db.execute(
                        "INSERT INTO set_aside (job_id, row, reason, at) VALUES (?, ?, ?, ?)",
                        (job_id, keep, why, time.time()),
                    )
                    self._db.execute("DELETE FROM jobs WHERE rowid = ?", (rowid,))
        except QueueBusyError:  # jobs() skips them; a later launch sets them aside
            self.notices.append(
                f"{len(bad)} job(s) in the queue file could not be read and are not shown "
                f"(the file is locked by another program, so they stay as they are): "
                f"{reasons}{more}."
            )
            return
        self.notices.append(
            f"{len(bad)} job(s) in the queue file could not be read and were set aside "
            f"(kept in its set_aside table): {reasons}{more}."
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self.read_only:
            raise QueueStoreError("this queue is open read-only: nothing can be changed")
        self._loaded = None
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if _is_busy(e):
                raise self._busy() from None
            raise
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(e, sqlite3.OperationalError) and _is_busy(e):
                raise self._busy() from None
            raise

    @property
    def owned(self) -> bool:
        return self._lock is not None and self._lock.held

    def close(self) -> None:
        self._db.close()
        if self._lock is not None:
            self._lock.release()

    # --- reading ---------------------------------------------------------------------------
    def jobs(self) -> list[QueuedJob]:
        """Every job, in queue order. (Rows that do not read as jobs were set aside when the
        store opened; read-only, they are skipped.)"""
        if self._loaded is not None:
            loaded, self._loaded = self._loaded, None
            return loaded
        rows = self._db.execute(f"SELECT id, {', '.join(_COLUMNS)} FROM jobs ORDER BY position, id")
        out = []
        for r in rows:
            try:
                out.append(parse_row(r))
            except _BadRow:
                continue
        return out

    def get(self, job_id: int) -> QueuedJob | None:
        row = self._db.execute(
            f"SELECT id, {', '.join(_COLUMNS)} FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
        try:
            return parse_row(row) if row else None
        except _BadRow:
            return None

    def changed_elsewhere(self) -> bool:
        """Whether another connection (the owner, for a read-only store) has written to the
        file since the last call (SQLite's data_version; cheap, reads no row)."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        changed, self._data_version = version != self._data_version, version
        return changed

    def set_aside(self) -> list[tuple[int | None, str]]:
        """The rows set aside so far: (job id, reason)."""
        return list(self._db.execute("SELECT job_id, reason FROM set_aside ORDER BY id"))

    # --- writing ---------------------------------------------------------------------------
    def reserve_id(self) -> int:
        """The id the next job gets (the owner is the only writer, so it can say so before
        the job is written: a job kept in memory while the file is busy keeps its id)."""
        jid, self._next_id = self._next_id, self._next_id + 1
        return jid

    def add(
        self, job: Job, output: Path, state: str = QUEUED, job_id: int | None = None
    ) -> QueuedJob:
        """Write a new job at the end of the queue; it is on disk when this returns
        (QueueBusyError: it is not, and the caller keeps it)."""
        jid = self.reserve_id() if job_id is None else job_id
        now = time.time()
        with self._transaction():
            last = self._db.execute("SELECT MAX(position) FROM jobs").fetchone()[0]
            position = (last if isinstance(last, int | float) else 0.0) + 1.0
            self._db.execute(
                "INSERT INTO jobs (id, position, job, output, state, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (jid, position, job.to_json(), str(output), state, now),
            )
        return QueuedJob(jid, job, Path(output), state, position, created=now)

    def update(self, job_id: int, **values: Any) -> None:
        """Change some fields of one job (state, stage, step, total, message, result, started,
        finished, thumbnail, job, output)."""
        unknown = set(values) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"not queue fields: {sorted(unknown)}")
        if values.get("state", QUEUED) not in STATES:
            raise ValueError(f"not a job state: {values['state']!r}")
        if "result" in values:  # a RunResult, or None: none yet
            result = values["result"]
            values["result"] = json.dumps(result.to_dict() if result else {}, sort_keys=True)
        if "job" in values:
            values["job"] = values["job"].to_json()
        if "output" in values:
            values["output"] = str(values["output"])
        names = ", ".join(f"{k} = ?" for k in values)
        with self._transaction():
            self._db.execute(f"UPDATE jobs SET {names} WHERE id = ?", (*values.values(), job_id))

    def remove(self, job_id: int) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def reorder(self, ids: list[int]) -> None:
        """Give the listed jobs positions 1..n in this order (one transaction)."""
        with self._transaction():
            self._db.executemany(
                "UPDATE jobs SET position = ? WHERE id = ?",
                [(position, jid) for position, jid in enumerate(ids, 1)],
            )

    def recover(self) -> list[int]:
        """After a crash: the jobs that were running are marked interrupted. Returns their ids.
        Only the owner may: a running job of another instance is not interrupted."""
        if not (self.owned or self.path is None):
            return []
        loaded = self._loaded
        with self._transaction():
            ids = [
                r[0] for r in self._db.execute("SELECT id FROM jobs WHERE state = ?", (RUNNING,))
            ]
            self._db.execute(
                "UPDATE jobs SET state = ?, message = ? WHERE state = ?",
                (INTERRUPTED, INTERRUPTED_MESSAGE, RUNNING),
            )
        for job in loaded or ():  # the same change to the rows read at open
            if job.id in ids:
                job.state, job.message = INTERRUPTED, INTERRUPTED_MESSAGE
        self._loaded = loaded
        return ids


__all__ = [
    "QueueBusyError",
    "QueueHeld",
    "QueueStore",
    "QueueStoreError",
    "QueuedJob",
    "default_queue_path",
    "thumbnail_frame",
    "thumbnail_png",
]
