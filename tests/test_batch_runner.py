"""The batch loop: every job written with its record, finished jobs skipped on resume only while
their files have the recorded hash, a failure retried once, Ctrl-C leaving nothing partial."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from engine.batch.jobfile import plan
from engine.batch.local import InProcessPool
from engine.batch.results import ResultsLog
from engine.batch.runner import run_batch
from engine.batch.task import TaskResult
from engine.jobs import Job
from engine.run import RunResult


def _jobs(model, n=3, **kw):
    return [Job(prompt="a red ball", steps=1, seed=s, model=str(model), **kw) for s in range(n)]


def test_runs_every_job_and_resumes_only_what_is_not_verified(engine, tiny_model, tmp_path):
    items = plan(_jobs(tiny_model))
    summary = run_batch(items, tmp_path, InProcessPool(engine), say=lambda s: None)
    assert (summary.done, summary.failed, summary.skipped) == (3, 0, 0)
    records = ResultsLog(tmp_path).records()
    assert [r["output"] for r in records] == [i.output for i in items]
    assert all(r["status"] == "done" and r["attempts"] == 1 and r["sha256"] for r in records)
    assert all((tmp_path / i.output).is_file() for i in items)
    assert records[0]["job"] == items[0].job.to_dict() and records[0]["device"] == "cpu"

    (tmp_path / items[1].output).write_bytes(b"tampered")  # no longer the recorded file
    (tmp_path / items[2].output).unlink()
    again = run_batch(items, tmp_path, InProcessPool(engine), say=lambda s: None)
    assert (again.done, again.skipped) == (2, 1)
    assert set(ResultsLog(tmp_path).verified_done(tmp_path)) == {i.output for i in items}


def test_a_failing_job_is_retried_once_and_the_batch_goes_on(engine, tiny_model, tmp_path):
    bad = Job(prompt="x", steps=1, model=str(tmp_path / "no-such-model"))
    items = plan([bad, *_jobs(tiny_model, 1)])
    said = []
    summary = run_batch(items, tmp_path, InProcessPool(engine), say=said.append)
    assert (summary.done, summary.failed, summary.exit_code) == (1, 1, 1)
    failed = ResultsLog(tmp_path).records()[-1]
    assert failed["output"] == items[0].output and failed["attempts"] == 2
    assert "no-such-model" in failed["error"] and failed["status"] == "failed"
    assert any("retrying once" in s for s in said)
    assert not (tmp_path / items[0].output).exists()


class _FlakyPool(InProcessPool):
    """Fails each job's first attempt as a lost worker would, then runs it for real."""

    def next_result(self):
        task = self._tasks[0]
        if task.attempt == 1:
            return self._tasks.popleft().failed("worker lost")
        return super().next_result()


def test_a_job_that_fails_once_is_done_on_its_retry(engine, tiny_model, tmp_path):
    items = plan(_jobs(tiny_model, 2))
    summary = run_batch(items, tmp_path, _FlakyPool(engine), say=lambda s: None)
    assert (summary.done, summary.failed) == (2, 0)
    assert [r["attempts"] for r in ResultsLog(tmp_path).records()] == [2, 2]
    no_retry = run_batch(
        plan(_jobs(tiny_model, 1, guidance=2.0)),
        tmp_path / "r0",
        _FlakyPool(engine),
        retries=0,
        say=lambda s: None,
    )
    assert (no_retry.done, no_retry.failed) == (0, 1)


class _InterruptedPool(InProcessPool):
    """Ctrl-C arrives while the second job is being waited for."""

    def next_result(self):
        if self.calls == 1:
            raise KeyboardInterrupt
        self.calls += 1
        return super().next_result()

    calls = 0


def test_ctrl_c_cancels_and_a_rerun_finishes_the_rest(engine, tiny_model, tmp_path):
    items = plan(_jobs(tiny_model, 3))
    pool = _InterruptedPool(engine)
    summary = run_batch(items, tmp_path, pool, say=lambda s: None)
    assert summary.cancelled and summary.exit_code == 130 and summary.done == 1
    assert pool._cancelled and pool.pending == 0
    assert sorted(p.name for p in tmp_path.glob("*.mp4")) == [items[0].output]
    resumed = run_batch(items, tmp_path, InProcessPool(engine), say=lambda s: None)
    assert (resumed.done, resumed.skipped) == (2, 1)
    lines = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert sorted(r["output"] for r in lines if r["status"] == "done") == sorted(
        i.output for i in items
    )  # each job done exactly once


def test_a_cancelled_job_is_not_logged_or_retried(engine, tiny_model, tmp_path):
    pool = InProcessPool(engine)
    pool.cancel()  # as if Ctrl-C landed inside the job: it comes back cancelled
    items = plan(_jobs(tiny_model, 1))
    summary = run_batch(items, tmp_path, pool, say=lambda s: None)
    assert summary.done == 0 and summary.failed == 0
    assert ResultsLog(tmp_path).records() == []


class _ScriptedPool:
    """Hands back a given RunResult for each task, with no engine (what the log is made of)."""

    workers = 1

    def __init__(self, runs) -> None:
        self.runs, self.tasks = list(runs), []

    @property
    def pending(self) -> int:
        return len(self.tasks)

    def submit(self, task) -> None:
        self.tasks.append(task)

    def next_result(self):
        task = self.tasks.pop(0)
        return TaskResult(task, dataclasses.replace(self.runs.pop(0), path=task.output), 5)

    def cancel(self) -> None:
        self.tasks.clear()

    def close(self) -> None:
        pass


def test_each_line_is_written_from_the_runs_frozen_result(tmp_path):
    items = plan([Job(prompt="a", seed=1), Job(prompt="b", seed=2)])
    (tmp_path / items[0].output).write_bytes(b"video")
    done = RunResult(
        "done",
        seconds=2.5,
        cpu_seconds=4.0,
        sha256=hashlib.sha256(b"video").hexdigest(),
        model_name="m",
        model_hash="h" * 64,
        notes=("fitted", "upscaled"),
        fps=8,
        device="cuda:0",
        peak_memory_mib=900.5,
        peak_memory_kind="cuda allocated, this job",
    )
    failed = RunResult("failed", error="out of memory: lower the frame count", device="cpu")
    summary = run_batch(items, tmp_path, _ScriptedPool([done, failed]), 0, say=lambda s: None)
    assert (summary.done, summary.failed) == (1, 1)
    first, second = ResultsLog(tmp_path).records()
    for line, run, item in ((first, done, items[0]), (second, failed, items[1])):
        written = {k: v for k, v in run.to_dict().items() if k not in ("path", "fps")}
        assert {k: line[k] for k in written} == written  # every field, as the result says
        assert line["output"] == item.output and line["job"] == item.job.to_dict()
        assert line["worker"] == 5 and line["attempts"] == 1
    assert summary.failures == [f"{items[1].output}: {failed.error}"]
    assert set(ResultsLog(tmp_path).verified_done(tmp_path)) == {items[0].output}
