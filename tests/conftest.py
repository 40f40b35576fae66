"""Shared fixtures: a tiny untrained model folder (fast on a CPU) and a session-wide Engine so
the text encoder loads once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TINY_BASE = {
    "in_channels": 7, "out_channels": 3, "channels": [8, 16, 32], "temporal_down": [True, True],
    "res_blocks": 1, "temporal_attention_blocks": 1, "heads": 2, "context_dim": 384,
}  # fmt: skip
TINY_SSR = {
    "in_channels": 6, "out_channels": 3, "channels": [8, 16], "temporal_down": [False],
    "res_blocks": 1, "temporal_attention_blocks": 1, "heads": 2, "context_dim": 384,
}  # fmt: skip


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """An untrained model folder: 8 frames at 16x16, SSR x2 over 4-frame windows."""
    from engine.train.export import write_untrained_model

    out = tmp_path_factory.mktemp("models") / "tiny"
    return write_untrained_model(
        out, "tiny", TINY_BASE, frames=8, size=16, ssr_config=TINY_SSR, ssr_scale=2,
        ssr_window=4,
    )  # fmt: skip


@pytest.fixture(scope="session")
def engine():
    from engine.pipeline import Engine

    return Engine()


def _write_lossless_video(path: Path, frames, fps: int = 8) -> None:
    """FFV1 in MKV: decoded frames equal what was written, so tests can compare pixels."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("ffv1", rate=fps)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "bgr0"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(stream.encode())


@pytest.fixture(scope="session")
def write_lossless_video():
    return _write_lossless_video


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The real main window with its settings, caches and recovery files in tmp_path."""
    from PySide6.QtCore import QSettings

    from lumiere_studio.ui.main_window import MainWindow

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, recovery_root=tmp_path / "recovery")
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()
