"""Batch jobs on Ray: actors that keep their model, results written here as they come back.

The cluster tests need Ray (`pip install -e ".[cluster]"`, not part of `.[dev]`); without it
they are skipped with that reason, which `pytest -ra` prints. Run them alone with
`python -m pytest -q -m ray`."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest
from testkit import processes

from engine.batch.jobfile import BatchError, plan
from engine.batch.ray_pool import INSTALL_HINT, plan_actors
from engine.batch.results import ResultsLog
from engine.batch.runner import run_batch
from engine.cli import main
from engine.jobs import Job


def test_one_actor_per_gpu_or_per_cpu_worker():
    assert plan_actors({"CPU": 16, "GPU": 4}, None) == (4, {"num_gpus": 1, "num_cpus": 1})
    assert plan_actors({"CPU": 16, "GPU": 1}, 4) == (4, {"num_gpus": 0.25, "num_cpus": 1})
    assert plan_actors({"CPU": 2}, None) == (2, {"num_cpus": 1})
    assert plan_actors({"CPU": 8}, 2) == (2, {"num_cpus": 4})


def test_without_ray_the_flag_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets when it is missing
    (tmp_path / "jobs.jsonl").write_text('{"prompt": "x"}\n')
    code = main(
        ["batch", str(tmp_path / "jobs.jsonl"), "--ray", "auto", "--out", str(tmp_path / "o")]
    )
    assert code == 2
    assert INSTALL_HINT in capsys.readouterr().err
    with pytest.raises(BatchError, match="cluster extra"):
        from engine.batch.ray_pool import import_ray

        import_ray()


def test_an_address_that_does_not_answer_fails_fast():
    import socket

    from engine.batch.ray_pool import check_reachable

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(BatchError, match="nothing answers there"):
        check_reachable(f"127.0.0.1:{port}", timeout_s=2)
    check_reachable("auto")  # not HOST:PORT: left to Ray


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip(
        "ray", reason='Ray is not installed: pip install -e ".[cluster]" to run the Ray tests'
    )
    os.environ["RAY_AUTH_MODE"] = "disabled"  # else Ray writes a token into the home folder
    # Ray gives its node a fixed 30 s to start, which a busy machine can pass: it is asked
    # again (its half-started processes ended first) until the ceiling.
    deadline, tries = time.monotonic() + processes.CEILING_S, 0
    while True:
        tries += 1
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            break
        except Exception as e:  # Ray raises plain Exception for a node that timed out
            ray.shutdown()
            if time.monotonic() > deadline:
                raise processes.too_slow(f"a local Ray node's start ({tries} tries: {e})") from e
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.mark.ray
def test_jobs_run_on_two_actors_and_resume(ray_cluster, tiny_model, tmp_path):
    from engine.batch.ray_pool import RayPool

    bad = Job(prompt="x", steps=1, model=str(tmp_path / "no-model"))
    jobs = [Job(prompt="a ball", steps=1, seed=s, model=str(tiny_model)) for s in range(3)]
    items = plan([*jobs, bad])
    pool = RayPool("auto", None)
    assert pool.workers == 2 and pool.device == "CPU"
    summary = run_batch(items, tmp_path, pool, say=lambda s: None)
    assert (summary.done, summary.failed) == (3, 1)
    records = {r["output"]: r for r in ResultsLog(tmp_path).records()}
    for item in items[:3]:
        path = tmp_path / item.output
        assert records[item.output]["status"] == "done" and path.is_file()
        assert (tmp_path / (item.output + ".provenance.json")).is_file()
    failed = records[items[3].output]
    assert failed["attempts"] == 2 and "no-model" in failed["error"]
    assert {r["worker"] for r in records.values()} <= {0, 1}
    assert ray_cluster.is_initialized()  # a cluster it joined is left running

    again = run_batch(items, tmp_path, RayPool("auto", 1), say=lambda s: None)
    assert (again.skipped, again.done, again.failed) == (3, 0, 1)
    lines = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert sum(r["status"] == "done" for r in lines) == 3  # each job done exactly once
