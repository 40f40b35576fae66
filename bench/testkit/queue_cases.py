"""Damaged render-queue files, one recipe each (issue 29 item 5): what a crash, a bad disk, a
hand edit or a hostile sender can leave where the app keeps its queue. The tests open each
through the app's launch code and `bench/fuzz.py --queue` runs them in a child process.

Each case says what the app must do with it: "kept" (the job loads, maybe without its
preview), "set aside" (the bad row goes to the file's set_aside table, the good job loads) or
"moved" (the file is renamed aside, kept, and a fresh queue starts).
"""

from __future__ import annotations

import os
import sqlite3
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class QueueCase:
    name: str
    expect: str  # "kept", "set aside" or "moved"
    make: Callable[[Path], None]


def _png_claiming(width: int, height: int) -> bytes:
    """A few bytes of PNG whose header claims width x height."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def good_queue(path: Path) -> None:
    """A valid queue of two jobs ("good" then "victim"), written by the app's own store."""
    from engine.jobs import Job
    from lumiere_studio.model.queue_store import QueueStore

    store = QueueStore(path)
    store.add(Job(prompt="good", seed=1), path.parent / "good.mp4")
    store.add(Job(prompt="victim", seed=2), path.parent / "victim.mp4")
    store.close()


def _row(sql: str, *args: object) -> Callable[[Path], None]:
    """A good queue whose second job ("victim") is then changed by `sql` (? = its values)."""

    def make(path: Path) -> None:
        good_queue(path)
        db = sqlite3.connect(path)
        db.execute(sql + " WHERE json_extract(job, '$.prompt') = 'victim'", args)
        db.commit()
        db.close()

    return make


def _raw(sql: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        good_queue(path)
        db = sqlite3.connect(path)
        db.executescript(sql)
        db.close()

    return make


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _truncated(path: Path) -> None:
    good_queue(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] + b"\xff" * 100)


def _header_only(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\0" + b"\xff" * 84)


CASES = [
    QueueCase("result not JSON", "set aside", _row("UPDATE jobs SET result = '{not json'")),
    QueueCase("result a list", "set aside", _row("UPDATE jobs SET result = '[1, 2]'")),
    QueueCase(
        "result with text for seconds",
        "set aside",
        _row("""UPDATE jobs SET result = '{"status": "done", "seconds": "soon"}'"""),
    ),
    QueueCase(
        "result with a status no run has",
        "set aside",
        _row("""UPDATE jobs SET result = '{"status": "exploded"}'"""),
    ),
    QueueCase(
        "result nested 100,000 deep",
        "set aside",
        _row("UPDATE jobs SET result = ?", "[" * 100_000 + "]" * 100_000),
    ),
    QueueCase("job a list", "set aside", _row("UPDATE jobs SET job = '[]'")),
    QueueCase("job null", "set aside", _row("UPDATE jobs SET job = 'null'")),
    QueueCase("job not JSON", "set aside", _row("UPDATE jobs SET job = 'garbage{'")),
    QueueCase(
        "job with an unknown field",
        "set aside",
        _row('UPDATE jobs SET job = \'{"prompt": "x", "colour": 3}\''),
    ),
    QueueCase("job a number", "set aside", _row("UPDATE jobs SET job = 42")),
    QueueCase("output a BLOB", "set aside", _row("UPDATE jobs SET output = x'00ff10'")),
    QueueCase("output empty", "set aside", _row("UPDATE jobs SET output = ''")),
    QueueCase("step 2^62", "set aside", _row("UPDATE jobs SET step = ?, total = 20", 2**62)),
    QueueCase("total negative", "set aside", _row("UPDATE jobs SET total = -5")),
    QueueCase("step as text", "set aside", _row("UPDATE jobs SET step = 'many'")),
    QueueCase("position NaN text", "set aside", _row("UPDATE jobs SET position = 'NaN'")),
    QueueCase("created 1e300", "set aside", _row("UPDATE jobs SET created = 1e300")),
    QueueCase(
        "message not UTF-8", "set aside", _row("UPDATE jobs SET message = CAST(x'fffe41' AS TEXT)")
    ),
    QueueCase("thumbnail as text", "set aside", _row("UPDATE jobs SET thumbnail = 'png'")),
    QueueCase(
        "thumbnail claims 100000x100000",
        "kept",
        _row("UPDATE jobs SET thumbnail = ?", _png_claiming(100_000, 100_000)),
    ),
    QueueCase(
        "thumbnail not a picture",
        "kept",
        _row("UPDATE jobs SET thumbnail = ?", b"\x89PNG\r\n\x1a\n" + b"\0" * 40),
    ),
    QueueCase("missing table", "moved", _raw("DROP TABLE jobs;")),
    QueueCase(
        "missing columns",
        "moved",
        _raw(
            "CREATE TABLE j2 AS SELECT id, position, job FROM jobs; DROP TABLE jobs; "
            "ALTER TABLE j2 RENAME TO jobs;"
        ),
    ),
    QueueCase("negative schema number", "moved", _raw("PRAGMA user_version = -3;")),
    QueueCase("not a database", "moved", _bytes(b"this is not a database" * 100)),
    QueueCase("SQLite header then garbage", "moved", _header_only),
    QueueCase("truncated database", "moved", _truncated),
    QueueCase("empty file", "empty", _bytes(b"")),
    QueueCase("path is a folder", "moved", lambda p: (p.mkdir(), (p / "x").write_text("x"))),
    QueueCase("path is a FIFO", "moved", lambda p: os.mkfifo(p)),
]
