"""The engine thread: jobs run off the GUI thread, report progress, can be cancelled within a
step, fail with a message, and can be retried."""

from __future__ import annotations

import threading

import pytest

from engine.jobs import Job
from lumiere_studio.engine_thread import CANCELLED, DONE, FAILED, JobQueue


@pytest.fixture
def queue(qtbot):
    q = JobQueue()
    yield q
    q.shutdown()


def test_job_runs_on_the_engine_thread_and_writes_output(qtbot, queue, tiny_model, tmp_path):
    threads = set()
    queue.worker.progress.connect(
        lambda *a: threads.add(threading.current_thread().name), type=_direct()
    )
    out = tmp_path / "out.mp4"
    with qtbot.waitSignal(queue.job_done, timeout=180000):
        jid = queue.submit(Job(prompt="a red ball", steps=2, model=str(tiny_model)), out)
    entry = queue.entries[jid]
    assert entry.state == DONE and out.is_file()
    assert entry.result["model_name"] and entry.total > 0
    assert threading.main_thread().name not in threads and threads


def test_cancel_stops_within_a_step(qtbot, queue, tiny_model, tmp_path):
    steps_seen = []
    queue.worker.progress.connect(lambda j, s, step, t, m: steps_seen.append((s, step)))
    jid = queue.submit(Job(prompt="x", steps=400, model=str(tiny_model)), tmp_path / "c.mp4")
    qtbot.waitUntil(lambda: queue.entries[jid].stage == "base", timeout=180000)
    queue.cancel(jid)
    qtbot.waitUntil(lambda: queue.entries[jid].state == CANCELLED, timeout=60000)
    base_steps = [step for s, step in steps_seen if s == "base"]
    assert max(base_steps) < 400
    assert not (tmp_path / "c.mp4").exists()


def test_missing_model_fails_with_a_message_and_retry_requeues(qtbot, queue, tmp_path):
    with qtbot.waitSignal(queue.job_failed, timeout=120000) as sig:
        jid = queue.submit(Job(prompt="x", model=str(tmp_path / "no-model")), tmp_path / "o.mp4")
    assert "not found" in sig.args[1] or "no-model" in sig.args[1]
    assert queue.entries[jid].state == FAILED
    with qtbot.waitSignal(queue.job_failed, timeout=120000):
        again = queue.retry(jid)
    assert again != jid and queue.entries[again].state == FAILED


def test_queued_jobs_can_be_removed(qtbot, queue, tiny_model, tmp_path):
    first = queue.submit(Job(prompt="x", steps=400, model=str(tiny_model)), tmp_path / "1.mp4")
    second = queue.submit(Job(prompt="y", steps=2, model=str(tiny_model)), tmp_path / "2.mp4")
    queue.cancel(second)
    queue.remove(second)
    assert second not in queue.entries
    queue.remove(first)  # running: not removable
    assert first in queue.entries
    queue.cancel(first)
    qtbot.waitUntil(lambda: queue.entries[first].state == CANCELLED, timeout=180000)


def _direct():
    from PySide6.QtCore import Qt

    return Qt.ConnectionType.DirectConnection
