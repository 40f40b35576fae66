"""The real main window, offscreen: import, seek, mask painting with the mouse, generation
into bin and timeline, save/reopen, crash recovery, export, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from testkit.media import make_clip

from engine.media.decode import decode_sequential
from engine.media.probe import probe
from lumiere_studio.model.project import MediaItem
from lumiere_studio.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", frames=30, size=(64, 48))


def _viewer_pixels(w) -> np.ndarray:
    from lumiere_studio.services.frames import qimage_to_array

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


def test_one_hostile_still_does_not_abort_the_import(window, clip, tmp_path):
    from testkit.fuzz_media import png_claiming, png_with_text

    (tmp_path / "bomb.png").write_bytes(png_claiming(100000, 100000))
    (tmp_path / "text.png").write_bytes(png_with_text(20 << 20))
    # Before: PIL's DecompressionBombError escaped probe and none of the files was imported.
    items = window.import_paths([str(tmp_path / "bomb.png"), str(clip), str(tmp_path / "text.png")])
    assert [m.name for m in items] == ["clip.mp4"]
    assert "bomb.png" in window.last_error and "text.png" in window.last_error


def test_paint_mask_with_mouse(qtbot, window, clip):
    window.import_paths([str(clip)])
    qtbot.waitUntil(lambda: window.viewer.image is not None, timeout=5000)
    window.mask_tools.set_tool("brush")
    window.mask_tools.brush_size.setValue(8)
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
    jid = window.generation.generate()
    assert jid is not None
    qtbot.waitUntil(lambda: len(window.doc.project.media) == 1, timeout=60000)
    item = window.doc.project.media[0]
    record = window.doc.project.generations[item.generation_id]
    assert item.generated and record.model_name and record.job["prompt"].startswith("a blue")
    clips = window.doc.project.timeline.tracks[0].clips
    assert len(clips) == 1 and clips[0].generated and clips[0].media == item.path
    info = probe(window.doc.project.resolve(item.path))
    assert info.frames == 8 and (info.width, info.height) == (32, 32)  # auto: native x SSR
    assert window.prompt.history.count() == 1 and clips[0].generation_id == record.id
    assert window.queue.entries[jid].state == "done"


def test_save_reopen_compare(qtbot, window, clip, tmp_path):
    window.import_paths([str(clip)])
    window.add_selected_to_timeline()
    window.doc.mask_operation(window.doc.project.media[0].id, "fill")
    window.timeline.set_playhead(10)
    window.editing.split_at_playhead()
    assert window.projects.save_to(tmp_path / "proj")
    assert not window.doc.dirty
    state = window.doc.project.state()
    window.files.new_project()
    assert window.doc.project.media == []
    assert window.projects.open_project(tmp_path / "proj")
    assert window.doc.project.state() == state
    mid = window.doc.project.media[0].id
    assert window.doc.project.masks[mid].pixels.min() == 255


def test_tracked_masks_are_saved_with_the_project_and_reopened(window, clip, tmp_path):
    from lumiere_studio.services.mask_tracking import TrackedClip

    window.import_paths([str(clip)])
    mid = window.doc.project.media[0].id
    window.doc.mask_operation(mid, "fill")
    tracked = np.zeros((48, 64), bool)
    tracked[5:25, 10:30] = True
    tracking = window.mask_tools.tracking
    tracking.clips[mid] = TrackedClip((64, 48), {0}, {4: tracked})
    assert window.projects.save_to(tmp_path / "proj")
    assert (tmp_path / "proj" / "masks" / "tracks" / f"{mid}.masktrack").is_file()
    listed = json.loads((tmp_path / "proj" / "project.lumiere.json").read_text())["mask_tracks"]
    assert listed == {mid: f"masks/tracks/{mid}.masktrack"}
    tracked2 = np.roll(tracked, 3, axis=1)
    tracking._store(mid, 6, tracked2)  # tracked after the save, then the app crashes
    window.projects.write_recovery()
    from lumiere_studio.model import autosave

    recovered = autosave.restore(autosave.find_recoveries(window.projects.recovery_root)[0])
    window.projects.set_project(recovered)
    assert np.array_equal(tracking.mask_at(mid, 6) >= 128, tracked2)  # no track lost
    window.files.new_project()
    assert tracking.clips == {}  # another project: its media's tracks go
    assert window.projects.open_project(tmp_path / "proj")
    assert np.array_equal(tracking.mask_at(mid, 4) >= 128, tracked)
    assert tracking.clips[mid].keyframes == {0}


def test_crash_recovery_offer_and_decline(qtbot, tmp_path, clip, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings=settings, recovery_root=tmp_path / "rec")
    qtbot.addWidget(first)
    first.import_paths([str(clip)])
    first.projects.autosave_now()
    state = first.doc.project.state()
    # "crash": the window goes away without its clean shutdown removing the recovery file
    first.queue.shutdown()
    first.frames.shutdown()
    assert list((tmp_path / "rec").glob("*.json"))

    second = MainWindow(settings=settings, recovery_root=tmp_path / "rec")
    qtbot.addWidget(second)
    asked = []
    assert second.projects.offer_recovery(lambda d: asked.append(d) or True)
    assert asked and second.doc.project.state() == state and second.doc.dirty
    second.shutdown()
    assert not list((tmp_path / "rec").glob("*.json"))  # clean exit: nothing to recover

    second.projects.autosave_now()  # (shutdown stopped timers; write one to decline)
    third = MainWindow(settings=settings, recovery_root=tmp_path / "rec")
    qtbot.addWidget(third)
    assert not third.projects.offer_recovery(lambda d: False)
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


def test_a_new_job_takes_the_sequence_size_once_it_has_one(window, clip, tiny_model):
    window.prompt.set_model_path(str(tiny_model))
    window.prompt.prompt.setPlainText("a red ball")
    # the default sequence decides nothing yet: the panel's auto (the model's untiled size)
    assert window.generation.build_job().width == window.prompt.output_size("t2v")[0] == 32
    window.import_paths([str(clip)])
    window.doc.add_to_timeline(window.doc.project.media[0].id)
    defaults = window.generation.sequence_defaults()
    assert (defaults["width"], defaults["height"], defaults["rate"]) == (64, 48, 24)
    window.bin.media_selected.emit("")  # text to video: no source
    job = window.generation.build_job()
    # the model's 1:1 aspect at the largest size inside 64x48 (letterboxed, never stretched),
    # and the model's rate: the timeline places the result by time
    assert (job.width, job.height, job.fps) == (48, 48, None)


def test_fitted_size_keeps_the_models_aspect():
    from lumiere_studio.controllers.generation import fitted_size

    assert fitted_size(32, 32, 640, 360) == (360, 360)
    assert fitted_size(64, 36, 1920, 1080) == (1920, 1080)
    assert fitted_size(32, 32, 7680, 4320) == (4096, 4096)  # the engine's largest side


def test_viewer_shows_the_exported_pixels_in_every_fit_mode(qtbot, window, clip):
    from fractions import Fraction

    from engine.export.render import render_frames
    from lumiere_studio.services.frames import qimage_to_array

    window.import_paths([str(clip)])  # 64x48
    cid = window.doc.add_to_timeline(window.doc.project.media[0].id)
    window.doc.set_sequence(100, 60, Fraction(25), "#203040")
    for fit, scale, x in (
        ("fit", 1.0, 0.0),
        ("fill", 1.0, 0.0),
        ("none", 1.0, 0.0),
        ("stretch", 1.0, 0.0),
        ("fit", 0.5, 13.0),
    ):
        window.doc.set_clip_geometry(cid, fit=fit, scale=scale, x=x)
        with qtbot.waitSignal(window.viewer.frame_shown, timeout=5000):
            window.timeline.set_playhead(7)
        qtbot.waitUntil(lambda: window.viewer.image_full, timeout=5000)
        shown = qimage_to_array(window.viewer.image)
        tl = window.doc.project.timeline
        exported = next(render_frames(tl, clip.parent, 7, 8))
        assert shown.shape == (60, 100, 3)
        assert np.array_equal(shown, exported), fit
    assert window.viewer.timecode_text().startswith("SEQ 00:00:00:07   SRC 00:00:00:07")


def test_an_otio_timeline_opens_as_a_new_project_with_media_linked(window, clip, tmp_path):
    from fractions import Fraction

    from engine.export.run import export_timeline
    from engine.timeline import Timeline, TimelineClip, Track

    tl = Timeline(
        rate=Fraction(30000, 1001),
        width=128,
        height=96,
        tracks=[
            Track(
                clips=[
                    TimelineClip(str(clip), 4, 20, 10, "24", name="cut"),
                    TimelineClip(str(tmp_path / "gone.mp4"), 0, 5, 40, "24", name="gone"),
                ]
            )
        ],
    )
    (tmp_path / "gone.mp4").write_bytes(clip.read_bytes())
    out = export_timeline(tl, tmp_path, "otio", tmp_path / "cut.otio")
    (tmp_path / "gone.mp4").unlink()
    assert window.projects.open_timeline(out)
    p = window.doc.project
    assert p.folder is None and [m.path for m in p.media] == [str(clip)]
    (c,) = p.timeline.tracks[0].clips
    assert (c.start, c.duration, c.source_in, c.rate, c.name) == (10, 20, 4, "24", "cut")
    assert (p.timeline.rate, p.timeline.width) == (Fraction(30000, 1001), 128)
    assert "gone.mp4" in window.last_error
    assert window.sequence_label.text() == "128x96  29.97 fps"
    assert not window.projects.open_timeline(tmp_path / "nothing.edl")


def test_redo_keys_are_each_bound_once():
    from PySide6.QtGui import QKeySequence

    from lumiere_studio.ui.main_window import redo_shortcuts

    x11 = redo_shortcuts([QKeySequence("Ctrl+Shift+Z")])  # X11's StandardKey.Redo
    assert [k.toString() for k in x11] == ["Ctrl+Shift+Z"]
    windows = redo_shortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
    assert [k.toString() for k in windows] == ["Ctrl+Y", "Ctrl+Shift+Z"]
    assert [k.toString() for k in redo_shortcuts([])] == ["Ctrl+Shift+Z"]


def test_no_key_is_bound_to_two_actions(window):
    from PySide6.QtGui import QAction

    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        keys = [k.toString() for k in action.shortcuts() if not k.isEmpty()]
        assert len(keys) == len(set(keys)), action.text()
        for key in keys:
            assert key not in seen, f"{key}: {seen[key]} and {action.text()}"
            seen[key] = action.text()
    assert "Ctrl+Shift+Z" in seen


def test_export_menu_entry_names_no_single_format(window):
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "&Export..." in texts and not any("H.264" in t for t in texts)


def test_file_dialogs_open_in_the_last_or_project_folder(window, tmp_path, monkeypatch):
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    asked = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a: (asked.append(a[2]), ([], ""))[1]
    )
    window.import_dialog()
    assert asked[-1] == str(Path.home())  # not the folder the app was started from
    window.doc.project.folder = tmp_path
    window.import_dialog()
    assert asked[-1] == str(tmp_path)
    media = tmp_path / "footage"
    media.mkdir()
    chosen = [str(media / "x.mp4")]
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a: (asked.append(a[2]), (chosen, ""))[1]
    )
    window.import_dialog()  # the file is not media: an error, but the folder is remembered
    window.import_dialog()
    assert asked[-1] == str(media)


def test_import_errors_say_what_is_wrong_without_errno(window, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\0" * 4000)
    window.import_paths([str(bad)])
    assert "broken.mp4: the file is damaged" in window.last_error
    assert "Errno" not in window.last_error and str(tmp_path) not in window.last_error


def test_the_active_mask_tool_is_plain_to_see(qtbot, window):
    from lumiere_studio.ui.theme import ACCENT

    def colour(button):
        image = button.grab().toImage()
        return image.pixelColor(image.width() // 2, 3)

    tools = window.mask_tools
    tools.set_tool("brush")
    qtbot.wait(10)
    assert colour(tools.brush) == ACCENT and colour(tools.eraser) != ACCENT
    assert window.viewer.tool_badge() == "BRUSH"
    tools.set_tool("eraser")
    qtbot.wait(10)
    assert colour(tools.eraser) == ACCENT and colour(tools.brush) != ACCENT
    assert window.viewer.tool_badge() == "ERASER"
    badge = window.viewer.grab().toImage().pixelColor(14, 14)
    assert badge.red() > 150 and badge.blue() < 100  # the eraser's orange badge
    tools.set_tool("off")
    assert window.viewer.tool_badge() == ""


def test_untitled_scratch_folder_goes_with_a_clean_exit(window):
    scratch = window.projects.scratch
    (scratch / "generated").mkdir(exist_ok=True)
    (scratch / "generated" / "gen.mp4").write_bytes(b"x")
    window.shutdown()
    assert not scratch.exists()


def test_mask_strokes_in_the_sequence_view_land_on_the_source_pixels(qtbot, window, clip):
    from fractions import Fraction

    window.import_paths([str(clip)])  # 64x48, fitted into 100x60: 80x60 at x = 10
    mid = window.doc.project.media[0].id
    window.doc.add_to_timeline(mid)
    window.doc.set_sequence(100, 60, Fraction(24), "#000000")
    with qtbot.waitSignal(window.viewer.frame_shown, timeout=5000):
        window.timeline.set_playhead(3)
    v = window.viewer
    r = v.image_rect()
    k = r.width() / 100
    at = QPoint(round(r.x() + (10 + 40) * k), round(r.y() + 30 * k))  # the source's centre
    assert [round(c) for c in v.to_source(at.toPointF())] == [32, 24]
    window.mask_tools.set_tool("brush")
    window.mask_tools.brush_size.setValue(6)
    qtbot.mousePress(v, Qt.MouseButton.LeftButton, pos=at)
    qtbot.mouseRelease(v, Qt.MouseButton.LeftButton, pos=at)
    mask = window.doc.project.masks[mid].pixels
    assert mask[24, 32] == 255 and mask[24, 5] == 0


def test_playback_follows_the_clock_at_the_exact_rate(window, tmp_path):
    from fractions import Fraction

    from PIL import Image

    Image.new("RGB", (32, 32), "blue").save(tmp_path / "s.png")
    window.import_paths([str(tmp_path / "s.png")])
    window.doc.set_sequence(64, 64, Fraction(30000, 1001), "#000000")
    cid = window.doc.add_to_timeline(window.doc.project.media[0].id)
    window.doc.trim_clip(cid, 0, 30 * 60 * 30)  # a still held for about half an hour
    now = [1000.0]
    window.transport.clock = lambda: now[0]
    window.timeline.set_playhead(0)
    window.transport.shuttle(1, reset=True)
    now[0] += 1.0
    window.transport.tick()
    assert window.timeline.playhead == 29  # 1 s of 29.97 is 29.97 frames
    now[0] += 599.0
    window.transport.tick()
    assert window.timeline.playhead == 17982  # 10 minutes exactly, not 600 s / 33 ms
    window.transport.pause()


def test_project_whose_media_is_a_fifo_opens_and_closes(qtbot, window, tmp_path):
    import os
    import time

    from testkit.fuzz_entries import project_with

    os.mkfifo(tmp_path / "pipe.mp4")
    folder = project_with(tmp_path / "pipe.mp4", tmp_path / "proj")
    assert window.projects.open_project(folder)
    # Thumbnail, filmstrip, viewer and proxy workers each refuse the FIFO instead of blocking
    # on it (before: they blocked, and closing the window aborted).
    qtbot.waitUntil(lambda: window.thumbs.pending_count() == 0, timeout=10000)
    qtbot.waitUntil(lambda: not window.proxies.pending_count(), timeout=10000)
    start = time.monotonic()
    window.shutdown()
    assert time.monotonic() - start < 5


def test_opening_a_project_lists_the_media_it_reads_from_outside_its_folder(window, clip, tmp_path):
    from engine.media.probe import probe as probe_media
    from lumiere_studio.model.project import Project

    p = Project()
    p.media.append(MediaItem(str(clip), probe_media(clip).to_dict(), name="clip", generated=True))
    p.save(tmp_path / "proj")
    assert window.projects.open_project(tmp_path / "proj")
    assert "outside" in window.last_error and str(clip) in window.last_error
    assert window.projects.save_to(tmp_path / "proj")
    assert not (tmp_path / "proj" / "generated").exists()  # read where it is, never copied


def test_a_failed_save_keeps_every_edit_in_the_recovery_file(window, clip, tmp_path, monkeypatch):
    from lumiere_studio.model import autosave
    from lumiere_studio.model.project import Project

    window.import_paths([str(clip)])
    window.projects.autosave_now()
    window.add_selected_to_timeline()  # an edit after the last autosave
    state = window.doc.project.state()

    def full_disk(self, folder=None, scratch=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Project, "save", full_disk)
    assert not window.projects.save_to(tmp_path / "proj")
    assert "No space left" in window.last_error and window.doc.dirty
    (found,) = autosave.find_recoveries(tmp_path / "recovery")
    assert autosave.restore(found).state() == state  # the crash-time state, edits included
    monkeypatch.undo()
    assert window.projects.save_to(tmp_path / "proj")
    assert autosave.find_recoveries(tmp_path / "recovery") == []  # saved: no longer needed


@pytest.mark.parametrize(
    "change",
    [
        {"start": 10**7 - 8},
        {"fps": 1e-3},
        {"fps": 1000.0},
        {"width": 16384, "height": 2},
        {"in_point": 10**7, "out_point": 3},
    ],
)
def test_projects_at_the_schema_bounds_repaint_and_export(window, clip, tmp_path, change):
    """The largest and smallest values the schema lets through: the window opens, repaints
    and exports them without an exception."""
    import json

    from engine.export.run import export_timeline
    from engine.media.probe import probe as probe_media

    info = probe_media(clip).to_dict()
    media = {"path": str(clip), "info": info, "id": "m1", "name": "clip"}
    tl_clip = {"media": str(clip), "source_in": 0, "source_out": 8, "start": 0, "id": "c1"}
    timeline = {"fps": 24.0, "width": 64, "height": 48, "tracks": [{"clips": [tl_clip]}]}
    doc = {"schema": 1, "app": "lumiere-studio", "media": [media], "timeline": timeline}
    for key, value in change.items():
        target = {"start": tl_clip, "frames": info, "in_point": doc, "out_point": doc}
        target.get(key, timeline)[key] = value
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "project.lumiere.json").write_text(json.dumps(doc))
    assert window.projects.open_project(tmp_path / "proj")
    window.grab()
    window.timeline.set_playhead(window.doc.project.timeline.duration - 1)
    window.grab()
    tl = window.doc.project.timeline
    out = export_timeline(tl, tmp_path / "proj", "png", tmp_path / "frames", first=tl.duration - 2)
    assert len(list(out.glob("*.png"))) == 2


def test_queue_variations_and_edit_a_queued_job(qtbot, window, tiny_model):
    window.prompt.set_model_path(str(tiny_model))
    window.prompt.prompt.setPlainText("a red ball")
    window.queue.set_paused(True)
    ids = window.generation.queue_variations(["seed=1..3", "guidance=2,4"])
    entries = [window.queue.entries[i] for i in ids]
    assert [(e.job.seed, e.job.guidance) for e in entries] == [
        (s, g) for s in (1, 2, 3) for g in (2.0, 4.0)
    ]
    assert len({e.output for e in entries}) == 6 and all(e.state == "queued" for e in entries)
    window.prompt.prompt.setPlainText("something else")
    window.generation.take_back(ids[3])  # seed 2, guidance 4
    assert window.prompt.prompt.toPlainText() == "a red ball"
    assert window.prompt.seed.value() == 2 and window.prompt.guidance.value() == 4.0
    assert window.queue.entries[ids[3]].state == "cancelled"
    assert window.generation.queue_variations(["colour=red"]) == []
    assert "'colour' is not a job field" in window.last_error and len(window.queue.order) == 6


def test_a_painted_mask_is_left_out_of_a_task_that_does_not_read_one(qtbot, window, clip):
    window.import_paths([str(clip)])
    qtbot.waitUntil(lambda: window.viewer.image is not None, timeout=5000)
    mid = window.doc.project.media[0].id
    window.doc.mask_operation(mid, "fill")  # a mask painted on the clip
    window.doc.set_mask_from_frame(mid, 3)
    window.prompt.task.setCurrentIndex(window.prompt.task.findData("v2v"))
    job = window.generation.build_job()  # before: refused, "task v2v does not use a mask"
    assert job.video and job.mask is None and job.mask_from_frame == 0
    window.prompt.task.setCurrentIndex(window.prompt.task.findData("inpaint"))
    job = window.generation.build_job()
    assert job.video and job.mask and job.mask_from_frame == 3


def test_a_second_window_on_the_same_queue_is_read_only(qtbot, window, tmp_path):
    """The window fixture owns this test's queue; a second window (no screen to ask on)
    shows it read-only and says who holds it."""
    import os

    settings = QSettings(str(tmp_path / "second.ini"), QSettings.Format.IniFormat)
    second = MainWindow(settings=settings, recovery_root=tmp_path / "rec2")
    qtbot.addWidget(second)
    try:
        assert second.queue.read_only and not window.queue.read_only
        assert f"process {os.getpid()}" in second.jobs.notice.text()
        assert not second.jobs.pause.isEnabled()
    finally:
        second.shutdown()


def test_a_job_resumed_after_a_crash_is_saved_into_the_project(qtbot, tmp_path, monkeypatch):
    # Generate in an unsaved project, the app is killed mid-job, relaunch, Resume, Save: the
    # clip the resumed job writes (into the killed run's scratch folder, where its queue
    # record points) is copied into the project, which then names nothing under temp.
    import tempfile

    from engine.api import Job
    from lumiere_studio.model.queue_store import INTERRUPTED, QueueStore, default_queue_path
    from lumiere_studio.model.scratch import LOCK_NAME, PREFIX

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dead = tmp / f"{PREFIX}killed01"  # its lock file, held by nobody now
    (dead / "generated").mkdir(parents=True)
    (dead / LOCK_NAME).write_text("")
    output = dead / "generated" / "gen-t2v-5-abcdef.mp4"
    store = QueueStore(default_queue_path())
    job_id = store.add(Job(prompt="a red ball"), output, state=INTERRUPTED).id
    store.close()

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, recovery_root=tmp_path / "rec")
    qtbot.addWidget(w)
    assert w.projects.scratches.adopted == [dead]
    make_clip(output, frames=8, size=(32, 32), fps=8)  # what the resumed job writes
    from engine.run import RunResult

    result = RunResult("done", path=str(output), model_name="tiny", model_hash="h", seconds=1.0)
    w.queue._on_finished(job_id, result)
    assert w.queue.entries[job_id].message == "took 1.0 s"  # the panel: "done: took 1.0 s"
    assert w.doc.project.media[0].path == str(output)
    folder = tmp_path / "proj"
    assert w.projects.save_to(folder)
    assert (folder / "generated" / output.name).is_file()
    assert w.doc.project.media[0].path == f"generated/{output.name}"
    assert w.doc.project.outside_media() == []
    assert str(tmp) not in (folder / "project.lumiere.json").read_text()
    w.shutdown()
    assert not dead.exists()


def test_the_window_comes_up_before_torch_loads(tmp_path):
    """Issue 31 #4: the window shows before anything heavy; torch loads with the model, on the
    engine thread, after it is up (the app start took 25-76 s under load)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from lumiere_studio.ui.main_window import MainWindow\n"
        "window = MainWindow()\n"
        "window.show()\n"
        "app.processEvents()\n"
        "assert window.prompt.model.count() >= 1, 'the bundled model is listed'\n"
        "assert 'torch' not in sys.modules, 'torch loaded before the window was up'\n"
        "window.shutdown()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300, env=env)


def test_an_interrupted_jobs_buttons_are_in_view_at_the_default_size(qtbot, tmp_path, monkeypatch):
    """Issue 31 #5: the Jobs dock at its default height hid a job's Resume and Record."""
    from PySide6.QtCore import QSettings

    from engine.api import Job
    from lumiere_studio.model import queue_store as st

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = st.default_queue_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    store = st.QueueStore(path)
    stored = store.add(Job(prompt="waves on a rocky shore"), tmp_path / "a.mp4")
    store.update(stored.id, state=st.RUNNING)  # as a run killed mid-job leaves it
    store.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_root=tmp_path / "recovery")
    qtbot.addWidget(window)
    try:
        window.resize(1440, 900)
        window.show()
        qtbot.waitExposed(window)
        jobs = window.jobs
        assert jobs.shown_buttons(stored.id)[:2] == ("resume", "record")
        shown = jobs.list.viewport().rect()
        for key in ("resume", "record"):
            assert shown.contains(jobs.button_rect(stored.id, key)), key
    finally:
        window.shutdown()


def test_the_bins_right_click_menu_removes_the_selected_media_with_undo(window, clip):
    (item,) = window.media.import_paths([str(clip)])
    window.doc.add_to_timeline(item.id)
    (remove,) = window.bin.actions()
    assert window.bin.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    window.bin.select_media(item.id)
    remove.trigger()
    assert window.bin.count() == 0 and window.doc.project.timeline.duration == 0
    window.doc.undo_stack.undo()
    assert window.bin.count() == 1 and window.doc.project.timeline.duration == 30


def test_menu_and_dialog_choices_are_kept_in_the_settings(qtbot, window, tmp_path):
    """The window reads and writes its preferences through AppSettings: what the menu and
    the sequence dialog set is what a later window starts with."""
    from fractions import Fraction

    from lumiere_studio.model.settings import AppSettings

    assert window.place_over.isChecked() is False and window.generation.place_over is False
    window.place_over.setChecked(True)
    assert window.generation.place_over is True

    class Still:  # the sequence dialog, answered: a small sequence, stills last 2.5 s
        def values(self):
            return 320, 240, Fraction(24), window.doc.project.timeline.background

        def still_seconds(self):
            return 2.5

    assert window.sequence_settings(Still())
    window.settings.store.sync()
    later = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert later.place_over is True and later.still_seconds == 2.5
