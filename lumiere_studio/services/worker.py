"""The app's one way to run work off the GUI thread.

A `Worker` runs the functions given to `submit` one at a time, in order, on its own background
thread (one thread for its whole life, so what a task leaves there, such as the engine's loaded
model or open frame readers, is found by the next). A task hands results back with `post`,
which calls a method of a GUI object on the GUI thread; a service emits its signals from such a
method, so whatever is connected to them (lambdas too) runs on the GUI thread. `post` keeps
no reference to the object: a call to one that is gone by then is dropped, as a queued Qt
signal to a deleted receiver is.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot


class Worker(QObject):
    _deliver = Signal(object, object)  # a function and its arguments, for the GUI thread

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        # A pool of one thread: its destructor waits for the running task (a QThread destroyed
        # while it runs aborts the process), and it keeps the order of the tasks.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.pool.setExpiryTimeout(-1)  # the same thread for every task
        self._deliver.connect(self._call, Qt.ConnectionType.QueuedConnection)

    def submit(self, task: Callable[[], object]) -> None:
        """Run `task` on the background thread after the tasks submitted before it. An
        exception it lets out is a defect: it is printed, and the next task runs."""
        self.pool.start(lambda: self._run(task))

    def post(self, method: Callable[..., object], *args: Any) -> None:
        """Call the bound method `method(*args)` on the GUI thread (from any thread), after
        what is queued there, if its object still exists then."""
        # RuntimeError: the worker was deleted with its window, and nobody is listening.
        with contextlib.suppress(RuntimeError):
            self._deliver.emit(weakref.WeakMethod(method), args)

    def wait(self, msecs: int = -1) -> bool:
        """Wait until no task runs or is queued; False if `msecs` passed first."""
        return self.pool.waitForDone(msecs)

    def shutdown(self, wait_ms: int = 10000, last: Callable[[], object] | None = None) -> bool:
        """Drop the tasks not yet started, run `last` (clean-up that must happen on the
        thread), and wait up to `wait_ms` for the running task to end."""
        self.pool.clear()
        if last is not None:
            self.submit(last)
        return self.wait(wait_ms)

    def _run(self, task: Callable[[], object]) -> None:
        # Nothing may leave this function: Qt cannot carry an exception out of a pool thread
        # (it prints "Qt Concurrent has caught an exception" and drops it), so print it here.
        try:
            threading.current_thread().name = self.name
            task()
        except BaseException:  # noqa: BLE001 - a task that raises must not take the thread
            # with it; BaseException as well: the interpreter may be shutting down, with
            # nowhere to print.
            with contextlib.suppress(BaseException):
                sys.excepthook(*sys.exc_info())

    @Slot(object, object)
    def _call(
        self, method: weakref.WeakMethod[Callable[..., object]], args: tuple[Any, ...]
    ) -> None:
        function = method()
        owner = getattr(function, "__self__", None)
        if function is not None and (not isinstance(owner, QObject) or shiboken6.isValid(owner)):
            function(*args)
