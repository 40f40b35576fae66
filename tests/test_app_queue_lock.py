"""One owner per queue file: a second store in this process or another one is refused and
told who holds the queue; the lock goes with its holder, also on kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from engine.jobs import Job
from lumiere_studio.model.queue_lock import QueueHeld, QueueLock, lock_path, read_holder
from lumiere_studio.model.queue_store import QueueStore

ROOT = Path(__file__).resolve().parent.parent

_HOLDER = """
import sys, time
from lumiere_studio.model.queue_store import QueueStore
store = QueueStore(sys.argv[1])
print("held", flush=True)
time.sleep(600)
"""


def test_a_second_owner_in_this_process_is_refused_until_the_first_closes(tmp_path):
    path = tmp_path / "q.sqlite3"
    first = QueueStore(path)
    first.add(Job(prompt="a"), tmp_path / "a.mp4")
    with pytest.raises(QueueHeld) as held:
        QueueStore(path)
    assert held.value.holder is not None and held.value.holder.pid == os.getpid()
    assert held.value.holder.host == socket.gethostname()
    assert f"process {os.getpid()}" in str(held.value)
    assert [j.job.prompt for j in first.jobs()] == ["a"]  # the refused one changed nothing
    first.close()
    assert read_holder(path) is None  # the record goes with the lock
    second = QueueStore(path)
    assert second.owned and [j.job.prompt for j in second.jobs()] == ["a"]
    second.close()


def test_another_process_holds_it_until_killed(tmp_path):
    path = tmp_path / "q.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(QueueHeld) as held:
            QueueStore(path)
        assert held.value.holder.pid == child.pid
        viewer = QueueStore(path, read_only=True)  # looking is still allowed
        assert viewer.jobs() == [] and not viewer.owned
        viewer.close()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    store = QueueStore(path)  # the kernel gave the lock back with the process
    assert store.owned
    store.close()


def test_a_planted_link_as_the_lock_file_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path = tmp_path / "q.sqlite3"
    lock_path(path).symlink_to(victim)
    with pytest.raises(OSError):
        QueueLock.acquire(path)
    assert victim.read_text() == "keep me"
