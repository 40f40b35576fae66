"""The queue file: every change is one transaction, a kill at any moment leaves a file that
loads, running jobs come back as interrupted, the schema is versioned."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from testkit import processes

from engine.jobs import Job
from engine.run import RunResult
from lumiere_studio.model import queue_store as st
from lumiere_studio.model.queue_store import (
    DONE,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    SCHEMA_VERSION,
    QueuedJob,
    QueueStore,
    QueueStoreError,
    default_queue_path,
    thumbnail_frame,
    thumbnail_png,
)

ROOT = Path(__file__).resolve().parent.parent


def test_jobs_are_on_disk_in_order_with_their_state(tmp_path):
    path = tmp_path / "q.sqlite3"
    store = QueueStore(path)
    a = store.add(Job(prompt="a", seed=1), tmp_path / "a.mp4")
    b = store.add(Job(prompt="b"), tmp_path / "b.mp4")
    done = RunResult("done", path=str(tmp_path / "a.mp4"), model_hash="ab", notes=("fitted",))
    store.update(a.id, state=DONE, step=20, total=20, result=done, finished=5.0)
    store.reorder([b.id, a.id])
    store.close()
    again = QueueStore(path)  # a new connection reads what the first wrote
    jobs = again.jobs()
    assert [j.job.prompt for j in jobs] == ["b", "a"]
    assert jobs[1].state == DONE and jobs[1].result == done and jobs[1].step == 20
    assert jobs[0].result is None  # not run yet
    assert jobs[1].job == Job(prompt="a", seed=1) and jobs[1].output == tmp_path / "a.mp4"
    again.remove(b.id)
    assert [j.id for j in again.jobs()] == [a.id] and again.get(b.id) is None


def test_running_jobs_come_back_interrupted(tmp_path):
    store = QueueStore(tmp_path / "q.sqlite3")
    running = store.add(Job(prompt="r"), tmp_path / "r.mp4")
    queued = store.add(Job(prompt="q"), tmp_path / "q.mp4")
    store.update(running.id, state=RUNNING, step=3, total=20)
    assert store.recover() == [running.id]
    assert store.get(running.id).state == INTERRUPTED
    assert "from the start" in store.get(running.id).message
    assert store.get(queued.id).state == QUEUED
    assert store.recover() == []


def test_bad_updates_are_refused(tmp_path):
    store = QueueStore(tmp_path / "q.sqlite3")
    job = store.add(Job(), tmp_path / "o.mp4")
    with pytest.raises(ValueError, match="not a job state"):
        store.update(job.id, state="exploded")
    with pytest.raises(ValueError, match="not queue fields"):
        store.update(job.id, colour="red")
    assert store.get(job.id).state == QUEUED


def test_a_newer_file_is_refused_unchanged_and_a_broken_one_kept_aside(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    before = newer.read_bytes()
    with pytest.raises(QueueStoreError, match="newer Lumiere Studio"):
        QueueStore(newer)
    assert newer.read_bytes() == before
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    store = QueueStore(broken)  # moved aside, kept, and a fresh queue starts
    (kept,) = tmp_path.glob("broken.sqlite3.damaged-*")
    assert kept.read_bytes() == b"this is not a database" * 100
    assert store.jobs() == [] and kept.name in store.notices[0]


def test_the_default_file_is_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_queue_path() == tmp_path / "lumiere-studio" / "queue.sqlite3"


def test_thumbnails_are_small_pngs():
    frame = np.zeros((128, 256, 3), np.uint8)
    frame[:, 128:] = 200
    png = thumbnail_png(frame)
    back = thumbnail_frame(png)
    assert png[:4] == b"\x89PNG" and back.shape == (32, 64, 3)
    assert back[:, 40:].min() > 150 and back[:, :20].max() < 50
    assert thumbnail_frame(b"not a png") is None and thumbnail_frame(None) is None


_WRITER = """
import sys, itertools
from pathlib import Path
from engine.jobs import Job
from lumiere_studio.model.queue_store import QueueStore
store = QueueStore(sys.argv[1])
ids = [store.add(Job(prompt=f"job {i}"), Path(f"/tmp/{i}.mp4")).id for i in range(6)]
print("ready", flush=True)
for n in itertools.count():
    store.update(ids[0], state="running", step=n % 20, total=20, message=f"step {n}")
    store.reorder(ids[1:] + ids[:1] if n % 2 else ids)
"""


def test_a_kill_while_writing_leaves_a_file_that_loads(tmp_path):
    path = tmp_path / "q.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], env=env, stdout=subprocess.PIPE, text=True
    )
    with processes.reaped(proc):
        assert processes.readline(proc, "the queue writer's start").strip() == "ready"
        time.sleep(0.3)  # in the middle of its updates
        proc.send_signal(signal.SIGKILL)
        processes.wait(proc, "the killed queue writer")
    store = QueueStore(path)
    jobs = store.jobs()
    assert sorted(j.job.prompt for j in jobs) == [f"job {i}" for i in range(6)]
    first = next(j for j in jobs if j.job.prompt == "job 0")
    assert first.state == RUNNING and store.recover() == [first.id]


def test_a_huge_thumbnail_header_is_not_decoded():
    from testkit.queue_cases import _png_claiming

    assert thumbnail_frame(_png_claiming(100_000, 100_000)) is None
    assert thumbnail_frame(_png_claiming(50_000, 1)) is None  # a strip too
    assert thumbnail_frame(thumbnail_png(np.zeros((8, 8, 3), np.uint8))).shape == (8, 8, 3)


def test_read_only_writes_nothing_and_recovers_nothing(tmp_path):
    path = tmp_path / "q.sqlite3"
    owner = QueueStore(path)
    job = owner.add(Job(prompt="r"), tmp_path / "r.mp4")
    owner.update(job.id, state=RUNNING)
    viewer = QueueStore(path, read_only=True)
    assert viewer.recover() == [] and viewer.get(job.id).state == RUNNING
    with pytest.raises(QueueStoreError, match="read-only"):
        viewer.update(job.id, state=DONE)
    with pytest.raises(QueueStoreError, match="does not exist"):
        QueueStore(tmp_path / "none.sqlite3", read_only=True)
    viewer.close()
    owner.close()


def test_ids_are_never_reused_after_the_last_job_is_removed(tmp_path):
    path = tmp_path / "q.sqlite3"
    store = QueueStore(path)
    a = store.add(Job(prompt="a"), tmp_path / "a.mp4")
    store.remove(a.id)
    store.close()
    again = QueueStore(path)
    assert again.add(Job(prompt="b"), tmp_path / "b.mp4").id == a.id + 1
    again.close()


# A done row as the app wrote it before the run's result was a RunResult (a dict with the
# output's "path" merged into render_job's record), and a queued one with no result yet.
OLD_RESULT = {
    "path": "/videos/gen-t2v-1-abc123.mp4",
    "status": "done",
    "error": "",
    "device": "cpu",
    "sha256": "5e" * 32,
    "model_name": "lumiere-mini",
    "model_hash": "ab" * 32,
    "notes": ["sampled at 256x160, upscaled 2x"],
    "fps": 8,
    "seconds": 31.25,
    "cpu_seconds": 60.5,
    "peak_memory_mib": 812.5,
    "peak_memory_kind": "process peak RSS",
}


def _old_queue(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(st._SCHEMA + f";PRAGMA user_version={SCHEMA_VERSION};")
    rows = [
        (
            1,
            1.0,
            Job(prompt="done", seed=1).to_json(),
            "/videos/a.mp4",
            DONE,
            json.dumps(OLD_RESULT),
        ),
        (2, 2.0, Job(prompt="waiting").to_json(), "/videos/b.mp4", QUEUED, "{}"),
    ]
    db.executemany(
        "INSERT INTO jobs (id, position, job, output, state, result, created) "
        "VALUES (?, ?, ?, ?, ?, ?, 1.0)",
        rows,
    )
    db.commit()
    db.close()


def test_a_queue_file_of_the_previous_format_loads_with_typed_results(tmp_path):
    path = tmp_path / "old.sqlite3"
    _old_queue(path)
    store = QueueStore(path)
    done, waiting = store.jobs()
    assert store.set_aside() == [] and not store.notices  # nothing refused
    assert isinstance(done, QueuedJob) and done.result == RunResult(
        "done",
        path=OLD_RESULT["path"],
        seconds=31.25,
        cpu_seconds=60.5,
        sha256="5e" * 32,
        model_name="lumiere-mini",
        model_hash="ab" * 32,
        notes=("sampled at 256x160, upscaled 2x",),
        fps=8,
        device="cpu",
        peak_memory_mib=812.5,
        peak_memory_kind="process peak RSS",
    )
    assert waiting.result is None and waiting.state == QUEUED
    # Written back, the result is what the older app wrote, plus the clip's frame count and
    # size (unknown here: 0), keys an older app passes over: it reads the file too.
    store.update(done.id, result=done.result)
    store.close()
    raw = sqlite3.connect(path).execute("SELECT result FROM jobs WHERE id = 1").fetchone()[0]
    assert json.loads(raw) == {**OLD_RESULT, "frames": 0, "width": 0, "height": 0}


def test_one_job_type_round_trips_through_the_file(tmp_path):
    """What the store hands back is the type the app's queue keeps and the panel shows; the
    live parts (preview, cancel flag, unsaved) are not part of the row."""
    path = tmp_path / "q.sqlite3"
    store = QueueStore(path)
    added = store.add(Job(prompt="p", seed=9, steps=3), tmp_path / "p.mp4")
    result = RunResult("done", path=str(tmp_path / "p.mp4"), seconds=2.5, notes=("n",))
    thumb = thumbnail_png(np.full((8, 8, 3), 200, np.uint8))
    store.update(added.id, state=DONE, step=3, total=3, result=result, thumbnail=thumb)
    store.close()
    (back,) = QueueStore(path).jobs()
    want = QueuedJob(
        added.id,
        added.job,
        added.output,
        DONE,
        position=added.position,
        step=3,
        total=3,
        result=result,
        created=added.created,
        thumbnail=thumb,
    )
    assert back == want and back.fraction == 1.0
    assert back.picture().shape == (8, 8, 3) and back.thumbnail is None  # decoded once
    back.cancel.cancel()
    assert back.token is not None and back.token.is_set()
