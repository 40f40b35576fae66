"""The motion preview service: the loop computed on its worker, only the newest request
reported, a refused region reported as a message."""

from __future__ import annotations

import numpy as np

from lumiere_studio.services.motion_preview import MotionPreview


def _still() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 255, (24, 32, 3), dtype=np.uint8)


def test_the_newest_request_is_reported_from_the_worker(qtbot):
    preview = MotionPreview()
    got: list[tuple[str, np.ndarray]] = []
    preview.ready.connect(lambda mid, loop: got.append((mid, loop)))
    still = _still()
    preview.request("a", still, None, [[2, 12, 20, 12]], [])
    preview.request("b", still, None, [[2, 12, 20, 12]], [[16, 12]])
    qtbot.waitUntil(lambda: any(mid == "b" for mid, _ in got), timeout=10000)
    qtbot.wait(100)
    assert [mid for mid, _ in got] == ["b"]  # "a" was overtaken before it was reported
    loop = got[0][1]
    assert loop.shape == (24, 24, 32, 3) and np.array_equal(loop[0], still)
    assert not np.array_equal(loop[5], still)  # it moves
    preview.shutdown()


def test_a_refused_region_is_reported_and_a_cancel_reports_nothing(qtbot):
    preview = MotionPreview()
    with qtbot.waitSignal(preview.failed, timeout=10000) as failed:
        preview.request("a", _still(), np.zeros((24, 32), bool), [[2, 12, 20, 12]], [])
    assert failed.args[0] == "a" and "empty" in failed.args[1]
    got: list[str] = []
    preview.ready.connect(lambda mid, loop: got.append(mid))
    preview.request("a", _still(), None, [[2, 12, 20, 12]], [])
    preview.cancel()
    preview.shutdown()  # waits for the worker
    qtbot.wait(50)
    assert got == []
