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


def _project_with_media():
    from lumiere_studio.model.masks import Mask
    from lumiere_studio.model.project import MaskMeta, MediaItem, Project

    project = Project()
    info = {"path": "/x/a.mp4", "kind": "video", "width": 64, "height": 48, "fps": 24.0}
    info["duration"] = 0.4
    for mid in ("a", "b", "c"):
        project.media.append(MediaItem("/x/a.mp4", {**info, "frames": 10}, id=mid))
    painted = np.zeros((48, 64), np.uint8)
    painted[5:15, 5:15] = 255
    project.masks["a"] = Mask(painted.copy())
    project.masks["b"] = Mask(painted.copy())
    project.mask_meta["a"] = MaskMeta(arrows=[[1.0, 1.0, 9.0, 9.0]], freeze=[[2.0, 3.0, 3.0]])
    project.mask_meta["b"] = MaskMeta(from_frame=2)
    return project, painted


def test_the_projects_tracks_are_built_from_the_service_and_read_back(qtbot, service):
    """What a save or an autosave writes for each masked media: the tracked frames, the
    painted mask as the keyframes', the edges and hints; a mask never tracked is a
    one-keyframe track; a media with neither has none."""
    from engine.api import mask_track_from_bytes
    from lumiere_studio.services.mask_tracking import TrackedClip

    project, painted = _project_with_media()
    moved = np.zeros((48, 64), bool)
    moved[10:20, 30:40] = True
    service.clips["a"] = TrackedClip((64, 48), {0}, {3: moved})
    service.set_edges("a", 2, 4, False)
    tracks = service.project_tracks(project)
    assert set(tracks) == {"a", "b"}  # c has neither a mask nor a track
    a = mask_track_from_bytes(tracks["a"])
    assert sorted(a.keyframes) == [0] and np.array_equal(a.keyframes[0], painted >= 128)
    assert np.array_equal(a.tracked[3], moved) and (a.edges.grow, a.edges.feather) == (2, 4)
    assert a.arrows == [[1.0, 1.0, 9.0, 9.0]] and a.freeze == [[2.0, 3.0, 3.0]]
    b = mask_track_from_bytes(tracks["b"])
    assert sorted(b.keyframes) == [2] and b.tracked == {}
    assert service.project_tracks(project)["a"] is tracks["a"]  # unchanged: not built again
    service._store("a", 5, moved)  # a newly tracked frame: built again
    assert 5 in mask_track_from_bytes(service.project_tracks(project)["a"]).tracked
    project.tracks = service.project_tracks(project)
    again = MaskTracking()
    try:
        assert again.load_from_project(project) == []
        assert set(again.clips) == {"a"} and again.clips["a"].keyframes == {0}
        assert np.array_equal(again.mask_at("a", 3) >= 128, moved)
        assert again.edges == {"a": (2, 4, False)}
        project.tracks["a"] = b"damaged"
        notes = again.load_from_project(project)
        assert again.clips == {} and "cannot be read" in notes[0]
    finally:
        again.shutdown()
