"""Mask-track storage (engine/mask_track.py): round trip, refused files, keyframes kept."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from engine.mask_track import (
    SCHEMA,
    MaskTrack,
    MaskTrackError,
    from_bytes,
    from_single_mask,
    load,
    save,
    to_bytes,
)
from engine.vision.mask_edges import Edges


def _mask(h: int, w: int, x: int) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[5:15, x : x + 7] = True
    return m


def _track() -> MaskTrack:
    t = MaskTrack(width=33, height=21, length=12, edges=Edges(grow=2, feather=3, invert=False))
    t.set_keyframe(0, _mask(21, 33, 1))
    t.set_keyframe(8, _mask(21, 33, 20))
    t.put_tracked((i, _mask(21, 33, 1 + 2 * i)) for i in range(1, 8))
    return t


def test_round_trip_keeps_every_mask_and_the_edges(tmp_path) -> None:
    t = _track()
    save(tmp_path / "a.masktrack", t)
    back = load(tmp_path / "a.masktrack")
    assert (back.width, back.height, back.length, back.edges) == (33, 21, 12, t.edges)
    assert sorted(back.keyframes) == [0, 8] and sorted(back.tracked) == list(range(1, 8))
    for i in range(12):
        assert np.array_equal(back.final(i), t.final(i))
    assert np.array_equal(back.raw(3), _mask(21, 33, 7))


def test_the_file_is_compressed(tmp_path) -> None:
    t = MaskTrack(width=640, height=360, length=50)
    for i in range(50):
        t.set_keyframe(i, _mask(360, 640, 10 + i))
    assert len(to_bytes(t)) < 640 * 360 * 50 / 8 / 20  # far below even one bit a pixel


def test_a_damaged_file_is_refused_with_its_name(tmp_path) -> None:
    data = to_bytes(_track())
    (tmp_path / "cut.masktrack").write_bytes(data[: len(data) // 2])
    with pytest.raises(MaskTrackError, match="cut.masktrack cannot be read"):
        load(tmp_path / "cut.masktrack")
    with pytest.raises(MaskTrackError, match="cannot be read"):
        from_bytes(b"not a zip at all")


def _rewrite(meta_change: dict[str, object], **arrays: np.ndarray) -> bytes:
    with np.load(io.BytesIO(to_bytes(_track())), allow_pickle=False) as z:
        parts = {k: z[k] for k in z.files}
    meta = json.loads(bytes(parts["meta"]).decode())
    meta.update(meta_change)
    parts["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    parts.update(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **parts)
    return buffer.getvalue()


def test_a_newer_schema_is_refused_and_says_to_update() -> None:
    with pytest.raises(MaskTrackError, match="newer Lumiere Studio"):
        from_bytes(_rewrite({"schema": SCHEMA + 1}))


def test_headers_that_disagree_with_the_masks_are_refused() -> None:
    with pytest.raises(MaskTrackError, match="keyframes list"):
        from_bytes(_rewrite({"keyframes": [0]}))
    with pytest.raises(MaskTrackError, match="outside the clip"):
        from_bytes(_rewrite({"keyframes": [0, 99]}))
    with pytest.raises(MaskTrackError, match="size its header"):
        from_bytes(_rewrite({"width": 34}))
    with pytest.raises(MaskTrackError, match="not a mask track"):
        from_bytes(_rewrite({"kind": "something else"}))
    with pytest.raises(MaskTrackError, match="edge settings"):
        from_bytes(_rewrite({"edges": {"grow": "wide"}}))


def test_a_pickled_array_is_never_loaded() -> None:
    evil = np.array([object()], dtype=object)
    with pytest.raises(MaskTrackError, match="cannot be read"):
        from_bytes(_rewrite({}, keys=evil))


def test_keyframes_are_never_overwritten_by_tracking() -> None:
    t = _track()
    key = t.keyframes[8].copy()
    stored = t.put_tracked([(8, np.ones((21, 33), bool)), (9, np.ones((21, 33), bool))])
    assert stored == 1 and np.array_equal(t.raw(8), key) and t.raw(9).all()


def test_a_correction_becomes_a_keyframe_and_retracks_only_to_the_next() -> None:
    t = _track()
    t.set_keyframe(4, _mask(21, 33, 12))
    assert 4 not in t.tracked  # its tracked mask gave way to the correction
    assert t.retrack_span(4, "forward") == [5, 6, 7]
    assert t.retrack_span(4, "backward") == [3, 2, 1]
    assert t.retrack_span(8, "forward") == [9, 10, 11]
    with pytest.raises(ValueError, match="not a keyframe"):
        t.retrack_span(5, "forward")


def test_a_single_mask_migrates_to_a_track_that_behaves_as_before() -> None:
    m = _mask(21, 33, 4)
    t = from_single_mask(m, length=10, from_frame=3)
    assert all(not t.final(i).any() for i in range(3))
    assert all(np.array_equal(t.final(i) > 0, m) for i in range(3, 10))


def test_frames_between_keyframes_hold_the_last_keyframe_until_tracked() -> None:
    t = MaskTrack(width=33, height=21, length=6)
    t.set_keyframe(2, _mask(21, 33, 3))
    assert t.raw(1) is None and np.array_equal(t.raw(5), t.keyframes[2])


def test_a_mask_of_the_wrong_size_is_refused() -> None:
    t = MaskTrack(width=33, height=21, length=6)
    with pytest.raises(ValueError, match="does not fit"):
        t.set_keyframe(0, np.zeros((20, 33), bool))
    with pytest.raises(ValueError, match="outside"):
        t.set_keyframe(6, _mask(21, 33, 1))


def test_saving_is_atomic_and_leaves_no_temporary(tmp_path) -> None:
    path = tmp_path / "t.masktrack"
    save(path, _track())
    before = path.read_bytes()
    bad = _track()
    bad.keyframes[0] = np.zeros((3, 3), bool)  # cannot be packed into the row
    with pytest.raises(ValueError):
        save(path, bad)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["t.masktrack"]


def _hinted() -> MaskTrack:
    t = _track()
    t.arrows = [[2.0, 3.0, 20.5, 3.0]]
    t.pins = [[30.0, 19.0]]
    t.freeze = [[2.5, 1.0, 1.0, 10.0, 12.0], [1.0, 30.0, 2.0]]
    return t


def test_motion_hints_travel_with_the_track(tmp_path) -> None:
    save(tmp_path / "m.masktrack", _hinted())
    back = load(tmp_path / "m.masktrack")
    assert back.arrows == [[2.0, 3.0, 20.5, 3.0]] and back.pins == [[30.0, 19.0]]
    assert back.freeze == [[2.5, 1.0, 1.0, 10.0, 12.0], [1.0, 30.0, 2.0]]
    assert np.array_equal(back.final(3), _hinted().final(3))


def test_a_schema_1_file_still_reads_with_no_hints() -> None:
    with np.load(io.BytesIO(to_bytes(_hinted())), allow_pickle=False) as z:
        parts = {k: z[k] for k in z.files}
    meta = json.loads(bytes(parts["meta"]).decode())
    del meta["motion"]  # what schema 1 wrote: no motion table
    meta["schema"] = 1
    parts["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **parts)
    old = from_bytes(buffer.getvalue())
    assert (old.arrows, old.pins, old.freeze) == ([], [], [])
    assert sorted(old.keyframes) == [0, 8] and np.array_equal(old.final(3), _track().final(3))


@pytest.mark.parametrize(
    "motion",
    [
        [],
        {"arrows": [[1, 2, 3]]},
        {"pins": [[1, "2"]]},
        {"pins": [[1, float("nan")]]},
        {"arrows": [[1, 2, 3, 999]]},
        {"freeze": [[2, 1, 1, 2]]},
        {"freeze": [[0, 1, 1]]},
        {"freeze": [[2, 1, 1]] * 1001},
    ],
)
def test_bad_motion_hints_are_refused(motion: object) -> None:
    with pytest.raises(MaskTrackError, match="motion hints|arrows|pins|freeze"):
        from_bytes(_rewrite({"motion": motion}))
