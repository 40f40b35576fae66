"""Thumbnails: every request ends (ready or failed), whatever the file or its name, so the bin
never spins forever."""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from lumiere_studio.services.thumbnails import Thumbnailer


def test_non_utf8_name_gets_its_thumbnail(qtbot, tmp_path):
    path = os.fsdecode(os.fsencode(str(tmp_path)) + b"/still-\xff\xfe.png")
    Image.fromarray(np.full((20, 30, 3), 120, np.uint8)).save(path)
    thumbs = Thumbnailer(root=tmp_path / "cache")
    with qtbot.waitSignal(thumbs.ready, timeout=10000) as got:
        assert thumbs.get(path) is None
    # Before: the name could not be hashed (UnicodeEncodeError), or came back through Qt
    # without its undecodable bytes, so the request stayed pending for ever.
    assert got.args[0] == path
    assert thumbs.pending_count() == 0
    thumb = thumbs.get(path)  # the still's own picture, not a placeholder
    assert thumb is not None and thumb.width() / thumb.height() == 30 / 20
    assert thumb.pixelColor(thumb.width() // 2, thumb.height() // 2).getRgb()[:3] == (120,) * 3


def test_fifo_and_missing_files_fail_and_end(qtbot, tmp_path):
    os.mkfifo(tmp_path / "pipe.mp4")
    thumbs = Thumbnailer(root=tmp_path / "cache")
    for name in ("pipe.mp4", "missing.png"):
        thumbs.get(str(tmp_path / name))
        thumbs.strip(str(tmp_path / name))
    qtbot.waitUntil(lambda: thumbs.pending_count() == 0, timeout=10000)
    assert thumbs.get(str(tmp_path / "pipe.mp4")) is None  # failed: not retried
    assert thumbs.pending_count() == 0
