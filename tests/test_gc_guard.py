"""Garbage is collected by the GUI thread's timer, not by whichever thread allocates."""

from __future__ import annotations

import gc

from lumiere_studio.gc_guard import GuiThreadCollector


def test_collection_is_off_until_the_gui_timer_collects(qtbot):
    before = gc.isenabled()  # the test session runs its own collector (conftest)
    collector = GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        limit = gc.get_threshold()[0]
        cycles = []
        for _ in range(limit + 50):  # enough new objects to pass generation 0's threshold
            a: list = []
            a.append(a)
            cycles.append(a)
        assert gc.get_count()[0] > limit  # nothing collected them on this (allocating) path
        qtbot.waitUntil(lambda: sum(collector.collections) > 0, timeout=2000)
        assert collector.collect_due() is None or gc.get_count()[0] <= limit + 1
    finally:
        collector.stop()
    assert gc.isenabled() == before
