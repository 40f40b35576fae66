"""Batch jobs on a Ray cluster: one actor per GPU (or per CPU worker) that loads the model once
and keeps it, each job a task on an actor, results streamed back as they finish.

The actor renders into its own temporary folder and returns the file's bytes; this process
writes them into the output folder (atomically), so the cluster's machines need no shared
file system and a killed actor leaves nothing at any output path. Ray is optional:
`pip install -e ".[cluster]"`."""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from types import ModuleType
from typing import Any

from engine.batch.jobfile import BatchError
from engine.batch.task import Task, TaskResult

INSTALL_HINT = 'Ray is not installed; install the cluster extra: pip install -e ".[cluster]"'
START_HINT = "start a cluster with `ray start --head`, or use --ray local"
IN_FLIGHT = 2  # tasks handed to an actor at once: the next job waits there, no idle gap


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise BatchError(f"--ray: {INSTALL_HINT}") from None
    return ray


def _actor_class(ray: ModuleType) -> Any:  # a Ray actor class (Ray's own type is dynamic)
    @ray.remote(max_restarts=0)
    class RenderActor:
        """Keeps one Engine (and so the loaded model) for every job it is given."""

        def __init__(self, index: int, threads: int) -> None:
            import torch

            torch.set_num_threads(threads)
            from engine.pipeline import Engine

            self.index = index
            self.engine = Engine()

        def where(self) -> str:
            import socket

            return f"{socket.gethostname()}:{os.getpid()}"

        def render(self, task: Task) -> tuple[TaskResult, dict[str, bytes]]:
            """The task's result (its path the target's) and the files it wrote, by name."""
            import tempfile
            from dataclasses import replace

            from engine.jobs import Job
            from engine.media.provenance import manifest_path
            from engine.run import run_job

            with tempfile.TemporaryDirectory(prefix="lumiere-ray-") as tmp:
                out = Path(tmp) / Path(task.output).name
                run = run_job(self.engine, Job.from_json(task.job), out)
                files = {}
                if run.done:
                    for path in (manifest_path(out), out):  # the video last: it marks done
                        if path.is_file():
                            files[path.name] = path.read_bytes()
            return TaskResult(task, replace(run, path=task.output), self.index), files

    return RenderActor


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """A HOST:PORT that does not answer is a message within seconds (Ray itself keeps retrying
    for minutes)."""
    import socket

    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as e:
        why = e.strerror or str(e)
        raise BatchError(f"--ray {address}: nothing answers there ({why}); {START_HINT}") from None


def connect(ray: ModuleType, address: str, workers: int | None) -> bool:
    """Join the cluster at `address` ("auto": the running one; "local": start one in this
    process). True when this call started Ray (and so should stop it)."""
    if ray.is_initialized():
        return False
    quiet = {"include_dashboard": False, "log_to_driver": False}
    if address != "local":
        check_reachable(address)
    try:
        if address == "local":
            ray.init(num_cpus=workers, **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        why = f"cannot join the cluster ({first})"
        raise BatchError(f"--ray {address}: {why}; {START_HINT}") from None
    return True


def plan_actors(resources: dict[str, float], workers: int | None) -> tuple[int, dict[str, float]]:
    """(actor count, resources per actor): one actor per GPU, or `workers` sharing the GPUs;
    without GPUs one per CPU (or `workers`, the CPUs split between them)."""
    gpus, cpus = int(resources.get("GPU", 0)), max(1, int(resources.get("CPU", 1)))
    if gpus:
        count = workers or gpus
        return count, {"num_gpus": gpus / count if count > gpus else 1, "num_cpus": 1}
    count = workers or cpus
    return count, {"num_cpus": max(1, cpus // count)}


class RayPool:
    def __init__(self, address: str, workers: int | None = None) -> None:
        ray = self._ray = import_ray()
        self._started = connect(ray, address, workers)
        count, options = plan_actors(ray.cluster_resources(), workers)
        actor = _actor_class(ray)
        threads = int(options["num_cpus"])
        self._actors = [actor.options(**options).remote(i, threads) for i in range(count)]
        self.workers = count
        self.device = "GPU" if "num_gpus" in options else "CPU"
        self._queued: deque[Task] = deque()
        self._in_flight: dict[Any, tuple[int, Task]] = {}  # object ref -> (actor index, task)
        self._dead: set[int] = set()

    @property
    def pending(self) -> int:
        return len(self._queued) + len(self._in_flight)

    def submit(self, task: Task) -> None:
        self._queued.append(task)
        self._fill()

    def _fill(self) -> None:
        load = {i: 0 for i in range(len(self._actors)) if i not in self._dead}
        for index, _ in self._in_flight.values():
            load[index] = load.get(index, 0) + 1
        while self._queued and load:
            index = min(load, key=load.__getitem__)
            if load[index] >= IN_FLIGHT:
                return
            task = self._queued.popleft()
            self._in_flight[self._actors[index].render.remote(task)] = (index, task)
            load[index] += 1

    def next_result(self) -> TaskResult:
        ray = self._ray
        if not self._in_flight:
            return self._queued.popleft().failed("no Ray worker is left")  # every actor is gone
        ready, _ = ray.wait(list(self._in_flight), num_returns=1)
        index, task = self._in_flight.pop(ready[0])
        files: dict[str, bytes] = {}
        result: TaskResult
        try:
            result, files = ray.get(ready[0])
        except ray.exceptions.RayError as e:
            self._dead.add(index)
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            result = task.failed(f"Ray worker {index} failed: {first}", index)
        self._fill()
        self._write(result.output, files)
        return result

    def _write(self, target: Path, files: dict[str, bytes]) -> None:
        """Put the returned files beside the target path, video last (atomic each)."""
        from engine.tempfiles import atomic_write_bytes

        for name, data in files.items():
            atomic_write_bytes(target.with_name(name), data)

    def cancel(self) -> None:
        """Stop every actor now (they hold no output path, so nothing partial is left)."""
        self._queued.clear()
        self._in_flight.clear()
        for actor in self._actors:
            self._ray.kill(actor)
        self._dead.update(range(len(self._actors)))

    def close(self) -> None:
        if len(self._dead) < len(self._actors):
            for actor in self._actors:
                self._ray.kill(actor)
        if self._started:
            self._ray.shutdown()
