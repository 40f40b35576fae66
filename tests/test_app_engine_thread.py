"""The engine thread: jobs run off the GUI thread, report progress, can be cancelled within a
step, fail with a message, and can be retried. The queue is durable: jobs are stored before
they run and come back after a crash (the running one interrupted, the queue paused)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest
from testkit.queue_cases import CASES

from engine.jobs import Job, JobError
from lumiere_studio.model import queue_store as st
from lumiere_studio.model.queue_store import QueueStore, QueueStoreError
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
    assert entry.result is not None and entry.result.model_name and entry.total > 0
    assert entry.result.path == str(out) and entry.result.sha256
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
    on_disk = QueueStore(path, read_only=True)  # another connection sees them at once
    assert [j.job.prompt for j in on_disk.jobs()] == ["job 0", "job 1", "job 2"]
    first.runner.shutdown()  # the process "dies": no clean shutdown of the queue
    first.store.close()  # (its OS lock goes with it)
    raw = sqlite3.connect(path)  # what a kill -9 mid-job leaves
    raw.execute("UPDATE jobs SET state = 'running', step = 1, total = 2 WHERE id = ?", (ids[0],))
    raw.commit()
    raw.close()

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
        assert {j.state for j in QueueStore(path, read_only=True).jobs()} == {st.DONE}
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
        stored = QueueStore(path, read_only=True).jobs()
        assert [j.id for j in stored] == [c, a, b]  # the new order is stored
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
        # its record says where it ran out and how long it took (kept with the failure)
        record = queue.record(big)
        assert record["device"].startswith(("cpu", "cuda", "mps")) and record["seconds"] >= 0
        assert record["peak_memory_kind"] and queue.entries[ok].result.done
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


# --- the queue file at launch: damaged files, a second instance, a busy file ---------------------
def _launch(qtbot, path, choose=None):
    """What the main window does at launch: open the file, build the queue and its panel."""
    from lumiere_studio.services.engine_thread import open_queue_store
    from lumiere_studio.ui.jobs_panel import JobsPanel

    store, notice = open_queue_store(path, choose)
    queue = JobQueue(store=store)
    panel = JobsPanel(queue)
    qtbot.addWidget(panel)
    panel.show_notice(notice)
    panel.resize(420, 400)
    panel.show()
    assert not panel.grab().isNull()  # every row in view painted
    return queue, panel, notice


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_damaged_queue_file_never_stops_the_launch(qtbot, tmp_path, case):
    path = tmp_path / "queue.sqlite3"
    case.make(path)
    before = {p.name: p.is_dir() or p.read_bytes() for p in tmp_path.iterdir() if not p.is_fifo()}
    queue, panel, notice = _launch(qtbot, path)
    try:
        prompts = [queue.entries[j].job.prompt for j in queue.order]
        assert not queue.store.read_only and queue.store.path == path  # the real file, owned
        if case.expect == "kept":
            assert prompts == ["good", "victim"] and notice == ""
        elif case.expect == "set aside":
            assert prompts == ["good"] and "set aside" in notice and "#2:" in notice
            assert [j for j, _why in queue.store.set_aside()] == [2]
        elif case.expect == "empty":
            assert prompts == [] and notice == ""
        else:
            assert case.expect == "moved" and prompts == []
            kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
            assert kept and kept[0].name in notice and "new, empty queue" in notice
            if path.name in before:  # kept as it was, byte for byte (a folder as a folder)
                original = before[path.name]
                assert kept[0].is_dir() if original is True else kept[0].read_bytes() == original
            assert "move it" not in notice
        assert notice in panel.notice.text()  # shown with the panel's own notices
        queue.set_paused(True)  # (nothing renders in this test)
        new = queue.submit(Job(prompt="after"), tmp_path / "after.mp4")
        assert queue.entries[new].unsaved is False  # the queue works after the launch
    finally:
        queue.shutdown()
    again = QueueStore(path)  # the next launch has nothing more to say: set aside once
    assert again.notices == [] and [j.job.prompt for j in again.jobs()][-1] == "after"
    again.close()


def test_a_second_instance_gets_read_only_or_a_separate_queue(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "queue.sqlite3"
    owner, _panel, _ = _launch(qtbot, path)
    try:
        owner.set_paused(True)
        jid = owner.submit(Job(prompt="mine"), tmp_path / "m.mp4")
        owner._set(jid, state=st.RUNNING, message="rendering")  # as the worker would
        asked = []
        viewer, panel, notice = _launch(qtbot, path, lambda held: asked.append(held) or "read-only")
        assert asked and asked[0].holder.pid == os.getpid()  # who holds it, for the question
        assert "Read-only" in notice and f"process {os.getpid()}" in notice
        assert viewer.read_only and viewer.order == [jid]
        assert viewer.entries[jid].state == st.RUNNING  # not marked interrupted
        assert panel.shown_buttons(jid) == ("record",) and not panel.pause.isEnabled()
        with pytest.raises(QueueStoreError, match="read-only"):
            viewer.submit(Job(prompt="theirs"), tmp_path / "t.mp4")
        viewer.remove(jid)
        viewer.cancel(jid)
        viewer.set_paused(False)
        assert viewer.running is None and owner.order == [jid]
        second = owner.submit(Job(prompt="later"), tmp_path / "l.mp4")
        viewer.reload()  # (a timer does this every two seconds)
        assert viewer.order == [jid, second] and panel.ordered_rows() == [jid, second]
        viewer.shutdown()
        assert owner.store.get(jid).state == st.RUNNING  # the viewer's exit changed nothing

        apart, _p2, notice = _launch(qtbot, path, lambda held: "separate")
        assert not apart.read_only and apart.order == [] and apart.store.path != path
        assert str(apart.store.path) in notice and apart.store.path.is_file()
        apart.shutdown()
    finally:
        owner.shutdown()


def test_a_queue_file_locked_by_another_program_loses_no_job(qtbot, tmp_path):
    path = tmp_path / "queue.sqlite3"
    queue, panel, _ = _launch(qtbot, path)
    try:
        queue.set_paused(True)
        first = queue.submit(Job(prompt="before"), tmp_path / "b.mp4")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        t0 = time.monotonic()
        jid = queue.submit(Job(prompt="during", seed=5), tmp_path / "d.mp4")
        queue.move(jid, 0)
        assert time.monotonic() - t0 < 2.0  # no 10 s freeze
        entry = queue.entries[jid]
        assert entry.unsaved and "locked" in queue.store_problem
        assert "locked by another program" in panel.notice.text()
        assert "move" not in panel.notice.text()
        started = []
        queue.runner.submit = started.append  # (no model runs here: only what would start)
        queue.set_paused(False)
        assert queue.running is not None and queue.running.id == first  # saved: it may run
        assert len(started) == 1  # and the unsaved one, first in the order, did not
        other.execute("ROLLBACK")
        other.close()
        qtbot.waitUntil(lambda: not queue.store_problem, timeout=5000)
        assert not entry.unsaved and panel.notice.text() == ""
        on_disk = QueueStore(path, read_only=True)
        stored = {j.id: j for j in on_disk.jobs()}
        assert stored[jid].job.seed == 5 and [j.id for j in on_disk.jobs()][:2] == [jid, first]
        on_disk.close()
    finally:
        queue.shutdown()


def test_jobs_still_unsaved_at_exit_go_to_a_job_file(qtbot, tmp_path):
    path = tmp_path / "queue.sqlite3"
    queue = JobQueue(store=QueueStore(path))
    queue.set_paused(True)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        queue.submit(Job(prompt="kept", seed=9), tmp_path / "k.mp4")
        queue.shutdown()
    finally:
        other.execute("ROLLBACK")
        other.close()
    spilled = list(tmp_path.glob("queue.sqlite3.unsaved-*.jsonl"))
    from engine.batch.jobfile import read_jobs

    assert len(spilled) == 1 and [j.seed for j in read_jobs(spilled[0])] == [9]  # as batch reads


def test_a_launch_while_another_program_locks_the_file_opens_it(qtbot, tmp_path):
    path = tmp_path / "queue.sqlite3"
    store = QueueStore(path)
    ran = store.add(Job(prompt="was running"), tmp_path / "r.mp4")
    waiting = store.add(Job(prompt="waiting"), tmp_path / "w.mp4")
    store.update(ran.id, state=st.RUNNING)
    store.close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        queue, panel, notice = _launch(qtbot, path)
        assert time.monotonic() - t0 < 5.0 and queue.store.path == path  # not in memory
        assert queue.order == [ran.id, waiting.id] and queue.interrupted == [ran.id]
        assert queue.entries[ran.id].state == st.INTERRUPTED  # shown so, written later
        assert "locked by another program" in panel.notice.text()
    finally:
        other.execute("ROLLBACK")
        other.close()
    try:
        qtbot.waitUntil(lambda: not queue.store_problem, timeout=5000)
        on_disk = QueueStore(path, read_only=True)
        assert on_disk.get(ran.id).state == st.INTERRUPTED
        on_disk.close()
    finally:
        queue.shutdown()
