"""lumiere_studio.services.frames: QImage <-> array conversions keep every pixel; the FrameServer
answers a request with the exact frame (clamped into the clip), only the newest of queued
requests, a proxy frame first and the full one once the playhead rests, and an error signal
naming an unreadable file."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
from PySide6.QtGui import QImage
from testkit.media import write_lossless_video

from lumiere_studio.services.frames import FrameServer, qimage_to_array, to_qimage

Seen = list[tuple[str, int, np.ndarray, bool]]


def _frames(n: int, h: int, w: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


@pytest.fixture
def clip(tmp_path):
    """A lossless 6-frame clip (so decoded frames equal these arrays) and its frames."""
    frames = _frames(6, 24, 32, seed=1)
    return str(write_lossless_video(tmp_path / "clip.mkv", frames)), frames


@pytest.fixture
def proxy(tmp_path):
    """A smaller clip standing in for the proxy: its frames differ from the original's."""
    frames = _frames(6, 12, 16, seed=2)
    return str(write_lossless_video(tmp_path / "proxy.mkv", frames)), frames


@pytest.fixture
def server(qtbot):
    s = FrameServer()
    yield s
    s.shutdown()


def _record(server: FrameServer) -> tuple[Seen, list[tuple[str, str]]]:
    frames: Seen = []
    errors: list[tuple[str, str]] = []
    server.frame_ready.connect(lambda p, n, f, full: frames.append((p, n, f, full)))
    server.error.connect(lambda p, m: errors.append((p, m)))
    return frames, errors


# --- conversions ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [5, 8])  # 5: rows of 15 bytes, padded to 16 inside a QImage
def test_qimage_round_trip_keeps_every_pixel(width):
    frame = _frames(1, 7, width, seed=width)[0]
    image = to_qimage(frame)
    assert (image.width(), image.height()) == (width, 7)
    assert image.pixelColor(2, 3).getRgb()[:3] == tuple(frame[3, 2])
    back = qimage_to_array(image)
    assert back.dtype == np.uint8 and np.array_equal(back, frame)


def test_to_qimage_owns_its_pixels_and_takes_strided_arrays():
    big = _frames(1, 10, 12, seed=3)[0]
    view = big[::2, 1::2]  # not contiguous
    image = to_qimage(view)
    expected = view.copy()
    big[:] = 0  # the image keeps its own copy
    assert np.array_equal(qimage_to_array(image), expected)


def test_qimage_to_array_converts_other_formats():
    image = QImage(3, 2, QImage.Format.Format_ARGB32)
    image.fill(0xFF102030)
    assert qimage_to_array(image).tolist() == [[[0x10, 0x20, 0x30]] * 3] * 2


# --- the frame server ----------------------------------------------------------------------


def test_a_request_is_answered_with_that_frame(qtbot, server, clip):
    path, frames = clip
    seen, errors = _record(server)
    server.request(path, 4)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    got_path, n, frame, full = seen[0]
    assert (got_path, n, full) == (path, 4, True)
    assert np.array_equal(frame, frames[4]) and errors == []


@pytest.mark.parametrize("asked, served", [(99, 5), (-3, 0)])
def test_a_frame_outside_the_clip_is_clamped(qtbot, server, clip, asked, served):
    path, frames = clip
    seen, _ = _record(server)
    server.request(path, asked)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    assert seen[0][1] == served and np.array_equal(seen[0][2], frames[served])


def test_only_the_newest_queued_request_is_served(qtbot, server, clip):
    path, frames = clip
    seen, _ = _record(server)
    release = threading.Event()
    server.worker.submit(lambda: release.wait(5))  # the worker is busy while requests pile up
    for n in (1, 2, 3):
        server.request(path, n)
    release.set()
    assert server.worker.wait(5000)
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=5000)
    qtbot.wait(100)  # any answer to an older request would have arrived by now
    assert [(s[1], s[3]) for s in seen] == [(3, True)]
    assert np.array_equal(seen[0][2], frames[3])


def test_a_proxy_frame_comes_first_then_the_full_one(qtbot, server, clip, proxy):
    path, frames = clip
    proxy_path, proxy_frames = proxy
    server.set_proxy(path, proxy_path)
    assert server.proxy_for(path) == proxy_path
    seen, _ = _record(server)
    server.request(path, 2)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert [(p, n, full) for p, n, _f, full in seen] == [(path, 2, False), (path, 2, True)]
    assert np.array_equal(seen[0][2], proxy_frames[2])  # answered under the original's name
    assert np.array_equal(seen[1][2], frames[2])


def test_without_refinement_only_the_proxy_frame_comes(qtbot, server, clip, proxy):
    path, _ = clip
    server.set_proxy(path, proxy[0])
    seen, _ = _record(server)
    server.request(path, 1, refine=False)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    qtbot.wait(400)  # longer than REFINE_DELAY_S: a full frame would have come by now
    assert [(n, full) for _p, n, _f, full in seen] == [(1, False)]


def test_a_removed_proxy_is_no_longer_used(qtbot, server, clip, proxy):
    path, frames = clip
    server.set_proxy(path, proxy[0])
    server.set_proxy(path, None)
    assert server.proxy_for(path) is None
    seen, _ = _record(server)
    server.request(path, 0)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    assert seen[0][3] is True and np.array_equal(seen[0][2], frames[0])


def test_an_unreadable_proxy_is_forgotten_and_the_original_served(qtbot, server, clip, tmp_path):
    path, frames = clip
    broken = tmp_path / "broken_proxy.mp4"
    broken.write_bytes(b"\x00" * 500)
    server.set_proxy(path, str(broken))
    seen, errors = _record(server)
    server.request(path, 3)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    assert seen[0][3] is True and np.array_equal(seen[0][2], frames[3])
    assert server.proxy_for(path) is None and errors == []


def test_an_unreadable_file_is_an_error_naming_it(qtbot, server, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00not a video" * 40)
    seen, errors = _record(server)
    server.request(str(bad), 0)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert errors[0][0] == str(bad) and "broken.mp4" in errors[0][1] and seen == []


def test_a_path_that_is_not_utf8_comes_back_unchanged(qtbot, server, tmp_path):
    frames = _frames(2, 8, 8, seed=4)
    name = os.fsdecode(b"clip-\xff.mkv")  # a byte a Qt string would lose
    path = str(write_lossless_video(tmp_path / name, frames))
    seen, _ = _record(server)
    server.request(path, 1)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    assert seen[0][0] == path and np.array_equal(seen[0][2], frames[1])


def test_shutdown_closes_the_readers(qtbot, clip):
    path, _ = clip
    server = FrameServer()
    seen, _ = _record(server)
    server.request(path, 0)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    assert list(server.readers) == [path]
    server.shutdown()
    assert server.readers == {}
