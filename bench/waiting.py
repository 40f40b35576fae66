"""Where a newcomer waits (issue 31 #4): app start to the window on screen, the model loaded
after it, a cold model load, and `detect` on a 10 s clip; each on a quiet machine and with a
second process keeping both cores busy, side by side in one run.

Every figure is wall seconds of a fresh process (imports included: that is what a user waits
for), the median of --repeat runs. `detect, torch loaded first` is the path before this bench's
issue: the watermark reader imported torch to resize one picture.

    python bench/waiting.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from testkit.media import make_clip

APP = """
import os, sys, time
t0 = float(os.environ["BENCH_T0"])
from PySide6.QtCore import QTimer
import lumiere_studio.app as app
from lumiere_studio.ui.main_window import MainWindow
shown = {}
real_show = MainWindow.show
def show(self):
    real_show(self)
    shown["at"] = time.time() - t0
    self.queue.worker.warmed.connect(lambda message: finish(self, message))
def finish(window, message):
    print(f"{shown['at']:.3f} {time.time() - t0:.3f} {message!r}", flush=True)
    window.queue.shutdown()
    os._exit(0)
MainWindow.show = show
QTimer.singleShot(600_000, lambda: os._exit(3))
app.main([])
"""

LOAD = """
import os, time
t0 = float(os.environ["BENCH_T0"])
from engine.pipeline import Engine
Engine().load(None)
print(f"{time.time() - t0:.3f}")
"""

DETECT = """
import os, sys, time
t0 = float(os.environ["BENCH_T0"])
if sys.argv[2] == "-t":
    import torch  # noqa: F401
from engine.cli import main
code = main(["detect", sys.argv[1]])
print(f"{time.time() - t0:.3f}")
"""


WINDOW = """
import os, time
t0 = float(os.environ["BENCH_T0"])
from PySide6.QtWidgets import QApplication
app = QApplication([])
from lumiere_studio.ui.main_window import MainWindow
window = MainWindow()
window.show()
app.processEvents()
print(f"{time.time() - t0:.3f}", flush=True)
os._exit(0)
"""


def timed(code: str, *args: str, env: dict[str, str] | None = None) -> list[float]:
    """The numbers the child prints on its last line, seconds since just before it started."""
    full = {**os.environ, **(env or {}), "BENCH_T0": repr(time.time())}
    # `python -c` puts its working folder first on the path: run an older checkout from there
    tree = (env or {}).get("PYTHONPATH")
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=tree,
        timeout=900,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"the child printed nothing: {out.stderr[-2000:]}")
    return [float(x) for x in lines[-1].split()[:2]]


def spin(stop: float) -> None:
    while time.time() < stop:
        pass


def busy(seconds: float) -> list[multiprocessing.Process]:
    """Two processes that keep both cores busy for `seconds`."""
    procs = [multiprocessing.Process(target=spin, args=(time.time() + seconds,)) for _ in (0, 1)]
    for p in procs:
        p.start()
    return procs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--before",
        type=Path,
        help="also time the window and detect with this checkout's code (an older commit), "
        "side by side",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp) / "ten.mp4", frames=240, size=(640, 360))
        offscreen = {"QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": tmp}
        rows = [
            ("app start: window shown / model loaded", lambda: timed(APP, env=offscreen)),
            ("app start: window shown (window alone)", lambda: timed(WINDOW, env=offscreen)),
            ("model load, cold process", lambda: timed(LOAD)),
            ("detect, 10 s 640x360 clip", lambda: timed(DETECT, str(clip), "-")),
            (
                "detect, torch loaded first (the old path)",
                lambda: timed(DETECT, str(clip), "-t"),
            ),
        ]
        if args.before:  # the same window and detect measures, run on the older code
            old = {**offscreen, "PYTHONPATH": str(args.before.resolve())}
            rows += [
                ("BEFORE: app start: window shown", lambda: timed(WINDOW, env=old)),
                (
                    "BEFORE: detect, 10 s 640x360 clip",
                    lambda: timed(DETECT, str(clip), "-", env=old),
                ),
            ]
        print(
            f"{'wall seconds, median of ' + str(args.repeat):45} {'quiet':>14} {'2 cores busy':>14}"
        )
        for name, run in rows:
            quiet = medians([run() for _ in range(args.repeat)])
            procs = busy(3600)
            try:
                loaded = medians([run() for _ in range(args.repeat)])
            finally:
                for p in procs:
                    p.terminate()
                    p.join()
            print(f"{name:45} {quiet:>14} {loaded:>14}", flush=True)


def medians(runs: list[list[float]]) -> str:
    return " / ".join(f"{statistics.median(r[i] for r in runs):.2f}" for i in range(len(runs[0])))


if __name__ == "__main__":
    main()
