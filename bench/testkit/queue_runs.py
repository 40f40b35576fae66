"""Run the app's render queue headless in child processes, as `bench/faults.py --queue` and
`bench/fuzz.py --queue` do (issue 29 items 3 and 5).

The child is the app's own queue code (open_queue_store, JobQueue, the Jobs panel) with one
change: a render does not run the model, it appends a line to `renders.log` beside the queue
and takes RENDER_S, so that a run counts renders exactly, without torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RENDER_S = 3.0  # long enough for a second launch to start while the first renders

APP = r"""
import json, os, sys, time
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from engine.jobs import Job
from lumiere_studio.services import engine_thread as et
path, mode, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
log = path.parent / "renders.log"

def run(self, job_id, job_json, output, cancel):
    with open(log, "a") as f:
        f.write(f"{os.getpid()} {job_id} {json.loads(job_json)['prompt']}\n")
    time.sleep(RENDER_S)
    self.finished.emit(job_id, {"seconds": RENDER_S})

et.EngineWorker.run = run
Job(prompt="warm").validate()  # its first call imports the engine: not the queue's time
store, notice = et.open_queue_store(path)
queue = et.JobQueue(store=store)
from lumiere_studio.ui.jobs_panel import JobsPanel
panel = JobsPanel(queue)
panel.show_notice(notice)
panel.show()
stall, last = 0.0, time.monotonic()
def tick():
    global stall, last
    now = time.monotonic()
    stall, last = max(stall, now - last), now
ticker = QTimer()
ticker.timeout.connect(tick)
ticker.start(20)
read_only = getattr(queue, "read_only", False)  # (older checkouts have no such mode)
report = {"notice": notice, "read_only": read_only}
if mode == "owner":
    queue.set_paused(True)
    print("opened", flush=True)
    sys.stdin.readline()  # the parent says when to submit (e.g. after locking the file)
    t0 = last = time.monotonic()
    for i in range(count):
        queue.submit(Job(prompt=f"job {i}", seed=i), path.parent / f"{i}.mp4")
    report["submit_s"] = time.monotonic() - t0
    queue.set_paused(False)
elif mode == "resume":
    report["interrupted"] = list(queue.interrupted)
    for jid in list(queue.interrupted):
        queue.resume(jid)
    queue.set_paused(False)
    print("opened", flush=True)
else:  # "second": another launch on the same queue; its user presses Resume queue
    queue.set_paused(False)
    print("opened", flush=True)

def done():
    if mode == "second":
        return time.monotonic() - started > count
    states = [queue.entries[j].state for j in queue.order]
    return states and all(s in ("done", "failed", "cancelled") for s in states)

started = time.monotonic()
def check():
    if done() or time.monotonic() - started > 120:
        if read_only:
            queue.reload()
        report["states"] = [queue.entries[j].state for j in queue.order]
        report["stall_s"] = stall
        queue.shutdown()
        print("REPORT " + json.dumps(report), flush=True)
        app.quit()
checker = QTimer()
checker.timeout.connect(check)
checker.start(50)
app.exec()
""".replace("RENDER_S", repr(RENDER_S))

LAUNCH = r"""
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from lumiere_studio.services.engine_thread import JobQueue, open_queue_store
from lumiere_studio.ui.jobs_panel import JobsPanel
store, notice = open_queue_store(Path(sys.argv[1]))
queue = JobQueue(store=store)
panel = JobsPanel(queue)
panel.show_notice(notice)
panel.resize(420, 600)
panel.show()
app.processEvents()
panel.grab()
print("REPORT " + json.dumps({"jobs": [queue.entries[j].job.prompt for j in queue.order],
                              "notice": notice, "memory": store.path is None}), flush=True)
queue.shutdown()
"""


def env(data_home: Path, tree: Path = ROOT) -> dict[str, str]:
    """The child's environment: the code of `tree` (this checkout, or an older one to
    compare with), its user data under `data_home`."""
    return {
        **os.environ,
        "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'bench'}",
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(data_home),
        "OMP_NUM_THREADS": "1",
    }


def start_app(path: Path, mode: str, count: int, tree: Path = ROOT) -> subprocess.Popen[str]:
    """The app's queue in a child; it prints "opened" when its queue is open."""
    return subprocess.Popen(
        [sys.executable, "-c", APP, str(path), mode, str(count)],
        env=env(path.parent / "data", tree),
        cwd=path.parent,  # not this checkout: `python -c` puts the working folder first
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def report(proc: subprocess.Popen[str], timeout: float = 180) -> dict:
    """The child's report, or what went wrong ({"error": ...} with its last stderr line)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"error": "hang"}
    for line in out.splitlines():
        if line.startswith("REPORT "):
            return json.loads(line[7:])
    if proc.returncode and proc.returncode < 0:
        return {"error": f"signal {-proc.returncode}"}
    tail = err.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
    return {"error": tail[0], "traceback": "Traceback" in err}


def renders(path: Path) -> list[str]:
    log = path.parent / "renders.log"
    return log.read_text().splitlines() if log.exists() else []


def launch(path: Path, timeout: float = 60, tree: Path = ROOT) -> dict:
    """Open a queue file the way the app does at launch, in a child: what it showed."""
    try:
        out = subprocess.run(
            [sys.executable, "-c", LAUNCH, str(path)],
            env=env(path.parent / "data", tree),
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": "hang"}
    for line in out.stdout.splitlines():
        if line.startswith("REPORT "):
            return json.loads(line[7:])
    if out.returncode < 0:
        return {"error": f"signal {-out.returncode}"}
    tail = out.stderr.strip().splitlines()[-1:] or [f"exit {out.returncode}"]
    return {"error": tail[0], "traceback": "Traceback" in out.stderr}
