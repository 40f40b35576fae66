"""Garbage is collected by the GUI thread's timer, not by whichever thread allocates."""

from __future__ import annotations

import gc
import weakref

from lumiere_studio.gc_guard import GuiThreadCollector


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_collection_is_off_until_the_gui_timer_collects(qtbot):
    before = gc.isenabled()  # the test session runs its own collector (conftest)
    collector = GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        limit = gc.get_threshold()[0]
        alive = []
        for _ in range(limit + 50):  # enough new objects to pass generation 0's threshold
            alive.append(weakref.ref(_Node()))  # garbage at once, but only a collection frees it
        assert gc.get_count()[0] > limit  # nothing collected on this (allocating) path...
        assert all(r() is not None for r in alive)  # ...so every cycle is still there
        qtbot.waitUntil(lambda: all(r() is None for r in alive), timeout=2000)
        assert collector.collections[0] > 0  # the timer freed them
        assert gc.get_count()[0] <= limit  # generation 0 is below its threshold again
    finally:
        collector.stop()
    assert gc.isenabled() == before
