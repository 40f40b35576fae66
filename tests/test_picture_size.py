"""Picture-size limits: header sizes above the limit, inputs too large for tasks that keep the
input's size, and the fitted working size."""

from __future__ import annotations

import pytest

from engine.media.open_file import MediaFileError
from engine.media.picture_size import (
    MAX_KEEP_SIZE_PIXELS,
    MAX_PIXELS,
    check_keep_size,
    check_picture_size,
    fit_within,
)


def test_limits():
    check_picture_size("a.png", 10000, MAX_PIXELS // 10000)
    with pytest.raises(MediaFileError, match=r"a.png: the picture is too large \(10000x10001"):
        check_picture_size("a.png", 10000, MAX_PIXELS // 10000 + 1)
    with pytest.raises(MediaFileError, match="has no size"):
        check_picture_size("a.png", 0, 10)
    check_keep_size("v.mp4", 2048, MAX_KEEP_SIZE_PIXELS // 2048, "inpainting")
    with pytest.raises(MediaFileError, match="inpainting keeps the input's size"):
        check_keep_size("v.mp4", 3840, 2160, "inpainting")


def test_fit_within():
    assert fit_within(9400, 9400, 4096) == (4096, 4096)
    assert fit_within(8000, 2000, 4000) == (4000, 1000)
    assert fit_within(100, 50, 4096) == (100, 50)
    assert fit_within(100000, 1, 100) == (100, 1)
