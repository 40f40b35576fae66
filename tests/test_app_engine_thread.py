"""The engine thread: jobs run off the GUI thread, report progress, can be cancelled within a
step, fail with a message, and can be retried. The queue is durable: jobs are stored before
they run and come back after a crash (the running one interrupted, the queue paused)."""

from __future__ import annotations

import threading

import pytest

from engine.jobs import Job, JobError
from lumiere_studio.model import queue_store as st
from lumiere_studio.model.queue_store import QueueStore
from lumiere_studio.services.engine_thread import JobQueue


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
    assert entry.state == st.DONE and out.is_file()
    assert entry.result["model_name"] and entry.total > 0
    assert threading.main_thread().name not in threads and threads


def test_cancel_stops_within_a_step(qtbot, queue, tiny_model, tmp_path):
    steps_seen = []
    queue.worker.progress.connect(lambda j, s, step, t, m: steps_seen.append((s, step)))
    jid = queue.submit(Job(prompt="x", steps=400, model=str(tiny_model)), tmp_path / "c.mp4")
    qtbot.waitUntil(lambda: queue.entries[jid].stage == "base", timeout=180000)
    queue.cancel(jid)
    qtbot.waitUntil(lambda: queue.entries[jid].state == st.CANCELLED, timeout=60000)
    base_steps = [step for s, step in steps_seen if s == "base"]
    assert max(base_steps) < 400
    assert not (tmp_path / "c.mp4").exists()


def test_missing_model_fails_with_a_message_and_retry_requeues(qtbot, queue, tmp_path):
    with qtbot.waitSignal(queue.job_failed, timeout=120000) as sig:
        jid = queue.submit(Job(prompt="x", model=str(tmp_path / "no-model")), tmp_path / "o.mp4")
    assert "not found" in sig.args[1] or "no-model" in sig.args[1]
    assert queue.entries[jid].state == st.FAILED
    with qtbot.waitSignal(queue.job_failed, timeout=120000):
        again = queue.retry(jid)
    assert again != jid and queue.entries[again].state == st.FAILED


def test_a_job_its_task_refuses_is_refused_at_submit_naming_the_field(queue, tmp_path):
    # Before: a cinemagraph with mask_from_frame passed the app's checks, was queued, and then
    # failed on the engine thread with a message about the command line's --mask-from-frame.
    job = Job(task="cinemagraph", prompt="x", image="s.png", mask="m.png", mask_from_frame=3)
    with pytest.raises(JobError, match="`mask_from_frame`") as info:
        queue.submit(job, tmp_path / "o.mp4")
    assert info.value.field == "mask_from_frame" and "--" not in str(info.value)
    assert not queue.entries and not queue.store.jobs()  # nothing queued, nothing stored


def test_queued_jobs_can_be_removed(qtbot, queue, tiny_model, tmp_path):
    first = queue.submit(Job(prompt="x", steps=400, model=str(tiny_model)), tmp_path / "1.mp4")
    second = queue.submit(Job(prompt="y", steps=2, model=str(tiny_model)), tmp_path / "2.mp4")
    queue.cancel(second)
    queue.remove(second)
    assert second not in queue.entries
    queue.remove(first)  # running: not removable
    assert first in queue.entries
    queue.cancel(first)
    qtbot.waitUntil(lambda: queue.entries[first].state == st.CANCELLED, timeout=180000)


def _fast(model, prompt="a ball", **kw) -> Job:
    return Job(prompt=prompt, steps=1, model=str(model), **kw)


def test_jobs_are_stored_before_running_and_come_back_after_a_crash(qtbot, tiny_model, tmp_path):
    path = tmp_path / "queue.sqlite3"
    first = JobQueue(store=QueueStore(path))
    first.set_paused(True)
    ids = [first.submit(_fast(tiny_model, f"job {i}"), tmp_path / f"{i}.mp4") for i in range(3)]
    on_disk = QueueStore(path)  # another connection sees them at once
    assert [j.job.prompt for j in on_disk.jobs()] == ["job 0", "job 1", "job 2"]
    on_disk.update(ids[0], state=st.RUNNING, step=1, total=2)  # what a kill -9 mid-job leaves
    first.runner.shutdown()  # the process "dies": no clean shutdown of the queue

    second = JobQueue(store=QueueStore(path))
    try:
        assert second.order == ids and second.interrupted == [ids[0]]
        assert second.entries[ids[0]].state == st.INTERRUPTED
        assert [second.entries[i].state for i in ids[1:]] == [st.QUEUED, st.QUEUED]
        assert second.paused and second.restored == 2  # nothing runs until the user agrees
        qtbot.wait(200)
        assert second.running is None
        second.set_paused(False)
        qtbot.waitUntil(
            lambda: all(second.entries[i].state == st.DONE for i in ids[1:]), timeout=120000
        )
        assert second.entries[ids[0]].state == st.INTERRUPTED  # resumed only when asked
        assert second.resume(ids[0])
        qtbot.waitUntil(lambda: second.entries[ids[0]].state == st.DONE, timeout=120000)
        assert all((tmp_path / f"{i}.mp4").is_file() for i in range(3))
        assert {j.state for j in QueueStore(path).jobs()} == {st.DONE}
    finally:
        second.shutdown()


def test_reorder_pause_and_duplicate_with_a_new_seed(qtbot, tiny_model, tmp_path):
    path = tmp_path / "queue.sqlite3"
    queue = JobQueue(store=QueueStore(path))
    try:
        queue.set_paused(True)
        a, b, c = (queue.submit(_fast(tiny_model, p), tmp_path / f"{p}.mp4") for p in "abc")
        queue.move(c, 0)
        assert queue.order == [c, a, b]
        assert [j.id for j in QueueStore(path).jobs()] == [c, a, b]  # the new order is stored
        started = []
        queue.changed.connect(
            lambda j: (
                queue.entries[j].state == st.RUNNING and j not in started and started.append(j)
            )
        )
        queue.set_paused(False)
        qtbot.waitUntil(lambda: queue.entries[b].state == st.DONE, timeout=120000)
        assert started == [c, a, b]
        copy = queue.duplicate(a, seed=77)
        qtbot.waitUntil(lambda: queue.entries[copy].state == st.DONE, timeout=120000)
        original, dup = queue.entries[a], queue.entries[copy]
        assert dup.job.seed == 77 and dup.output != original.output and dup.output.is_file()
        assert {**dup.job.to_dict(), "seed": 0} == {**original.job.to_dict(), "seed": 0}
        record = queue.record(copy)
        assert record["device"] == "cpu" and record["peak_memory_mib"] > 0
        assert record["model_hash"] and record["job"]["seed"] == 77 and record["finished_at"]
    finally:
        queue.shutdown()


def test_out_of_memory_fails_that_job_plainly_and_the_queue_goes_on(
    qtbot, tiny_model, tmp_path, monkeypatch
):
    import torch

    from engine.pipeline import Engine

    real_run = Engine.run

    def run(self, job, *args, **kwargs):
        if job.prompt == "too big":
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 80 GiB")
        return real_run(self, job, *args, **kwargs)

    monkeypatch.setattr(Engine, "run", run)
    queue = JobQueue()
    try:
        big = queue.submit(_fast(tiny_model, "too big"), tmp_path / "big.mp4")
        ok = queue.submit(_fast(tiny_model, "fits"), tmp_path / "ok.mp4")
        qtbot.waitUntil(lambda: queue.entries[ok].state == st.DONE, timeout=120000)
        assert queue.entries[big].state == st.FAILED
        assert queue.entries[big].message.startswith("out of memory: lower the frame count")
    finally:
        queue.shutdown()


def test_closing_keeps_queued_jobs_and_marks_the_running_one_interrupted(
    qtbot, tiny_model, tmp_path
):
    path = tmp_path / "queue.sqlite3"
    queue = JobQueue(store=QueueStore(path))
    running = queue.submit(Job(prompt="x", steps=400, model=str(tiny_model)), tmp_path / "r.mp4")
    waiting = queue.submit(_fast(tiny_model), tmp_path / "w.mp4")
    qtbot.waitUntil(lambda: queue.entries[running].stage == "base", timeout=120000)
    queue.shutdown()
    stored = {j.id: j for j in QueueStore(path).jobs()}
    assert stored[running].state == st.INTERRUPTED and "closed" in stored[running].message
    assert stored[waiting].state == st.QUEUED
    assert not (tmp_path / "r.mp4").exists()


def _direct():
    from PySide6.QtCore import Qt

    return Qt.ConnectionType.DirectConnection


def test_warm_up_runs_on_the_engine_thread_and_reports(qtbot, queue, tiny_model):
    seen = []
    load = queue.worker.session.warm_up

    def recording(*args):
        seen.append(threading.current_thread())
        return load(*args)

    queue.worker.session.warm_up = recording
    with qtbot.waitSignal(queue.worker.warmed, timeout=180000) as sig:
        queue.warm_up(str(tiny_model))
    assert sig.args == [""]
    assert seen and seen[0] is not threading.main_thread()  # not on the GUI thread
    assert queue.worker.session._engine is not None and queue.worker.session._engine._loaded
