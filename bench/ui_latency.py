"""GUI responsiveness while a generation runs: a 16 ms heartbeat timer on the GUI thread of
the real main window, and the delay of each beat past its due time. Prints p50 / p99 / max
(goal: max <= 50 ms), idle and during generation side by side.

    python bench/ui_latency.py [--model PATH] [--steps 30] [--seconds 6]
(no --model: an untrained tiny model folder is made in a temp dir)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def tiny_model(root: Path) -> Path:
    from testkit.models import TINY_BASE
    from testkit.models import tiny_model as write_tiny

    base = TINY_BASE | {"channels": [16, 32, 64]}
    return write_tiny(root / "bench", "bench", base=base, frames=16, size=32)


def heartbeat(app, seconds: float, while_=lambda: True) -> list[float]:
    from PySide6.QtCore import QTimer

    delays: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        delays.append(max(0.0, (now - last[0]) * 1000 - 16))
        last[0] = now

    timer = QTimer()
    timer.setInterval(16)
    timer.timeout.connect(beat)
    timer.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and while_():
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return delays[1:]


def report(label: str, d: list[float]) -> None:
    d = sorted(d)
    p99 = d[min(len(d) - 1, int(0.99 * len(d)))]
    print(
        f"{label:34s} beats {len(d):5d}  p50 {statistics.median(d):6.1f} ms  "
        f"p99 {p99:6.1f} ms  max {d[-1]:6.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=6.0)
    args = ap.parse_args()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from lumiere_studio.ui.main_window import MainWindow

    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(args.model) if args.model else tiny_model(Path(tmp))
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        w = MainWindow(settings=settings, recovery_root=Path(tmp) / "rec")
        w.show()
        w.prompt.set_model_path(str(model))
        w.prompt.prompt.setPlainText("a red ball bouncing")
        w.prompt.steps.setValue(args.steps)
        report("idle", heartbeat(app, 2.0))
        jid = w.generation.generate()
        # wait until the engine thread is really denoising, then measure
        heartbeat(
            app,
            60,
            lambda: (
                w.queue.entries[jid].stage not in ("base", "ssr")
                and w.queue.entries[jid].state == "running"
            ),
        )
        running = lambda: w.queue.entries[jid].state == "running"  # noqa: E731
        delays = heartbeat(app, args.seconds, running)
        entry = w.queue.entries[jid]
        report(f"during generation ({entry.step}/{entry.total} steps)", delays)
        w.queue.cancel(jid)
        heartbeat(app, 10, running)
        w.shutdown()


if __name__ == "__main__":
    main()
