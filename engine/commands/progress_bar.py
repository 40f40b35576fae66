"""A one-line text progress bar for the CLI (stderr, redrawn in place on a terminal; none
under --quiet)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from engine.commands.log_setup import progress_shown


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.start = time.monotonic()
        self._last_stage = ""
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.shown = progress_shown()

    def update(self, stage: str, step: int, total: int, message: str = "") -> None:
        if not self.shown:
            return
        total = max(total, 1)
        filled = int(self.width * min(step, total) / total)
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"{stage:>6} [{bar}] {step}/{total} {time.monotonic() - self.start:5.1f}s {message}"
        if self._tty:
            end = "\n" if step >= total else ""
            self.stream.write("\r" + line.ljust(79) + end)
        elif step >= total or stage != self._last_stage:
            self.stream.write(line + "\n")  # logs get one line per stage, not a redraw per step
        self._last_stage = stage
        self.stream.flush()
