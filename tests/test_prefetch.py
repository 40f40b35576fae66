"""Batches made ahead in worker processes: the same stream as one process makes, resumable."""

import pytest
import torch

from engine.train.data import Batch, ProceduralBatches
from engine.train.prefetch import PrefetchedBatches


def same(a: Batch, b: Batch) -> bool:
    tensors = torch.equal(a.video, b.video) and torch.equal(a.cond, b.cond)
    return tensors and a.captions == b.captions


def source(**kw) -> ProceduralBatches:
    return ProceduralBatches("base", 3, 4, 16, seed=5, **kw)


def test_workers_give_the_serial_stream_and_resume_exactly():
    serial = source()
    expected = [next(serial) for _ in range(5)]
    ahead = PrefetchedBatches(source(), workers=2)
    try:
        got = [next(ahead) for _ in range(3)]
        state = ahead.state()
    finally:
        ahead.close()
    assert all(same(g, e) for g, e in zip(got, expected[:3], strict=True))
    assert state == {"index": 9}

    resumed = PrefetchedBatches(source(), workers=2)
    try:
        resumed.load_state(state)  # as Trainer._resume does after the pool has started
        rest = [next(resumed) for _ in range(2)]
    finally:
        resumed.close()
    assert all(same(g, e) for g, e in zip(rest, expected[3:], strict=True))


def test_a_source_already_advanced_is_continued():
    serial = source(rank=1, world=2)
    next(serial)
    ahead = PrefetchedBatches(source(rank=1, world=2), workers=1)
    try:
        ahead.load_state(serial.state())
        assert same(next(ahead), next(serial))
    finally:
        ahead.close()


def test_worker_count_must_be_positive():
    with pytest.raises(ValueError, match="workers"):
        PrefetchedBatches(source(), workers=0)
