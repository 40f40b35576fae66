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


class Cancelled(Exception):
    """Work stopped because the user asked; not an error, so it is not a LumiereError."""


class CancelToken:
    """One flag shared by whoever may cancel and whoever does the work; safe across threads."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def is_set(self) -> bool:
        """The same question as `cancelled`, as a method: `token.is_set` is the
        `cancel: Callable[[], bool]` that engine calls poll, and a token stands in for the
        threading.Event that `ensure_proxy` takes."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()
