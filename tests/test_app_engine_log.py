"""EngineLog: what the engine logs at INFO or above, from any thread, reaches the window's
status bar; debug records do not; closing it leaves the engine logger as it was."""

from __future__ import annotations

import logging
import threading

from lumiere_studio.services.engine_log import NOTE_MS, WARNING_MS, EngineLog


def _from_a_worker_thread(say) -> None:
    worker = threading.Thread(target=say)
    worker.start()
    worker.join()


def test_records_from_another_thread_arrive_on_the_gui_thread(qtbot):
    log = EngineLog()
    got: list[tuple[str, int, bool]] = []
    gui = threading.current_thread()
    log.message.connect(lambda text, ms: got.append((text, ms, threading.current_thread() is gui)))

    def say() -> None:
        engine = logging.getLogger("engine.media.encode")
        engine.debug("not shown")
        engine.info("note: a note")
        engine.warning("left alone: a planted folder")

    try:
        _from_a_worker_thread(say)
        qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    finally:
        log.close()
    assert got == [
        ("note: a note", NOTE_MS, True),
        ("left alone: a planted folder", WARNING_MS, True),
    ]


def test_closing_stops_forwarding_and_restores_the_level(qtbot):
    engine = logging.getLogger("engine")
    level, handlers = engine.level, list(engine.handlers)
    log = EngineLog()
    assert engine.isEnabledFor(logging.INFO)
    got: list[str] = []
    log.message.connect(lambda text, _ms: got.append(text))
    log.close()
    logging.getLogger("engine.x").warning("after close")
    qtbot.wait(50)
    assert got == [] and engine.level == level and engine.handlers == handlers


def test_with_two_open_the_level_comes_back_when_the_last_closes(qtbot):
    engine = logging.getLogger("engine")
    level = engine.level
    first, second = EngineLog(), EngineLog()
    got: list[str] = []
    second.message.connect(lambda text, _ms: got.append(text))
    first.close()
    logging.getLogger("engine.x").info("still shown")
    qtbot.waitUntil(lambda: got == ["still shown"], timeout=5000)
    second.close()
    assert engine.level == level


def test_the_window_shows_what_the_engine_logs(qtbot, window):
    _from_a_worker_thread(lambda: logging.getLogger("engine.tempfiles").warning("left alone: x"))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "left alone: x", timeout=5000)
