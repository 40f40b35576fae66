"""The engine's error contract: failures are LumiereError, stops on request Cancelled.

Callers (the CLI, the app, batch workers) catch these two and nothing narrower unless they act on
the difference; `field` names the Job field at fault so the CLI can name its flag and the app its
widget.
"""

from __future__ import annotations

import threading


class LumiereError(Exception):
    """A failure the engine explains to the user: bad input, a missing model, a full disk."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled across a process pool (batch workers): keep the field, not only the message.
        return _rebuild, (type(self), str(self), self.field)


def _rebuild(cls: type[LumiereError], message: str, field: str | None) -> LumiereError:
    error = cls(message)
    error.field = field
    return error


class JobError(LumiereError, ValueError):
    """A job that cannot run as described (a bad value, an input that cannot serve); `field`
    names the Job field at fault. Defined here, below engine.jobs, so the media readers that
    refuse an input can raise it without knowing the job."""


class Cancelled(Exception):
    """Work stopped because the user asked; not an error, so it is not a LumiereError."""


class CancelToken(threading.Event):
    """One flag shared by whoever may cancel and whoever does the work; safe across threads.

    It is a threading.Event, so it goes wherever the engine takes one (`ensure_proxy`), and
    `token.is_set` is the `cancel: Callable[[], bool]` that engine calls poll."""

    def cancel(self) -> None:
        self.set()

    @property
    def cancelled(self) -> bool:
        return self.is_set()

    def raise_if_cancelled(self) -> None:
        if self.is_set():
            raise Cancelled()
