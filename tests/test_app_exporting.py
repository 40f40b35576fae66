"""The exporting controller without a window: the range it exports, the detached timeline,
progress and outcome as signals on the GUI thread, refusing an empty timeline."""

from __future__ import annotations

import threading

import pytest
from testkit.media import make_clip

from engine.media.probe import probe
from lumiere_studio.controllers.exporting import ExportController
from lumiere_studio.model.document import Document


@pytest.fixture
def controller(qapp, tmp_path):
    options = {"mark_composites": False}
    c = ExportController(Document(), lambda: options)
    c.events = []
    c.error.connect(lambda title, text: c.events.append(("error", title)))
    c.status.connect(lambda text, ms: c.events.append(("status", text)))
    c.done.connect(lambda: c.events.append(("done", "")))
    return c


@pytest.fixture
def with_clip(controller, tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=12, size=(64, 48))
    (item,) = controller.doc.import_media([probe(clip)])
    controller.doc.add_to_timeline(item.id)
    return controller


def test_an_empty_timeline_is_refused_with_a_message(controller, tmp_path):
    assert controller.start(tmp_path / "out.mp4") is None
    assert controller.events == [("error", "Nothing to export")]
    assert not (tmp_path / "out.mp4").exists()


def test_the_in_out_range_is_exported_from_a_detached_copy(qtbot, with_clip, tmp_path):
    c = with_clip
    c.doc.set_in_out(3, 9)
    assert c.frame_range() == (3, 9)
    threads: list[bool] = []
    c.progress.connect(
        lambda d, t: threads.append(threading.current_thread() is threading.main_thread())
    )
    run = c.start(tmp_path / "out.mp4")
    assert run is not None and run.total == 6
    assert run.worker.options["mark_composites"] is False  # the preferences reach the writer
    c.doc.set_in_out(None, None)  # edits meanwhile change nothing in what is written
    c.doc.delete_clip(c.doc.project.timeline.tracks[0].clips[0].id)
    with qtbot.waitSignal(c.done, timeout=30000):
        pass
    run.thread.wait(5000)
    assert probe(tmp_path / "out.mp4").frames == 6
    assert threads and all(threads)  # progress reaches the GUI thread, never the export's
    assert c.events[-2:] == [("done", ""), ("status", f"exported {tmp_path / 'out.mp4'}")]


def test_a_failed_export_is_an_error_and_closes_the_progress(qtbot, with_clip, tmp_path):
    c = with_clip
    (tmp_path / "not-a-folder").write_text("a file where the folder should be")
    run = c.start(tmp_path / "not-a-folder" / "out.mp4")
    assert run is not None
    with qtbot.waitSignal(c.done, timeout=30000):
        pass
    run.thread.wait(5000)
    assert c.events[-1] == ("error", "Export failed")


def test_cancel_stops_the_run_and_says_so(qtbot, with_clip, tmp_path):
    c = with_clip
    run = c.start(tmp_path / "out.mp4")
    assert run is not None
    run.cancel()
    # (waitSignal on the worker's own signal would race: pytest-qt's blocker is no QObject,
    # so the export thread would call it directly; the controller's relay is on this thread)
    qtbot.waitUntil(lambda: ("status", "export cancelled") in c.events, timeout=30000)
    run.thread.wait(5000)
    assert not (tmp_path / "out.mp4").exists() and ("done", "") not in c.events
