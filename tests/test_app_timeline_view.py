"""The timeline view: clips drawn at their length in sequence frames, edge drags trim in
sequence frames and stop at the media's ends (a still trims to any length)."""

from __future__ import annotations

from fractions import Fraction

import shiboken6
from PySide6.QtCore import SIGNAL, QCoreApplication, QPointF, Qt
from PySide6.QtGui import QImage
from testkit.media import make_clip

from engine.media.probe import probe
from lumiere_studio.model.document import Document
from lumiere_studio.model.project import MediaItem
from lumiere_studio.services.thumbnails import Thumbnailer
from lumiere_studio.ui.timeline_view import TimelineView


def drag(qtbot, view, item, from_x: float, to_x: float) -> None:
    y = item.rect().center().y()
    vp = view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(from_x, y)))
    qtbot.mouseMove(vp, view.mapFromScene(QPointF(to_x, y)))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(to_x, y)))


def test_edges_trim_in_sequence_frames_and_stop_at_the_media(qtbot, tmp_path):
    doc = Document()
    doc.set_sequence(64, 48, Fraction(25), "#000000")
    path = make_clip(tmp_path / "a.mp4", frames=48, fps=24)  # 2 s: 50 frames at 25
    item = MediaItem(str(path), probe(path).to_dict(), name="a")
    doc.edit("import", lambda p: p.media.append(item))
    cid = doc.add_to_timeline(item.id)
    thumbs = Thumbnailer()
    view = TimelineView(doc, thumbs)
    thumbs.setParent(view)  # as in the window: results still queued go with the view
    qtbot.addWidget(view)
    view.resize(900, 200)
    view.show()
    ppf = view.px_per_frame
    (clip_item,) = view.clip_items()
    assert clip_item.rect().width() == 50 * ppf
    drag(qtbot, view, clip_item, 50 * ppf - 2, 40 * ppf - 2)  # the tail, 10 frames left
    clip = doc.find_clip(cid)[1]
    assert (clip.start, clip.duration) == (0, 40)
    (clip_item,) = view.clip_items()
    drag(qtbot, view, clip_item, 40 * ppf - 2, 90 * ppf - 2)  # past the media's end
    assert doc.find_clip(cid)[1].duration == 50
    (clip_item,) = view.clip_items()
    drag(qtbot, view, clip_item, 1, 10 * ppf + 1)  # the head, 10 frames right
    clip = doc.find_clip(cid)[1]
    assert (clip.start, clip.duration, clip.source_in) == (10, 40, round(10 * 24 / 25))
    thumbs.pool.waitForDone(5000)


def test_a_thumbnail_ready_after_the_view_is_gone_reaches_nothing(qtbot):
    """The view's `ready` connection goes with the view: a thumbnail finishing afterwards (the
    Thumbnailer outlives it here) must not call into the deleted view."""
    thumbs = Thumbnailer()
    view = TimelineView(Document(), thumbs)
    view.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(view))
    with qtbot.captureExceptions() as errors:
        thumbs.ready.emit("gone.mp4", QImage(4, 4, QImage.Format.Format_RGB32))
        QCoreApplication.processEvents()
    assert errors == []
    assert thumbs.receivers(SIGNAL("ready(PyObject,QImage)")) == 0


def test_only_the_filmstrip_tiles_on_screen_are_drawn():
    """Issue 29 #9: a clip a day long is millions of pixels wide; every paint drew every tile."""
    from lumiere_studio.ui.timeline_view import tile_lefts

    lefts = tile_lefts(2.0, 8e7, 62.0, 40_000.0, 41_000.0)
    assert 15 <= len(lefts) <= 20  # 1,000 px of screen / 62 px a tile, and one each side
    assert lefts[0] <= 40_000 < lefts[0] + 62 * 2 and lefts[-1] >= 41_000 - 62
    assert all((x - 2.0) % 62.0 == 0 for x in lefts)  # on the clip's own grid
    assert tile_lefts(2.0, 300.0, 62.0, 0.0, 1000.0) == [2.0, 64.0, 126.0, 188.0, 250.0]
    assert tile_lefts(2.0, 300.0, 62.0, 5000.0, 6000.0) == []  # off screen
