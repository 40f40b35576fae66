"""Processes the tests start: one generous time ceiling for every wait on another process, a
clear message when it is passed, and nothing left running afterwards, pass or fail.

A busy machine (both cores taken by another job) makes a process start or a step take many
times its quiet duration, so no wait here is tuned to a quiet machine: each is the ceiling
(LUMIERE_TEST_CEILING_S, default 600 s), long enough for any of these tests on a loaded CPU
and short enough that CI reports a stuck test instead of hanging. Whatever waits past it is
killed with its whole process tree, and the test fails naming what it waited for.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CEILING_S = float(os.environ.get("LUMIERE_TEST_CEILING_S", "600"))


class TooSlow(AssertionError):
    """A process the test waited on did not finish within the ceiling (it has been killed)."""


def too_slow(what: str, seconds: float = CEILING_S) -> TooSlow:
    return TooSlow(
        f"{what} did not finish within {seconds:.0f} s (the ceiling, LUMIERE_TEST_CEILING_S); "
        "it was killed with its child processes. A machine this busy, or a hang?"
    )


def become_subreaper() -> bool:
    """Linux: orphans of the processes this one starts (a killed batch's workers, Ray's
    daemons) are re-parented to this process instead of init, so `descendants` still finds
    them and the session can end them. False where not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(36, 1, 0, 0, 0)) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def descendants(pid: int | None = None) -> list[int]:
    """Every live process below `pid` (default: this one), children first. Linux only (from
    /proc); elsewhere an empty list."""
    root = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*") if Path("/proc/self/stat").exists() else []:
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = list(children.get(root, []))
    while todo:
        p = todo.pop(0)
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL `pid` and everything below it (its process group too where it leads one)."""
    below = descendants(pid)
    with contextlib.suppress(OSError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
    for p in [pid, *below]:
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGKILL)


def reap(proc: Any) -> None:
    """End a subprocess.Popen or multiprocessing.Process if still running, with its tree, and
    collect it (no zombie)."""
    pid = proc.pid
    if pid is None:
        return  # never started
    alive = proc.poll() is None if hasattr(proc, "poll") else proc.is_alive()
    if alive:
        kill_tree(pid)
    if hasattr(proc, "poll"):
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    else:
        proc.join(timeout=30)


@contextlib.contextmanager
def reaped(*procs: Any) -> Iterator[None]:
    """Whatever happens in the block, the processes are ended and collected after it."""
    try:
        yield
    finally:
        for proc in procs:
            reap(proc)


def wait(proc: subprocess.Popen[Any], what: str, seconds: float = CEILING_S) -> int:
    """`proc`'s exit code; past the ceiling it is killed with its tree and TooSlow raised."""
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        reap(proc)
        raise too_slow(what, seconds) from None


def run(
    argv: list[str],
    what: str = "",
    seconds: float = CEILING_S,
    *,
    check: bool = False,
    capture_output: bool = False,
    **kw: Any,
) -> subprocess.CompletedProcess[Any]:
    """subprocess.run with the ceiling: the process (started in its own session, so its
    children go with it) is killed with its tree on time-out and TooSlow raised."""
    if capture_output:
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
    proc = subprocess.Popen(argv, start_new_session=True, **kw)
    with reaped(proc):
        try:
            out, err = proc.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            raise too_slow(what or " ".join(argv)[:120], seconds) from None
    if check and proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, argv, out, err)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def readline(proc: subprocess.Popen[Any], what: str, seconds: float = CEILING_S) -> str:
    """The next line `proc` prints (stdout, text mode); TooSlow past the ceiling (the caller's
    `reaped` ends the process)."""
    stream = proc.stdout
    assert stream is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=seconds)
    except queue.Empty:
        raise too_slow(what, seconds) from None


def wait_until(done: Any, what: str, seconds: float = CEILING_S, every: float = 0.1) -> None:
    """Poll `done()` until it is true; TooSlow past the ceiling."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise too_slow(what, seconds)
        time.sleep(every)


# Helpers Python itself keeps for the process's lifetime; they end when it exits.
KEEP = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def end_leftovers() -> list[str]:
    """Kill every process still below this one (but Python's own helpers) and collect those
    that are its children; returns a line per process killed (pid and command)."""
    lines = []
    for pid in reversed(descendants()):  # deepest first: no new orphans while killing
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            cmd = "?"
        if any(k in cmd for k in KEEP):
            continue
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            lines.append(f"{pid}: {cmd.strip()[:160]}")
    pending = [int(line.split(":")[0]) for line in lines]
    deadline = time.monotonic() + 10
    while pending and time.monotonic() < deadline:  # collect our own children (no zombies)
        for pid in list(pending):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue  # not dead yet
            except OSError:
                pass  # ECHILD: not ours to collect (its own parent does), or done already
            pending.remove(pid)
        time.sleep(0.05)
    return lines
