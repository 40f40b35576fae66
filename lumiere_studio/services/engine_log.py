"""The engine's log records in the app: what the engine logs at INFO or above (a note, a
warning such as a planted folder left alone by an export) goes to the status bar, as the
command line prints it to stderr.

Records come from any thread (the engine thread, export and proxy workers); the handler only
emits a Qt signal, which Qt delivers on the GUI thread. A job's own notes still come with its
result (GenerationController shows them); this is for what the engine says along the way.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

ENGINE_LOGGER = "engine"  # the engine package: every engine module logs under it
NOTE_MS, WARNING_MS = 8000, 15000  # how long the status bar shows one


class EngineLog(QObject):
    message = Signal(str, int)  # text, milliseconds to show it

    def __init__(self, parent: QObject | None = None, level: int = logging.INFO) -> None:
        super().__init__(parent)
        self._logger = logging.getLogger(ENGINE_LOGGER)
        # with several windows open, the level to go back to is the one before the first
        others = [h.owner for h in self._logger.handlers if isinstance(h, _ToSignal)]
        self._old_level: int = others[0]._old_level if others else self._logger.level
        self._handler = _ToSignal(self)
        self._handler.setLevel(level)
        self._logger.addHandler(self._handler)
        if self._logger.getEffectiveLevel() > level:  # by default only warnings pass
            self._logger.setLevel(level)

    def close(self) -> None:
        """Stop forwarding (the window is closing); once the last one closes, the logger's
        level is as before the first."""
        if self._handler in self._logger.handlers:
            self._logger.removeHandler(self._handler)
            if not any(isinstance(h, _ToSignal) for h in self._logger.handlers):
                self._logger.setLevel(self._old_level)


class _ToSignal(logging.Handler):
    def __init__(self, owner: EngineLog) -> None:
        super().__init__()
        self.owner = owner

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - logging's contract: a bad record never raises
            self.handleError(record)
            return
        ms = WARNING_MS if record.levelno >= logging.WARNING else NOTE_MS
        try:
            self.owner.message.emit(text, ms)
        except RuntimeError:  # its window was deleted without shutdown: stop, never raise
            logging.getLogger(ENGINE_LOGGER).removeHandler(self)
