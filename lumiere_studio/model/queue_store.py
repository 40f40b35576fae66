"""The render queue on disk: every job the app is given is written here before it runs, with
its state, progress, result and error, so that a crash or a kill loses nothing.

SQLite (one file in the platformdirs data dir): each change is one transaction, in
write-ahead-log mode with full sync, so a kill at any moment leaves the file as it was before
or after the change, never half of it. The schema is versioned (PRAGMA user_version); a file
from a newer app is refused with a message, never rewritten. No Qt here: the app's JobQueue
(engine_thread.py) owns a store and the widgets only read the queue.
"""

from __future__ import annotations

import io
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from platformdirs import user_data_dir

from engine.api import Job, JobError, LumiereError

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


class QueueStoreError(LumiereError, RuntimeError):
    """The queue file cannot be used; the message says why and what was kept."""


def default_queue_path() -> Path:
    return Path(user_data_dir("lumiere-studio", appauthor=False)) / "queue.sqlite3"


@dataclass
class StoredJob:
    id: int
    job: Job
    output: Path
    state: str = QUEUED
    position: float = 0.0
    stage: str = ""
    step: int = 0
    total: int = 0
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    thumbnail: bytes | None = None  # PNG, at most THUMBNAIL_PX on a side


def thumbnail_png(frame: np.ndarray) -> bytes:
    """A small PNG of a uint8 (H, W, 3) frame, for the queue's per-job preview."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(frame[..., :3]))
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def thumbnail_frame(png: bytes | None) -> np.ndarray | None:
    if not png:
        return None
    from PIL import Image

    try:
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    except OSError:
        return None  # a preview that cannot be read is only a missing preview


class QueueStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, timeout=10)
        try:
            self._check_version()  # before anything that writes to the file
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except (sqlite3.DatabaseError, QueueStoreError) as e:
            self._db.close()
            if isinstance(e, QueueStoreError):
                raise
            raise QueueStoreError(
                f"the queue file {path} cannot be read ({e}); it was left as it is: move it "
                "away to start with an empty queue"
            ) from None

    def _check_version(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise QueueStoreError(
                f"the queue file {self.path} was written by a newer Lumiere Studio (schema "
                f"{version}, this one reads {SCHEMA_VERSION}); it was left unchanged"
            )

    def _migrate(self) -> None:
        with self._transaction():  # read and create under one lock: two launches at once agree
            if self._db.execute("PRAGMA user_version").fetchone()[0] == 0:
                self._db.execute(_SCHEMA)  # inside the transaction: all or nothing
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # --- reading ---------------------------------------------------------------------------
    def _row(self, row: tuple[Any, ...]) -> StoredJob:
        (
            jid,
            position,
            job,
            output,
            state,
            stage,
            step,
            total,
            message,
            result,
            created,
            started,
            finished,
            thumbnail,
        ) = row
        try:
            parsed = Job.from_json(job)
        except (JobError, TypeError) as e:
            parsed = Job(prompt="(unreadable job)")
            state, message = FAILED, f"the stored job cannot be read: {e}"
        return StoredJob(
            jid,
            parsed,
            Path(output),
            state,
            position,
            stage,
            step,
            total,
            message,
            json.loads(result or "{}"),
            created,
            started,
            finished,
            thumbnail,
        )

    def jobs(self) -> list[StoredJob]:
        """Every job, in queue order."""
        rows = self._db.execute(f"SELECT id, {', '.join(_COLUMNS)} FROM jobs ORDER BY position, id")
        return [self._row(r) for r in rows]

    def get(self, job_id: int) -> StoredJob | None:
        row = self._db.execute(
            f"SELECT id, {', '.join(_COLUMNS)} FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
        return self._row(row) if row else None

    # --- writing ---------------------------------------------------------------------------
    def add(self, job: Job, output: Path, state: str = QUEUED) -> StoredJob:
        """Write a new job at the end of the queue; it is on disk when this returns."""
        now = time.time()
        with self._transaction():
            last = self._db.execute("SELECT MAX(position) FROM jobs").fetchone()[0]
            position = (last or 0.0) + 1.0
            cur = self._db.execute(
                "INSERT INTO jobs (position, job, output, state, created) VALUES (?, ?, ?, ?, ?)",
                (position, job.to_json(), str(output), state, now),
            )
        assert cur.lastrowid is not None  # sqlite3 sets it after every INSERT into a rowid table
        return StoredJob(cur.lastrowid, job, Path(output), state, position, created=now)

    def update(self, job_id: int, **values: Any) -> None:
        """Change some fields of one job (state, stage, step, total, message, result, started,
        finished, thumbnail, job, output)."""
        unknown = set(values) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"not queue fields: {sorted(unknown)}")
        if values.get("state", QUEUED) not in STATES:
            raise ValueError(f"not a job state: {values['state']!r}")
        if "result" in values:
            values["result"] = json.dumps(values["result"], sort_keys=True)
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
            for position, jid in enumerate(ids, 1):
                self._db.execute("UPDATE jobs SET position = ? WHERE id = ?", (position, jid))

    def recover(self) -> list[int]:
        """After a crash: the jobs that were running are marked interrupted. Returns their ids."""
        with self._transaction():
            ids = [
                r[0] for r in self._db.execute("SELECT id FROM jobs WHERE state = ?", (RUNNING,))
            ]
            self._db.execute(
                "UPDATE jobs SET state = ?, message = ? WHERE state = ?",
                (INTERRUPTED, INTERRUPTED_MESSAGE, RUNNING),
            )
        return ids
