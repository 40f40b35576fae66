"""Batch rendering and the durable queue, measured.

    python bench/batch.py throughput [--jobs 16] [--steps 8]   # 1 vs 2 local workers, 2 on Ray
    python bench/batch.py queue-kill [--rounds 10]             # kill -9 the app's queue process
    python bench/batch.py batch-kill [--rounds 10]             # kill -9 a batch run, then resume
    python bench/batch.py all

throughput: 16 text-to-video jobs on the bundled model (resources/models/lumiere-mini, native
16 frames at 32x32, no SSR) through the batch pools: one worker in this process with one and
with two torch threads, two worker processes with one thread each, and two Ray actors on a
local cluster (ray.init(num_cpus=2)). Each pool first renders one job per worker (model load,
first-run costs), then the 16 jobs are timed: throughput with the model load amortised. Ray
overhead per job = (Ray wall time - local 2-process wall time) / jobs.

queue-kill: a headless process runs the app's JobQueue (the same class the window uses) on a
fresh queue file with 6 jobs; it is killed with SIGKILL at a random moment while a job runs.
Then the file is opened again: every job must be there, the running one marked interrupted.
After the last kill (or every kill, --resume-all) a relaunch resumes the queue and must finish
all 6.

batch-kill: `lumiere-studio batch --workers 2` on --jobs jobs, SIGKILL to the batch process at
a random moment of it (uniform over the time an uninterrupted run takes), then the same command
again to the end; 10 rounds, each on a fresh folder. Checked: each job has exactly one done
record, every file at a target path is a whole video (after the kill too) with the recorded
hash, no worker process outlives its killed batch by 15 s.
Long CPU work: run with `nice -n 15` and OMP_NUM_THREADS=1 on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "resources/models/lumiere-mini"
sys.path.insert(0, str(ROOT))


def tiny_model(root: Path) -> Path:
    """An untrained small model folder: the kill benches test durability, not pictures."""
    from testkit.models import tiny_model as write_tiny

    return write_tiny(root / "tiny")


def _env() -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": "1",
        "RAY_AUTH_MODE": "disabled",
        "QT_QPA_PLATFORM": "offscreen",
    }


# --- throughput -------------------------------------------------------------------------------
def _tasks(jobs, folder: Path, tag: str) -> list:
    from engine.batch.task import Task

    return [
        Task(f"{tag}-{i}", j.to_json(), str(folder / f"{tag}-{i}.mp4")) for i, j in enumerate(jobs)
    ]


def _drain(pool, tasks: list) -> tuple[float, float]:
    """(wall seconds, CPU seconds the jobs took in their workers)."""
    t0 = time.perf_counter()
    for task in tasks:
        pool.submit(task)
    results = [pool.next_result() for _ in tasks]
    bad = [r.run for r in results if not r.run.done]
    if bad:
        raise SystemExit(f"a bench job failed: {bad[0].error}")
    return time.perf_counter() - t0, sum(r.run.cpu_seconds for r in results)


def _timed(pool, jobs, folder: Path, tag: str) -> tuple[float, float, float]:
    """(warm-up seconds: one job per worker, wall seconds for all jobs, their CPU seconds)."""
    warm, _ = _drain(pool, _tasks(jobs[: pool.workers], folder, f"{tag}-warm"))
    return (warm, *_drain(pool, _tasks(jobs, folder, tag)))


def _pools(names: list[str]) -> dict:
    """The pools to compare, each started and warmed up once (model load, first-run costs)."""
    from engine.batch.local import InProcessPool, ProcessPool

    pools = {}
    for name in names:
        if name == "one1":
            pools["1 worker (in process, 1 thread)"] = (InProcessPool(), 1)
        elif name == "one2":
            pools["1 worker (in process, 2 threads)"] = (InProcessPool(), 2)
        elif name == "two":
            pools["2 worker processes (1 thread each)"] = (ProcessPool(2, threads=1), 1)
        elif name == "ray":
            try:
                import ray
            except ImportError:
                print('Ray is not installed (pip install -e ".[cluster]"): no Ray figures')
                continue
            from engine.batch.ray_pool import RayPool

            os.environ["RAY_AUTH_MODE"] = "disabled"
            t0 = time.perf_counter()
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            pools["2 Ray actors (1 CPU each)"] = (RayPool("auto", 2), 1)
            print(f"Ray start (init + 2 actors): {time.perf_counter() - t0:.1f} s")
    return pools


def throughput(args) -> dict:
    """Every pool warmed up first, then the timed rounds interleaved (A B C, A B C, ...), so that
    a change in the machine's load hits every configuration alike."""
    import torch

    from engine.jobs import Job

    jobs = [
        Job(
            prompt=f"a red ball moving right, seed {s}",
            steps=args.steps,
            seed=s,
            model=str(args.model),
        )
        for s in range(args.jobs)
    ]
    out = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    pools = _pools(args.configs.split(","))
    wall: dict[str, list[float]] = {name: [] for name in pools}
    cpu: dict[str, list[float]] = {name: [] for name in pools}
    try:
        for name, (pool, threads) in pools.items():
            torch.set_num_threads(threads)
            warm, _ = _drain(pool, _tasks(jobs[: pool.workers], out, f"warm-{len(wall[name])}"))
            print(f"{name}: warm-up {warm:.1f} s")
        for round_ in range(args.repeat):
            for name, (pool, threads) in pools.items():
                torch.set_num_threads(threads)
                w, c = _drain(pool, _tasks(jobs, out, f"{name[:5]}-{round_}".replace(" ", "")))
                wall[name].append(w)
                cpu[name].append(c)
                print(f"round {round_ + 1} {name}: {w:.1f} s wall, {c / len(jobs):.2f} CPU s/job")
    finally:
        for pool, _ in pools.values():
            pool.close()
        if "2 Ray actors (1 CPU each)" in pools:
            import ray

            ray.shutdown()
    best = {name: min(v) for name, v in wall.items()}
    base = best.get("1 worker (in process, 1 thread)") or next(iter(best.values()))
    print(
        f"\n{args.jobs} t2v jobs x {args.repeat} rounds, {args.steps} steps, "
        f"{args.model.name}, 16x32x32, no SSR (best round; model load excluded)"
    )
    for name in pools:
        rate = 60 * args.jobs / best[name]
        print(
            f"  {name:36s} {best[name]:6.1f} s  {rate:5.1f} jobs/min  x{base / best[name]:.2f}  "
            f"CPU {min(cpu[name]) / args.jobs:.2f} s/job"
        )
    if "2 Ray actors (1 CPU each)" in best and "2 worker processes (1 thread each)" in best:
        extra = best["2 Ray actors (1 CPU each)"] - best["2 worker processes (1 thread each)"]
        print(f"  Ray overhead per job vs 2 local processes: {1000 * extra / args.jobs:+.0f} ms")
    return {"wall_s": wall, "cpu_s": cpu, "jobs": args.jobs, "steps": args.steps}


# --- kill -9 the app's queue process ------------------------------------------------------------
QUEUE_CHILD = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication, QTimer
from engine.jobs import Job
from lumiere_studio.services.engine_thread import DONE, FAILED, INTERRUPTED, JobQueue
from lumiere_studio.model.queue_store import QueueStore
store_path, model, out, steps = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
app = QCoreApplication([])
queue = JobQueue(store=QueueStore(store_path))
if not queue.entries:
    for i in range(6):
        queue.submit(Job(prompt=f"job {i}", steps=steps, seed=i, model=model), out / f"{i}.mp4")
else:
    for jid, entry in list(queue.entries.items()):
        if entry.state == INTERRUPTED:
            queue.resume(jid)
    queue.set_paused(False)
def check():
    if all(e.state in (DONE, FAILED) for e in queue.entries.values()):
        queue.shutdown()
        app.quit()
timer = QTimer()
timer.timeout.connect(check)
timer.start(100)
app.exec()
"""


def _states(store_path: Path) -> dict[str, int]:
    from lumiere_studio.model.queue_store import QueueStore

    store = QueueStore(store_path, read_only=True)  # the child owns it while it runs
    try:
        counts: dict[str, int] = {}
        for job in store.jobs():
            counts[job.state] = counts.get(job.state, 0) + 1
        return counts
    finally:
        store.close()


def queue_kill(args) -> dict:
    from lumiere_studio.model.queue_store import INTERRUPTED, QueueStore

    root = Path(tempfile.mkdtemp(prefix="bench-queue-kill-"))
    model = tiny_model(root)
    rng = random.Random(args.seed)
    lost = loads = resumed_all = resumed = 0
    at_kill = []
    for round_ in range(args.rounds):
        store_path, out = root / f"queue-{round_}.sqlite3", root / f"out-{round_}"
        out.mkdir()
        argv = [
            sys.executable,
            "-c",
            QUEUE_CHILD,
            str(store_path),
            str(model),
            str(out),
            str(args.queue_steps),
        ]
        child = subprocess.Popen(argv, env=_env())
        while True:  # all 6 submitted (written) and one of them running
            states = _states(store_path) if store_path.exists() else {}
            if sum(states.values()) == 6 and states.get("running"):
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, args.kill_window))
        child.send_signal(signal.SIGKILL)
        child.wait()
        store = QueueStore(store_path)  # raises if the file does not load
        loads += 1
        jobs = store.jobs()
        lost += 6 - len(jobs)
        state_at_kill = {}
        for j in jobs:
            state_at_kill[j.state] = state_at_kill.get(j.state, 0) + 1
        at_kill.append(state_at_kill)
        recovered = store.recover()
        assert all(store.get(i).state == INTERRUPTED for i in recovered)
        store.close()
        print(
            f"round {round_ + 1}: at the kill {state_at_kill}, the file loads, "
            f"{len(jobs)} of 6 jobs there"
        )
        if args.resume_all or round_ == args.rounds - 1:  # a launch after the kill finishes all
            again = subprocess.run(argv, env=_env(), timeout=1800)
            final = _states(store_path)
            resumed += 1
            resumed_all += again.returncode == 0 and final == {"done": 6}
            files = sorted(p.name for p in out.glob("*.mp4"))
            print(f"  relaunched and resumed: {final}, {len(files)} files")
    print(
        f"\nqueue kill -9: {args.rounds} rounds, queue file loaded {loads}/{args.rounds}, "
        f"jobs lost {lost}, all 6 done after a relaunch {resumed_all}/{resumed}"
    )
    return {
        "rounds": args.rounds,
        "loaded": loads,
        "lost": lost,
        "resumed_all": resumed_all,
        "resumed": resumed,
        "at_kill": at_kill,
    }


# --- kill -9 a batch run -----------------------------------------------------------------------
def _batch_children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def _done_lines(out: Path) -> dict[str, int]:
    from engine.batch.results import ResultsLog

    counts: dict[str, int] = {}
    for r in ResultsLog(out).records():
        if r["status"] == "done":
            counts[r["output"]] = counts.get(r["output"], 0) + 1
    return counts


def _whole_files(out: Path, frames: int) -> tuple[int, int]:
    """(files at target paths, how many of them are not a whole video)."""
    from engine.media.probe import probe

    files = list(out.glob("*.mp4")) if out.exists() else []
    broken = 0
    for path in files:
        try:
            broken += probe(path).frames != frames
        except Exception:  # noqa: BLE001 - any failure to read a result counts it as broken
            broken += 1
    return len(files), broken


def batch_kill(args) -> dict:
    """Each round: a fresh batch, SIGKILL at a random moment of it, then the same command run
    again to the end, and the checks."""
    from engine.batch.results import ResultsLog
    from engine.jobs import Job
    from engine.media.provenance import sha256_file

    root = Path(tempfile.mkdtemp(prefix="bench-batch-kill-"))
    model = tiny_model(root)
    jobs_file = root / "jobs.jsonl"
    jobs = [
        Job(prompt=f"job {i}", steps=args.queue_steps, seed=i, model=str(model))
        for i in range(args.jobs)
    ]
    jobs_file.write_text("".join(json.dumps(j.to_dict()) + "\n" for j in jobs))

    def command(out: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "engine",
            "batch",
            str(jobs_file),
            "--out",
            str(out),
            "--workers",
            "2",
        ]

    rng = random.Random(args.seed)
    window = args.batch_kill_window
    if window <= 0:  # kills spread over a whole run: time one without a kill first
        t0 = time.monotonic()
        subprocess.run(
            command(root / "reference"), env=_env(), stdout=subprocess.DEVNULL, timeout=1800
        )
        window = time.monotonic() - t0
        print(f"an uninterrupted run takes {window:.0f} s: kills land in 1..{window:.0f} s")
    orphans = partial = once = hashes_ok = 0
    done_at_kill = []
    for round_ in range(args.rounds):
        out = root / f"out-{round_}"
        child = subprocess.Popen(command(out), env=_env(), stdout=subprocess.DEVNULL)
        t0 = time.monotonic()
        if args.after_first:  # aim at the jobs, not the model load: wait for the first result
            while not (out / "results.jsonl").exists() and child.poll() is None:
                time.sleep(0.05)
        time.sleep(rng.uniform(0.0 if args.after_first else 1.0, window))
        moment = time.monotonic() - t0
        workers = _batch_children(child.pid)
        child.send_signal(signal.SIGKILL)
        child.wait()
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        orphans += sum(_alive(w) for w in workers)
        for w in workers:  # do not leave them for the next round if they did not go
            if _alive(w):
                os.kill(w, signal.SIGKILL)
        files, broken = _whole_files(out, 8)
        partial += broken
        before = len(_done_lines(out)) if out.exists() else 0
        done_at_kill.append(before)
        final = subprocess.run(
            command(out), env=_env(), capture_output=True, text=True, timeout=1800
        )
        lines = _done_lines(out)
        exactly = len(lines) == args.jobs and set(lines.values()) == {1}
        verified = ResultsLog(out).verified_done(out)
        same = len(verified) == args.jobs and all(
            sha256_file(out / n) == r["sha256"] for n, r in verified.items()
        )
        _, broken_after = _whole_files(out, 8)
        partial += broken_after
        once += exactly
        hashes_ok += same
        print(
            f"round {round_ + 1}: killed at {moment:.0f} s with {before}/{args.jobs} done "
            f"({files} files, {broken} not whole); resumed (exit {final.returncode}): each job "
            f"done exactly once {exactly}, hashes match {same}"
        )
    print(
        f"\nbatch kill -9: {args.rounds} rounds of {args.jobs} jobs, 2 workers: done exactly "
        f"once after resume {once}/{args.rounds}, hashes match {hashes_ok}/{args.rounds}, "
        f"files at target paths not whole {partial}, workers alive 15 s after a kill "
        f"{orphans}; jobs done at the kills {done_at_kill}"
    )
    return {
        "rounds": args.rounds,
        "jobs": args.jobs,
        "exactly_once": once,
        "hashes_ok": hashes_ok,
        "partial": partial,
        "orphans": orphans,
        "done_at_kill": done_at_kill,
        "window_s": window,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=("throughput", "queue-kill", "batch-kill", "all"))
    p.add_argument("--jobs", type=int, default=16)
    p.add_argument("--steps", type=int, default=8, help="denoising steps of a throughput job")
    p.add_argument("--model", type=Path, default=BUNDLED)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--queue-steps", type=int, default=20, help="steps of a kill-bench job")
    p.add_argument(
        "--kill-window",
        type=float,
        default=1.5,
        help="queue-kill: seconds after a job starts within which the kill lands",
    )
    p.add_argument(
        "--batch-kill-window",
        type=float,
        default=0.0,
        help="batch-kill: seconds after start within which the kill lands (0: the time of an "
        "uninterrupted run, measured first)",
    )
    p.add_argument(
        "--configs",
        default="one1,two,ray",
        help="throughput: one1 (1 worker, 1 thread), one2 (1 worker, 2 threads), "
        "two (2 worker processes), ray (2 Ray actors)",
    )
    p.add_argument("--repeat", type=int, default=2, help="throughput: timed rounds per pool")
    p.add_argument(
        "--resume-all",
        action="store_true",
        help="queue-kill: relaunch and finish the queue after every kill (default: after the last)",
    )
    p.add_argument(
        "--after-first",
        action="store_true",
        help="batch-kill: the kill window starts when the first job is recorded",
    )
    p.add_argument("--seed", type=int, default=21)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args()
    figures = {}
    for name, fn in (
        ("throughput", throughput),
        ("queue-kill", queue_kill),
        ("batch-kill", batch_kill),
    ):
        if args.what in (name, "all"):
            figures[name] = fn(args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
