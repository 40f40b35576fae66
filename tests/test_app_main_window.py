"""The real main window, offscreen: import, seek, mask painting with the mouse, generation
into bin and timeline, save/reopen, crash recovery, export, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt

from engine.media.decode import decode_sequential
from engine.media.probe import probe
from lumiere_studio.testing import make_clip
from lumiere_studio.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", frames=30, size=(64, 48))


def _viewer_pixels(w) -> np.ndarray:
    from lumiere_studio.ui.frames import qimage_to_array

    return qimage_to_array(w.viewer.image)


def test_import_and_seek_matches_sequential_decode(qtbot, window, clip):
    items = window.import_paths([str(clip)])
    assert len(items) == 1 and window.bin.count() == 1
    qtbot.waitUntil(lambda: window.viewer.image is not None, timeout=5000)
    reference = decode_sequential(clip)
    for n in (17, 3, 25):
        with qtbot.waitSignal(window.viewer.frame_shown, timeout=5000):
            window.viewer.seek(n)
        assert window.viewer.frame == n
        assert np.array_equal(_viewer_pixels(window), reference[n])


def test_broken_file_shows_error_and_changes_nothing(window, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"garbage" * 50)
    window.import_paths([str(bad)])
    assert window.doc.project.media == []
    assert "broken.mp4" in window.last_error
    assert not window.doc.dirty
    assert bad.read_bytes() == b"garbage" * 50


def test_paint_mask_with_mouse(qtbot, window, clip):
    window.import_paths([str(clip)])
    qtbot.waitUntil(lambda: window.viewer.image is not None, timeout=5000)
    window.mask_tools.set_tool("brush")
    window.mask_tools.size.setValue(8)
    v = window.viewer
    r = v.image_rect()
    to_widget = lambda x, y: QPoint(  # noqa: E731
        round(r.x() + x * r.width() / 64), round(r.y() + y * r.height() / 48)
    )
    qtbot.mousePress(v, Qt.MouseButton.LeftButton, pos=to_widget(10, 24))
    for x in range(12, 52, 4):
        qtbot.mouseMove(v, to_widget(x, 24))
    qtbot.mouseRelease(v, Qt.MouseButton.LeftButton, pos=to_widget(50, 24))
    mask = window.doc.project.masks[v.media_id].pixels
    assert mask.shape == (48, 64)
    assert mask[24, 14:48].min() == 255  # the stroke is solid
    assert mask[4, 30] == 0 and mask[44, 30] == 0  # and only where painted
    window.doc.undo_stack.undo()
    assert mask.max() == 0


def test_generate_lands_in_bin_and_timeline(qtbot, window, tiny_model):
    window.prompt.set_model_path(str(tiny_model))
    window.prompt.prompt.setPlainText("a blue square moving right")
    window.prompt.steps.setValue(2)
    jid = window.generate()
    assert jid is not None
    qtbot.waitUntil(lambda: len(window.doc.project.media) == 1, timeout=60000)
    item = window.doc.project.media[0]
    assert item.generated and item.model_name and item.job["prompt"].startswith("a blue")
    clips = window.doc.project.timeline.tracks[0].clips
    assert len(clips) == 1 and clips[0].generated and clips[0].media == item.path
    assert probe(window.doc.project.resolve(item.path)).frames == 8
    assert window.prompt.history.count() == 1
    assert window.queue.entries[jid].state == "done"


def test_save_reopen_compare(qtbot, window, clip, tmp_path):
    window.import_paths([str(clip)])
    window.add_selected_to_timeline()
    window.doc.mask_operation(window.doc.project.media[0].id, "fill")
    window.timeline.set_playhead(10)
    window.split_at_playhead()
    assert window.save_to(tmp_path / "proj")
    assert not window.doc.dirty
    state = window.doc.project.state()
    window.new_project()
    assert window.doc.project.media == []
    assert window.open_project(tmp_path / "proj")
    assert window.doc.project.state() == state
    mid = window.doc.project.media[0].id
    assert window.doc.project.masks[mid].pixels.min() == 255


def test_crash_recovery_offer_and_decline(qtbot, tmp_path, clip, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings=settings, recovery_root=tmp_path / "rec")
    qtbot.addWidget(first)
    first.import_paths([str(clip)])
    first.autosave_now()
    state = first.doc.project.state()
    # "crash": the window goes away without its clean shutdown removing the recovery file
    first.queue.shutdown()
    first.frames.shutdown()
    assert list((tmp_path / "rec").glob("*.json"))

    second = MainWindow(settings=settings, recovery_root=tmp_path / "rec")
    qtbot.addWidget(second)
    asked = []
    assert second.offer_recovery(lambda d: asked.append(d) or True)
    assert asked and second.doc.project.state() == state and second.doc.dirty
    second.shutdown()
    assert not list((tmp_path / "rec").glob("*.json"))  # clean exit: nothing to recover

    second.autosave_now()  # (shutdown stopped timers; write one to decline)
    third = MainWindow(settings=settings, recovery_root=tmp_path / "rec")
    qtbot.addWidget(third)
    assert not third.offer_recovery(lambda d: False)
    assert third.doc.project.media == []
    assert not list((tmp_path / "rec").glob("*.json"))
    third.shutdown()


def test_export_timeline_to_mp4(qtbot, window, clip, tmp_path):
    window.import_paths([str(clip)])
    window.add_selected_to_timeline()
    out = tmp_path / "out.mp4"
    worker, thread, _dialog = window.export_to(out)
    with qtbot.waitSignal(worker.finished, timeout=30000):
        pass
    thread.wait(5000)
    info = probe(out)
    assert info.frames == 30 and (info.width, info.height) == (64, 48)


def test_layout_is_saved_and_restored(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, recovery_root=tmp_path / "r")
    qtbot.addWidget(w)
    w.show()
    w.docks["Jobs"].hide()
    w.close()
    w2 = MainWindow(settings=settings, recovery_root=tmp_path / "r")
    qtbot.addWidget(w2)
    w2.show()
    assert not w2.docks["Jobs"].isVisible() and w2.docks["Prompt"].isVisible()
    w2.shutdown()


@pytest.mark.parametrize("height", [900, 1200])
def test_generate_and_one_job_stay_in_view(qtbot, tmp_path, monkeypatch, height):
    """On a short screen the prompt form scrolls; Generate and the source line stay below it,
    in view, and the jobs dock shows one job in full."""
    from lumiere_studio.ui.jobs_panel import JOBS_DOCK_HEIGHT

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, recovery_root=tmp_path / "r")
    qtbot.addWidget(w)
    w.resize(1440, height)
    w.show()
    qtbot.waitUntil(lambda: w.docks["Jobs"].height() >= JOBS_DOCK_HEIGHT - 12, timeout=3000)
    qtbot.waitUntil(lambda: not w.prompt.generate.visibleRegion().isEmpty(), timeout=3000)
    for pinned in (w.prompt.generate, w.prompt.source_label):  # all of each
        assert pinned.visibleRegion().boundingRect().height() == pinned.height()
    # The form's last row is in view too, with no scrolling: paired short fields keep the
    # whole form within a 900-px screen.
    last = w.prompt.device
    assert last.visibleRegion().boundingRect().height() == last.height()
    w.shutdown()


def test_drag_a_clip_to_a_new_track_and_back(qtbot, window, clip):
    """V1 is the bottom lane; the strip above the top track takes a new track."""
    window.import_paths([str(clip)])
    window.add_selected_to_timeline()
    view = window.timeline
    window.docks["Timeline"].resize(900, 300)
    view.resize(880, 260)
    item = view.clip_items()[0]
    r = item.rect()
    grab = view.mapFromScene(r.center())
    above = view.mapFromScene(r.center().x() + 10 * view.px_per_frame, view.track_y(0) - 8)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=grab)
    for k in range(1, 6):  # the drag, in steps, up one lane and 10 frames right
        qtbot.mouseMove(view.viewport(), grab + (above - grab) * k / 5)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=above)
    tracks = window.doc.project.timeline.tracks
    assert len(tracks) == 2 and not tracks[0].clips
    assert tracks[1].name == "V2" and tracks[1].clips[0].start == 10
    v2 = view.clip_items()[0].rect()
    assert v2.top() < view.track_y(0)  # drawn above V1, as in other editors
    window.doc.undo_stack.undo()
    tracks = window.doc.project.timeline.tracks
    assert len(tracks) == 1 and tracks[0].clips[0].start == 0


def test_queue_variations_and_edit_a_queued_job(qtbot, window, tiny_model):
    window.prompt.set_model_path(str(tiny_model))
    window.prompt.prompt.setPlainText("a red ball")
    window.queue.set_paused(True)
    ids = window.queue_variations(["seed=1..3", "guidance=2,4"])
    entries = [window.queue.entries[i] for i in ids]
    assert [(e.job.seed, e.job.guidance) for e in entries] == [
        (s, g) for s in (1, 2, 3) for g in (2.0, 4.0)
    ]
    assert len({e.output for e in entries}) == 6 and all(e.state == "queued" for e in entries)
    window.prompt.prompt.setPlainText("something else")
    window.edit_queued_job(ids[3])  # seed 2, guidance 4
    assert window.prompt.prompt.toPlainText() == "a red ball"
    assert window.prompt.seed.value() == 2 and window.prompt.guidance.value() == 4.0
    assert window.queue.entries[ids[3]].state == "cancelled"
    assert window.queue_variations(["colour=red"]) == []
    assert "'colour' is not a job field" in window.last_error and len(window.queue.order) == 6
