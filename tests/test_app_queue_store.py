"""The queue file: every change is one transaction, a kill at any moment leaves a file that
loads, running jobs come back as interrupted, the schema is versioned."""

from __future__ import annotations

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
from lumiere_studio.model.queue_store import (
    DONE,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    SCHEMA_VERSION,
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
    store.update(a.id, state=DONE, step=20, total=20, result={"model_hash": "ab"}, finished=5.0)
    store.reorder([b.id, a.id])
    store.close()
    again = QueueStore(path)  # a new connection reads what the first wrote
    jobs = again.jobs()
    assert [j.job.prompt for j in jobs] == ["b", "a"]
    assert jobs[1].state == DONE and jobs[1].result == {"model_hash": "ab"} and jobs[1].step == 20
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
