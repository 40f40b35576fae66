"""The viewer with proxies: after import a proxy is built off the GUI thread; a seek shows the
proxy frame first and the full-resolution frame once the playhead rests; playback shows proxy
frames only; timeline clips get filmstrips of frames from along the clip."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from testkit.media import make_clip

from engine.media.decode import decode_sequential
from lumiere_studio.services.thumbnails import Filmstrip, Thumbnailer, strip_frames
from lumiere_studio.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def wide_clip(tmp_path_factory):
    # Wider than a proxy (960), so proxy frames and full frames differ in size.
    return make_clip(
        tmp_path_factory.mktemp("wide") / "wide.mp4", frames=16, size=(1280, 720), gop=16
    )


def _frames(window) -> list[tuple[int, bool, tuple[int, ...]]]:
    seen: list[tuple[int, bool, tuple[int, ...]]] = []
    window.frames.frame_ready.connect(lambda _p, n, f, full: seen.append((n, full, f.shape)))
    return seen


def test_seek_shows_proxy_then_full_resolution(qtbot, window, wide_clip):
    seen = _frames(window)
    window.import_paths([str(wide_clip)])
    path = str(wide_clip)
    qtbot.waitUntil(lambda: window.frames.proxy_for(path) is not None, timeout=15000)
    assert window.proxies.built == [path]
    seen.clear()
    window.viewer.seek(11)
    qtbot.waitUntil(lambda: (11, True, (720, 1280, 3)) in seen, timeout=10000)
    assert seen[0] == (11, False, (540, 960, 3))  # the proxy frame comes first
    assert window.viewer.image_full and window.viewer.image.width() == 1280
    from lumiere_studio.services.frames import qimage_to_array

    assert np.array_equal(qimage_to_array(window.viewer.image), decode_sequential(wide_clip)[11])
    # Mask and brush coordinates stay in source pixels whatever picture is drawn.
    assert window.viewer._source_size() == (1280, 720)


def test_playback_uses_proxy_frames_only(qtbot, window, wide_clip):
    window.media.proxy_min_pixels = 0
    window.import_paths([str(wide_clip)])
    qtbot.waitUntil(lambda: window.frames.proxy_for(str(wide_clip)) is not None, timeout=15000)
    seen = _frames(window)
    window.viewer.seek(2, refine=False)
    window.viewer.seek(3, refine=False)
    qtbot.waitUntil(lambda: any(n == 3 for n, _f, _s in seen), timeout=5000)
    qtbot.wait(400)  # longer than the refine delay: a refine would have come by now
    assert all(not full for _n, full, _s in seen)
    assert not window.viewer.image_full


def test_proxy_is_reused_by_a_new_window(qtbot, tmp_path, monkeypatch, wide_clip):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for built in ([str(wide_clip)], []):
        w = MainWindow(
            settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
            recovery_root=tmp_path / "r",
        )
        qtbot.addWidget(w)
        w.import_paths([str(wide_clip)])
        qtbot.waitUntil(lambda w=w: w.frames.proxy_for(str(wide_clip)) is not None, timeout=15000)
        assert w.proxies.built == built  # the second window found it in the cache
        w.shutdown()


def test_small_clips_get_no_proxy(qtbot, window, tmp_path):
    small = make_clip(tmp_path / "small.mp4", frames=4, size=(64, 48))
    window.import_paths([str(small)])
    assert window.proxies.proxies == {} and not window.proxies.pending_count()


def test_timeline_clip_shows_frames_from_along_the_clip(qtbot, window, tmp_path):
    clip = make_clip(tmp_path / "long.mp4", frames=60, size=(96, 64), gop=30)
    window.import_paths([str(clip)])
    window.add_selected_to_timeline()
    thumbs = window.thumbs
    qtbot.waitUntil(lambda: str(clip) in thumbs.strips, timeout=10000)
    strip = thumbs.strips[str(clip)]
    assert strip.frames == strip_frames(60) and len(strip.frames) == 16
    assert strip.frames[0] < 5 and strip.frames[-1] > 55
    first, last = (strip.tiles[i].pixel(2, 2) for i in (0, -1))
    assert first != last  # different frames, not one thumbnail repeated
    assert strip.tile_for(58) is strip.tiles[-1] and strip.tile_for(0) is strip.tiles[0]
    # Drawn: the tiles along the clip come from different parts of it (the test clip's red
    # channel changes with the frame), not one thumbnail repeated.
    window.timeline.viewport().update()
    qtbot.wait(50)
    item = window.timeline.clip_items()[0]
    r = item.rect()
    h = r.height() - 18
    w = strip.tiles[0].width() * h / strip.tiles[0].height()
    image = window.timeline.viewport().grab().toImage()
    reds = set()
    x = r.x() + 2 + w / 2
    while x < min(r.right(), window.timeline.viewport().width() - 4):
        pos = window.timeline.mapFromScene(x, r.y() + 16 + h / 2)
        reds.add(image.pixelColor(pos).red() // 8)
        x += w + 2
    assert len(reds) >= 3, reds
    # Cached: a new thumbnailer reads the same strip from the PNG cache.
    again = Thumbnailer(root=thumbs.root)
    assert again.strip(str(clip)) is None
    qtbot.waitUntil(lambda: str(clip) in again.strips, timeout=10000)
    assert again.strips[str(clip)].frames == strip.frames
    again.pool.waitForDone(5000)


def test_filmstrip_png_round_trip(qtbot):
    from PySide6.QtGui import QColor, QImage

    tiles = []
    for i in range(3):
        t = QImage(8, 6, QImage.Format.Format_RGB32)
        t.fill(QColor(i * 80, 0, 0))
        tiles.append(t)
    back = Filmstrip.from_image(Filmstrip([0, 5, 9], tiles).to_image())
    assert back is not None and back.frames == [0, 5, 9]
    assert [t.pixelColor(1, 1).red() for t in back.tiles] == [0, 80, 160]
    assert back.tile_for(6) is back.tiles[1] and back.tile_for(8) is back.tiles[2]
