"""Training batches made ahead in worker processes.

On a GPU one process cannot render clips as fast as the model consumes them. The workers call
`ProceduralBatches.batch_at`, a pure function of the clip index, so the stream is the same
batches in the same order whatever the number of workers, and a resumed run sees exactly what
an uninterrupted one would have.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import torch
import torch.multiprocessing  # tensors cross processes through shared memory

from engine.train.data import Batch, ProceduralBatches

_source: ProceduralBatches | None = None


def _start_worker(source: ProceduralBatches) -> None:
    global _source
    torch.set_num_threads(1)  # the workers share the machine's cores with each other
    _source = source


def _make_batch(start: int) -> Batch:
    assert _source is not None, "worker started without its source"
    return _source.batch_at(start)


class PrefetchedBatches:
    """Iterates like `source`, with `workers` processes keeping `ahead` batches in flight."""

    def __init__(self, source: ProceduralBatches, workers: int, ahead: int | None = None):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.source = source
        self.ahead = ahead or 2 * workers
        ctx = torch.multiprocessing.get_context("spawn")  # fork is unsafe once torch has threads
        self._pool = ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_start_worker, initargs=(source,)
        )
        self._index = source.state()["index"]  # first clip of the next batch handed out
        self._queued: deque[tuple[int, Future[Batch]]] = deque()

    def _fill(self) -> None:
        start = self._queued[-1][0] + self.source.batch_size if self._queued else self._index
        while len(self._queued) < self.ahead:
            self._queued.append((start, self._pool.submit(_make_batch, start)))
            start += self.source.batch_size

    def state(self) -> dict[str, int]:
        return {"index": self._index}

    def load_state(self, state: dict[str, Any]) -> None:
        for _, future in self._queued:
            future.cancel()
        self._queued.clear()
        self._index = int(state.get("index", 0))
        self.source.load_state(state)

    def __iter__(self) -> Iterator[Batch]:
        return self

    def __next__(self) -> Batch:
        self._fill()
        start, future = self._queued.popleft()
        assert start == self._index
        batch = future.result()
        self._index += self.source.batch_size
        return batch

    def close(self) -> None:
        for _, future in self._queued:
            future.cancel()
        self._queued.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
