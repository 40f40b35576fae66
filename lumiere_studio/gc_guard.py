"""Python's cyclic garbage collector runs only on the GUI thread.

Automatic collection starts in whichever thread happens to allocate when a threshold is
crossed, often the engine thread in the middle of building a model. If that collection frees a
cycle holding Qt objects that belong to the GUI thread, they are destroyed on the wrong thread,
and PySide crashes (seen as a segmentation fault "Garbage-collecting" in the engine thread).
So automatic collection is turned off and a GUI-thread timer collects instead, the generation
Python itself would have collected, as often as the thresholds ask.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 100


class GuiThreadCollector(QObject):
    """Create it on the GUI thread (after the QApplication); it lives as long as its parent."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.collections = [0, 0, 0]  # per generation, for tests and curiosity
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose count passed its threshold (None: none did)."""
        counts, limits = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if limits[generation] and counts[generation] > limits[generation]:
                gc.collect(generation)
                self.collections[generation] += 1
                return generation
        return None

    def stop(self) -> None:
        """Stop collecting here; automatic collection is back as it was before."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
