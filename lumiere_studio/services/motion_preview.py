"""The cinemagraph's looping motion preview, computed off the GUI thread: the still's region
moved by the arrows' and pins' motion field alone (`engine.api.motion_preview`, at a reduced
size). Only the newest request is computed and reported; older ones are dropped."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QObject, Signal


class MotionPreview(QObject):
    ready = Signal(str, object)  # media id, uint8 (T, h, w, 3) loop
    failed = Signal(str, str)  # media id, message
    _done = Signal(int, str, object)  # request number, media id, loop or message (worker)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="motion-preview")
        self._latest = 0
        self._done.connect(self._report)  # queued: emitted on the worker thread

    def request(
        self,
        media_id: str,
        still: np.ndarray,
        region: np.ndarray | None,
        arrows: list[list[float]],
        pins: list[list[float]],
        freeze: list[list[float]] | None = None,
    ) -> None:
        self._latest += 1
        number = self._latest

        def work() -> None:
            if number != self._latest:  # a newer edit came in while this one waited
                return
            from engine.api import motion_preview

            try:
                result: object = motion_preview(
                    still, region, np.array(arrows), np.array(pins), freeze=freeze or []
                )
            except ValueError as e:  # an empty region, a region of another size
                result = str(e)
            self._done.emit(number, media_id, result)

        self._pool.submit(work)

    def cancel(self) -> None:
        """Forget what is asked and under way: nothing more is reported."""
        self._latest += 1

    def shutdown(self) -> None:
        self.cancel()
        self._pool.shutdown(wait=True)

    def _report(self, number: int, media_id: str, result: object) -> None:
        if number != self._latest:
            return
        if isinstance(result, str):
            self.failed.emit(media_id, result)
        else:
            self.ready.emit(media_id, result)
