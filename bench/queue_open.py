"""Time to open a render queue of N jobs in the app: the queue file read, the JobQueue built
and the Jobs panel shown and painted (issue 29 item 6).

Each measurement runs in a fresh child process with the code of one source tree on its
PYTHONPATH, so an older checkout can be timed side by side with this one:

    git worktree add /tmp/base c3ab46c
    python bench/queue_open.py --rows 150,1000,10000 --before /tmp/base [--timeout 300]
    git worktree remove /tmp/base

The queue file is written once per size by this tree's schema (the same, version 1, in both)
with a mix of states, messages and preview thumbnails; the child opens a copy of it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATES = ("done", "failed", "cancelled", "queued", "interrupted")

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication([])
from lumiere_studio.model.queue_store import QueueStore
from lumiere_studio.services.engine_thread import JobQueue
from lumiere_studio.ui.jobs_panel import JobsPanel
t1 = time.perf_counter()
queue = JobQueue(store=QueueStore(sys.argv[1]))
t2 = time.perf_counter()
panel = JobsPanel(queue)
panel.resize(420, 700)
panel.show()
app.processEvents()
panel.grab()  # everything in view painted
t3 = time.perf_counter()
print(json.dumps({"rows": len(queue.order), "store_s": t2 - t1, "panel_s": t3 - t2,
                  "open_s": t3 - t1}))
queue.shutdown()
"""


def make_queue(path: Path, rows: int) -> None:
    """A queue file of `rows` jobs, written straight with SQLite in one transaction."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from engine.jobs import Job
    from lumiere_studio.model import queue_store as st

    thumb = st.thumbnail_png(np.full((36, 64, 3), (40, 90, 160), np.uint8))
    db = sqlite3.connect(path)
    db.execute(st._SCHEMA)
    db.execute(f"PRAGMA user_version={st.SCHEMA_VERSION}")
    now = time.time()
    values = []
    for i in range(1, rows + 1):
        state = STATES[i % len(STATES)]
        job = Job(prompt=f"a lighthouse at dusk, take {i}", seed=i, steps=20)
        step = 20 if state == "done" else (i % 20 if state != "queued" else 0)
        result = json.dumps({"seconds": 12.5, "model_hash": "ab" * 8} if state == "done" else {})
        values.append(
            (
                i,
                float(i),
                job.to_json(),
                f"/tmp/out/gen-{i}.mp4",
                state,
                "base",
                step,
                20,
                f"{state} after {step} steps",
                result,
                now - rows + i,
                now - rows + i,
                None,
                thumb if i % 3 else None,
            )
        )
    db.executemany("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
    db.commit()
    db.close()


def measure(tree: Path, queue: Path, timeout: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="queue-open-"))
    try:
        copy = work / "queue.sqlite3"
        shutil.copy(queue, copy)
        env = {
            **os.environ,
            "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'bench'}",
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_DATA_HOME": str(work / "data"),
        }
        t0 = time.monotonic()
        try:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(copy)],
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=work,
            )
        except subprocess.TimeoutExpired:
            return {"timeout": True, "wall_s": time.monotonic() - t0}
        if out.returncode != 0:
            return {"error": out.stderr.strip().splitlines()[-1:] or [f"exit {out.returncode}"]}
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cell(r: dict | None, timeout: float) -> str:
    if r is None:
        return "not run"
    if r.get("timeout"):
        return f"> {timeout:.0f} s (stopped)"
    if "error" in r:
        return f"error: {r['error']}"
    return f"{r['open_s']:.2f} s (store {r['store_s']:.2f}, panel {r['panel_s']:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="150,1000,10000")
    parser.add_argument("--before", type=Path, help="an older source tree to time as well")
    parser.add_argument("--timeout", type=float, default=300.0, help="per open, seconds")
    parser.add_argument(
        "--before-max", type=int, default=1000, help="larger queues are not timed on --before"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.rows.split(",")]
    work = Path(tempfile.mkdtemp(prefix="queue-open-files-"))
    rows = []
    try:
        for n in sizes:
            queue = work / f"queue-{n}.sqlite3"
            make_queue(queue, n)
            before = None
            if args.before and n <= args.before_max:
                before = measure(args.before, queue, args.timeout)
                print(f"{n} rows, before: {cell(before, args.timeout)}", flush=True)
            after = measure(ROOT, queue, args.timeout)
            print(f"{n} rows, after: {cell(after, args.timeout)}", flush=True)
            rows.append((n, before, after))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n| rows | before | after |\n|---|---|---|")
    for n, before, after in rows:
        print(f"| {n:,} | {cell(before, args.timeout)} | {cell(after, args.timeout)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
