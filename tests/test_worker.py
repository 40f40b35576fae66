"""services.worker.Worker: tasks run in order on one background thread, results come back on
the GUI thread, a raising task does not stop the next, shutdown drops what has not started."""

from __future__ import annotations

import sys
import threading

import shiboken6
from PySide6.QtCore import QObject

from lumiere_studio.services.worker import Worker


def test_tasks_run_in_order_on_one_background_thread(qtbot):
    worker = Worker("test")
    seen: list[tuple[int, int]] = []
    for i in range(20):
        worker.submit(lambda i=i: seen.append((i, threading.get_ident())))
    assert worker.wait(5000)
    assert [i for i, _ in seen] == list(range(20))
    threads = {t for _, t in seen}
    assert len(threads) == 1 and threading.main_thread().ident not in threads


class Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def got(self, sent_from: str) -> None:
        self.calls.append((sent_from, threading.current_thread().name))


def test_post_calls_back_on_the_gui_thread(qtbot):
    worker = Worker("test")
    receiver = Receiver()
    worker.submit(lambda: worker.post(receiver.got, threading.current_thread().name))
    qtbot.waitUntil(lambda: len(receiver.calls) == 1, timeout=5000)
    assert receiver.calls == [("test", threading.main_thread().name)]


def test_a_post_to_an_object_that_is_gone_is_dropped(qtbot):
    worker = Worker("test")
    receiver = Receiver()
    calls = receiver.calls
    worker.submit(lambda got=receiver.got: worker.post(got, "worker"))
    assert worker.wait(5000)  # the call is queued on the GUI thread, not yet made
    shiboken6.delete(receiver)  # the window closed meanwhile
    del receiver
    qtbot.wait(50)
    assert calls == []


def test_a_raising_task_is_reported_and_the_next_one_runs(qtbot, monkeypatch):
    worker = Worker("test")
    reported: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, error, tb: reported.append(error))
    after: list[str] = []

    def broken() -> None:
        raise ValueError("a defect")

    worker.submit(broken)
    worker.submit(lambda: after.append("ran"))
    assert worker.wait(5000)
    assert [str(e) for e in reported] == ["a defect"] and after == ["ran"]


def test_shutdown_drops_queued_tasks_and_runs_the_last_one(qtbot):
    worker = Worker("test")
    release = threading.Event()
    started = threading.Event()
    ran: list[str] = []

    def long_task() -> None:
        started.set()
        release.wait(5)
        ran.append("long")

    worker.submit(long_task)
    for _ in range(5):
        worker.submit(lambda: ran.append("queued"))
    assert started.wait(5)
    assert not worker.wait(50)  # still running: wait gives up
    threading.Timer(0.2, release.set).start()  # the long task ends while shutdown waits
    assert worker.shutdown(5000, last=lambda: ran.append("last"))
    assert ran == ["long", "last"]
