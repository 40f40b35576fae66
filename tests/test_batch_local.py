"""Local worker processes: jobs spread over N processes that each keep their model, torch's
threads split between them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from testkit import processes

from engine.batch.local import InProcessPool, ProcessPool, make_local_pool, threads_per_worker
from engine.batch.task import Task
from engine.jobs import Job


def test_threads_are_split_between_workers():
    assert threads_per_worker(2, total=8) == 4
    assert threads_per_worker(3, total=2) == 1
    assert threads_per_worker(1, total=2) == 2


def test_one_worker_runs_in_process_and_zero_is_refused():
    assert isinstance(make_local_pool(1), InProcessPool)
    with pytest.raises(ValueError, match="at least 1"):
        make_local_pool(0)


def test_two_processes_share_the_jobs_and_keep_their_models(tiny_model, tmp_path):
    pool = ProcessPool(2, threads=1)
    try:
        for seed in range(4):
            job = Job(prompt="a ball", steps=1, seed=seed, model=str(tiny_model))
            out = tmp_path / f"{seed}.mp4"
            pool.submit(Task(out.name, job.to_json(), str(out)))
        results = [pool.next_result() for _ in range(4)]
        long = Job(prompt="long", steps=1000, model=str(tiny_model))
        pool.submit(Task("long.mp4", long.to_json(), str(tmp_path / "long.mp4")))
        time.sleep(1.0)
        t0 = time.monotonic()
        pool.cancel()  # what Ctrl-C does: the running job stops at its next step
        cancel_s = time.monotonic() - t0
    finally:
        pool.close()
    # A cancel stops the 1000-step job at its next step: far sooner than the job would take,
    # bounded from what a whole 1-step job took here (so a loaded machine scales it too).
    bound = max(30.0, 20 * max(r.run.seconds for r in results))
    assert cancel_s < bound, f"the cancel took {cancel_s:.1f} s (bound {bound:.0f} s)"
    assert not any(p.is_alive() for p in pool._procs)
    assert not (tmp_path / "long.mp4").exists()
    assert pool.pending == 0
    assert sorted(r.task.key for r in results) == ["0.mp4", "1.mp4", "2.mp4", "3.mp4"]
    assert all(r.run.done and Path(r.run.path).is_file() and r.run.sha256 for r in results)
    assert {r.worker for r in results} <= {0, 1}
    # Each process loads once: its later jobs are faster than its first.
    for worker in {r.worker for r in results}:
        times = [r.run.seconds for r in results if r.worker == worker]
        assert len(times) == 1 or min(times[1:]) < times[0]


_BATCH = """
import time
from engine.batch.local import ProcessPool
pool = ProcessPool(1, threads=1)
print(pool._procs[0].pid, flush=True)
time.sleep(600)
"""


def test_a_worker_ends_soon_after_its_batch_process_is_killed(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    batch = subprocess.Popen(
        [sys.executable, "-c", _BATCH],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its worker is in its group: reaped with it on failure
    )
    with processes.reaped(batch):
        worker = int(processes.readline(batch, "the batch's worker start"))
        batch.send_signal(signal.SIGKILL)  # still loading torch: no task has been taken yet
        processes.wait(batch, "the killed batch")
        t0 = time.monotonic()

        def gone() -> bool:  # it watches its parent; it need not load torch first
            try:
                return Path(f"/proc/{worker}/stat").read_text().split()[2] == "Z"
            except OSError:
                return True

        processes.wait_until(gone, "the worker of a killed batch")
        # "soon": a poll of its parent, not its torch import, however busy the machine
        assert time.monotonic() - t0 < max(8.0, processes.CEILING_S / 10)
