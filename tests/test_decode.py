from __future__ import annotations

import random

import numpy as np
import pytest
from testkit.media import make_clip

from engine.media.decode import DecodeError, FrameCache, FrameReader, decode_sequential


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("dec") / "c.mp4", frames=45, gop=10)


def test_index_counts_frames_and_keyframes(clip):
    with FrameReader(clip) as r:
        assert r.frame_count == 45
        assert r.keyframes == [0, 10, 20, 30, 40]


def test_random_seeks_match_sequential_decode(clip):
    reference = decode_sequential(clip)
    order = list(range(45))
    random.Random(3).shuffle(order)
    with FrameReader(clip, cache_bytes=1) as r:  # no useful cache: every frame is a real seek
        for n in order:
            assert np.array_equal(r.frame(n), reference[n]), n
        assert r.seeks > 10


def test_sequential_reads_do_not_seek(clip):
    reference = decode_sequential(clip)
    with FrameReader(clip, cache_bytes=1) as r:
        r.frame(3)
        seeks = r.seeks
        for n in range(4, 30):
            assert np.array_equal(r.frame(n), reference[n])
        assert r.seeks == seeks


def test_read_ahead_fills_cache(clip):
    reference = decode_sequential(clip)
    with FrameReader(clip) as r:
        r.frame(12)
        r.read_ahead(13, 8)
        r.wait_read_ahead(10)
        assert all(n in r.cache for n in range(13, 21))
        hits = r.cache.hits
        assert np.array_equal(r.frame(17), reference[17])
        assert r.cache.hits == hits + 1


def test_rotated_clip_is_returned_upright(tmp_path):
    clip = make_clip(tmp_path / "rot.mp4", frames=4, size=(64, 32), rotation=90)
    with FrameReader(clip) as r:
        assert r.frame(2).shape == (64, 32, 3)


def test_scaled_decode(clip):
    with FrameReader(clip, size=(32, 24)) as r:
        assert r.frame(5).shape == (24, 32, 3)


def test_out_of_range_and_broken(clip, tmp_path):
    with FrameReader(clip) as r, pytest.raises(DecodeError, match="out of range"):
        r.frame(45)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"nope" * 100)
    with pytest.raises(DecodeError):
        FrameReader(bad)


def test_cache_is_bounded_by_bytes():
    cache = FrameCache(max_bytes=3 * 100)
    for i in range(10):
        cache.put(i, np.zeros(100, np.uint8))
    assert len(cache) == 3
    assert cache.get(0) is None and cache.get(9) is not None


def test_frames_with_equal_timestamps_show_from_frame_0(tmp_path):
    from fractions import Fraction

    from testkit.fuzz_media import write_video

    path = write_video(
        tmp_path / "eq.mkv",
        "ffv1",
        "bgr0",
        time_base=Fraction(1, 8),
        pts=[0, 0, 1, 1, 2, 2, 3, 4, 4, 5],
    )
    with FrameReader(path) as r:
        assert r.frame_count == 6  # one frame per distinct time
        first = r.frame(0)  # before: "frame 0 could not be decoded"
        assert first.shape == (24, 32, 3)
        assert r.frame(5).shape == (24, 32, 3)


def test_decode_errors_are_plain_and_name_the_file(tmp_path):
    (tmp_path / "junk.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(DecodeError) as info:
        FrameReader(tmp_path / "junk.mp4")
    assert str(info.value).startswith("junk.mp4: ") and "Errno" not in str(info.value)
