"""The mask tracking service (lumiere_studio/services/mask_tracking.py): click to mask and
tracking run on its worker thread, results arrive on the GUI thread, cancel stops a run, and
a run stops at the next keyframe."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from lumiere_studio.services.mask_tracking import MaskTracking


def _clip(n: int = 12, h: int = 64, w: int = 96, step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    bg = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3)).astype(np.uint8), (5, 5), 0)
    obj = cv2.GaussianBlur(rng.integers(0, 256, (20, 24, 3)).astype(np.uint8), (3, 3), 0)
    obj = (obj // 2 + 110).astype(np.uint8)
    frames, truths = [], []
    for t in range(n):
        f = bg.copy()
        f[20:40, 6 + step * t : 30 + step * t] = obj
        m = np.zeros((h, w), bool)
        m[20:40, 6 + step * t : 30 + step * t] = True
        frames.append(f)
        truths.append(m)
    return np.stack(frames), np.stack(truths)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.fixture
def service(qtbot):
    s = MaskTracking()
    yield s
    s.shutdown()


def test_tracking_runs_off_the_gui_thread_and_fills_the_frames(
    qtbot, service, tmp_path, write_lossless_video
):
    frames, truths = _clip()
    video = str(write_lossless_video(tmp_path / "c.mkv", frames))
    threads = set()
    service.worker.submit(lambda: threads.add(threading.current_thread().name))
    progress: list[tuple[int, int]] = []
    service.progress.connect(lambda _m, d, n: progress.append((d, n)))
    with qtbot.waitSignal(service.finished, timeout=60000) as done:
        assert service.track("m", video, 3, 12, truths[3], "both")
        assert service.busy and not service.track("m", video, 3, 12, truths[3], "both")
    assert threads == {"mask-tracking"}  # the worker's own thread, not the GUI's
    assert "tracked 11 frames" in done.args[1] and not service.busy
    assert progress[-1] == (11, 11)
    assert service.mask_at("m", 3) is None  # the keyframe shows its painted mask
    for t in (0, 6, 11):
        mask = service.mask_at("m", t)
        assert mask is not None and mask.shape == (64, 96) and iou(mask >= 128, truths[t]) > 0.85


def test_a_correction_retracks_only_to_the_next_keyframe(
    qtbot, service, tmp_path, write_lossless_video
):
    frames, truths = _clip()
    video = str(write_lossless_video(tmp_path / "c.mkv", frames))
    with qtbot.waitSignal(service.finished, timeout=60000):
        service.track("m", video, 8, 12, truths[8], "forward")
    kept = {t: service.mask_at("m", t) for t in (9, 10, 11)}
    corrected = service.take_for_correction("m", 10)
    assert corrected is not None and service.mask_at("m", 10) is None
    with qtbot.waitSignal(service.finished, timeout=60000) as done:
        service.track("m", video, 0, 12, truths[0], "forward")
    assert "tracked 7 frames" in done.args[1]  # 1..7: frame 8 is a keyframe
    assert service.clips["m"].keyframes == {0, 8} and 8 not in service.clips["m"].masks
    assert all(np.array_equal(service.mask_at("m", t), kept[t]) for t in (9, 11))


def test_cancel_stops_a_run_between_frames(qtbot, service, tmp_path, write_lossless_video):
    frames, truths = _clip(40, step=1)
    video = str(write_lossless_video(tmp_path / "c.mkv", frames))
    service.progress.connect(lambda _m, d, _n: service.cancel() if d == 2 else None)
    with qtbot.waitSignal(service.finished, timeout=60000) as done:
        service.track("m", video, 0, 40, truths[0], "forward")
    assert "cancelled" in done.args[1] and service.tracked_frames("m") < 39 and not service.busy


def test_grab_returns_the_object_and_a_bad_file_is_a_message(qtbot, service, tmp_path):
    from PIL import Image

    frames, truths = _clip(1)
    Image.fromarray(frames[0]).save(tmp_path / "f.png")
    with qtbot.waitSignal(service.grabbed, timeout=30000) as got:
        service.grab("s", str(tmp_path / "f.png"), 0, True, (2, 14, 34, 32))
    assert iou(got.args[1] >= 128, truths[0]) > 0.85
    with qtbot.waitSignal(service.grabbed, timeout=30000) as clicked:  # a click, no box
        service.grab("s", str(tmp_path / "f.png"), 0, True, None, [(18, 30)], [])
    assert iou(clicked.args[1] >= 128, truths[0]) > 0.6
    with qtbot.waitSignal(service.failed, timeout=30000) as bad:
        service.grab("s", str(tmp_path / "missing.png"), 0, True, (2, 14, 34, 32))
    assert "does not exist" in bad.args[1]


def test_tracks_are_kept_with_the_project_and_read_back(qtbot, service, tmp_path):
    from lumiere_studio.services.mask_tracking import TrackedClip

    moved = np.zeros((48, 64), bool)
    moved[10:20, 30:40] = True
    service.clips["a"] = TrackedClip((64, 48), {0}, {3: moved})
    service.clips["gone"] = TrackedClip((64, 48), {0}, {1: moved})
    service.set_edges("a", 2, 4, False)
    painted = np.zeros((48, 64), np.uint8)
    painted[5:15, 5:15] = 255
    (tmp_path / "masks" / "tracks").mkdir(parents=True)
    (tmp_path / "masks" / "tracks" / "old.masktrack").write_bytes(b"stale")
    assert service.save_to(tmp_path, {"a": 10}, {"a": painted}) == ["a"]
    files = sorted(p.name for p in (tmp_path / "masks" / "tracks").iterdir())
    assert files == ["a.masktrack"]  # media no longer in the project: no file, stale removed
    again = MaskTracking()
    try:
        notes = again.load_from(tmp_path, {"a": (64, 48), "b": (64, 48)})
        assert notes == [] and set(again.clips) == {"a"}
        assert np.array_equal(again.mask_at("a", 3) >= 128, moved)
        assert again.clips["a"].keyframes == {0} and again.edges["a"] == (2, 4, False)
        (tmp_path / "masks" / "tracks" / "a.masktrack").write_bytes(b"damaged")
        notes = again.load_from(tmp_path, {"a": (64, 48)})
        assert again.clips == {} and len(notes) == 1 and "cannot be read" in notes[0]
        service.save_to(tmp_path, {"a": 10}, {"a": painted})
        notes = again.load_from(tmp_path, {"a": (32, 48)})  # the media changed size
        assert again.clips == {} and "does not fit" in notes[0]
    finally:
        again.shutdown()


def test_a_tracks_folder_that_links_elsewhere_is_neither_written_nor_emptied(
    qtbot, service, tmp_path
):
    """A received project whose masks/tracks is a link: Save wrote and deleted .masktrack
    files wherever it pointed. Names that are paths are refused too."""
    from engine.api import OutsidePathError
    from lumiere_studio.services.mask_tracking import TrackedClip

    victim = tmp_path / "elsewhere"
    victim.mkdir()
    (victim / "keep.masktrack").write_bytes(b"the user's")
    project = tmp_path / "received"
    (project / "masks").mkdir(parents=True)
    (project / "masks" / "tracks").symlink_to(victim)
    moved = np.zeros((48, 64), bool)
    moved[10:20, 30:40] = True
    service.clips["a"] = TrackedClip((64, 48), {0}, {3: moved})
    with pytest.raises(OutsidePathError):
        service.save_to(project, {"a": 10}, {})
    assert sorted(p.name for p in victim.iterdir()) == ["keep.masktrack"]
    assert (victim / "keep.masktrack").read_bytes() == b"the user's"
    again = MaskTracking()
    try:
        notes = again.load_from(project, {"keep": (64, 48)})
        assert again.clips == {} and "outside" in notes[0]
    finally:
        again.shutdown()
    safe = tmp_path / "safe"
    for name in ("../x", "/abs"):
        service.clips = {name: TrackedClip((64, 48), {0}, {3: moved})}
        with pytest.raises(OutsidePathError):
            service.save_to(safe, {name: 10}, {})
    assert not (tmp_path / "x.masktrack").exists()
