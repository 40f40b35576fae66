"""Shared fixtures: a tiny untrained model folder (fast on a CPU) and a session-wide Engine so
the text encoder loads once."""

from __future__ import annotations

import atexit
import faulthandler
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from testkit import processes

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Signing keys made on first use go to a throwaway config folder, never the user's.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="lumiere-test-config-")
atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], True)

# --- no test run can hang ---------------------------------------------------------------------
# One test may take at most this long (three times the ceiling each wait on a process uses, see
# bench/testkit/processes.py); past it the watchdog prints every thread's stack, kills the
# processes the tests started and ends pytest with exit code 3: CI reports, never hangs.
TEST_WATCHDOG_S = float(os.environ.get("LUMIERE_TEST_WATCHDOG_S", 3 * processes.CEILING_S))
EXIT_WATCHDOG = 3


class _Watchdog:
    """One thread for the session; each test moves its deadline."""

    def __init__(self) -> None:
        self.test, self.deadline = "", float("inf")
        self.moved = threading.Condition()
        threading.Thread(target=self._watch, name="test-watchdog", daemon=True).start()

    def arm(self, test: str, seconds: float) -> None:
        with self.moved:
            self.test, self.deadline = test, time.monotonic() + seconds
            self.moved.notify()
        # backstop for a test that holds the GIL (this thread could not run): C-level dump
        faulthandler.dump_traceback_later(seconds + 60, exit=True, file=_REAL_STDERR)

    def disarm(self) -> None:
        faulthandler.cancel_dump_traceback_later()
        with self.moved:
            self.test, self.deadline = "", float("inf")
            self.moved.notify()

    def _watch(self) -> None:
        with self.moved:
            while True:
                left = self.deadline - time.monotonic()
                if left > 0:
                    self.moved.wait(None if left == float("inf") else left)
                    continue
                out = _REAL_STDERR
                out.write(
                    f"\n*** {self.test} ran past {TEST_WATCHDOG_S:.0f} s "
                    "(LUMIERE_TEST_WATCHDOG_S): stacks, then the test run ends ***\n"
                )
                out.flush()
                faulthandler.dump_traceback(file=out, all_threads=True)
                for line in processes.end_leftovers():
                    out.write(f"killed leftover process {line}\n")
                out.flush()
                os._exit(EXIT_WATCHDOG)


_WATCHDOG = _Watchdog()
_REAL_STDERR = sys.stderr


def pytest_configure(config):
    processes.become_subreaper()  # orphans of the tests' processes stay ours to end
    # The watchdog ends pytest without letting it print what it captured: it writes to the
    # real stderr, taken here with the capture paused.
    global _REAL_STDERR
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        capman.suspend_global_capture()
    try:
        _REAL_STDERR = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
    finally:
        if capman is not None:
            capman.resume_global_capture()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Set-up (a Ray node, a model built once for the session), the test and its teardown."""
    _WATCHDOG.arm(item.nodeid, TEST_WATCHDOG_S)
    try:
        return (yield)
    finally:
        _WATCHDOG.disarm()


def pytest_sessionfinish(session, exitstatus):
    """Processes a test left behind would keep pytest waiting at exit (multiprocessing joins
    its children): they are ended here, and named, so the leak is seen and fixed."""
    leftovers = [f"{c.pid}: multiprocessing {c.name}" for c in multiprocessing.active_children()]
    for child in multiprocessing.active_children():
        child.kill()
        child.join(30)
    leftovers += processes.end_leftovers()
    if leftovers:
        _REAL_STDERR.write(
            "\nprocesses left running by the tests were killed:\n  " + "\n  ".join(leftovers) + "\n"
        )
    # whatever else runs at exit (atexit handlers, threads' joins) gets two minutes
    faulthandler.dump_traceback_later(120, exit=True, file=_REAL_STDERR)


@pytest.fixture(scope="session", autouse=True)
def _gc_on_the_gui_thread(qapp):
    """As the app does: no collection on the engine thread (lumiere_studio.gc_guard)."""
    from lumiere_studio.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def _private_user_data(tmp_path_factory, monkeypatch):
    """User data (the app's render queue file among it) goes to a fresh folder per test, never
    into the real user's data folder, and no test sees another's queue."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("user-data")))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """An untrained model folder: 8 frames at 16x16, SSR x2 over 4-frame windows."""
    from testkit.models import TINY_SSR, tiny_model

    out = tmp_path_factory.mktemp("models") / "tiny"
    return tiny_model(out, ssr_config=TINY_SSR, ssr_scale=2, ssr_window=4)


@pytest.fixture(scope="session")
def engine():
    from engine.pipeline import Engine

    return Engine()


@pytest.fixture(scope="session")
def write_lossless_video():
    from testkit.media import write_lossless_video

    return write_lossless_video


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


@pytest.fixture()
def project(tmp_path):
    """A project folder: 8 frames of a real clip at 23.976 fps with a 440 Hz tone, then 6 frames
    of a generated (labelled, watermarked) clip."""
    import json
    from fractions import Fraction

    import numpy as np

    from engine.jobs import Job
    from engine.media.audio import AudioClip
    from engine.media.encode import VideoSettings, write_video
    from engine.outputs import save_result
    from engine.pipeline import Result
    from engine.timeline import Timeline, TimelineClip, Track

    folder = tmp_path / "proj"
    (folder / "media").mkdir(parents=True)
    rng = np.random.default_rng(0)
    real = rng.integers(0, 255, (12, 64, 64, 3), dtype=np.uint8)
    fps = Fraction(24000, 1001)
    t = np.arange(int(48000 * 12 / fps)) / 48000
    tone = np.tile(0.5 * np.sin(2 * np.pi * 440 * t), (2, 1)).astype(np.float32)
    write_video(
        real,
        folder / "media" / "real.mov",
        VideoSettings(fps=fps, audio=AudioClip(tone, 48000, "stereo")),
    )
    gen = Result(
        rng.integers(0, 255, (8, 64, 64, 3), dtype=np.uint8),
        24,
        Job(prompt="a yellow circle", seed=4),
        "tiny",
        "12" * 32,
        0.1,
    )
    save_result(gen, folder / "media" / "gen.mov")
    tl = Timeline(
        rate=fps,
        width=64,
        height=64,
        tracks=[
            Track(
                clips=[
                    TimelineClip("media/real.mov", 2, 8, 0, "24000/1001", name="real"),
                    TimelineClip(
                        "media/gen.mov",
                        0,
                        6,
                        8,
                        "24",
                        name="gen",
                        generated=True,
                        model_name="tiny",
                        model_hash="12" * 32,
                    ),
                ]
            )
        ],
    )
    (folder / "project.lumiere.json").write_text(json.dumps({"timeline": tl.to_dict()}))
    return folder


def _make_style_run(model: Path, out: Path, trainable: str = "spatial", style: str = "ink") -> Path:
    """A fake finished fine-tune run: the base weights with every parameter nudged."""
    import json

    import torch
    from safetensors.torch import load_file, save_file

    from engine.checkpoints import read_model_info

    info = read_model_info(model)
    weights = load_file(str(model / info.base.weights))
    gen = torch.Generator().manual_seed(0)
    ema = {k: v + 0.05 * torch.randn(v.shape, generator=gen) for k, v in weights.items()}
    (out / "checkpoint").mkdir(parents=True)
    save_file(ema, str(out / "checkpoint" / "ema.safetensors"))
    state = {
        "step": 5,
        "train_config": {"style": style, "trainable": trainable},
        "model_config": info.base.config.to_dict(),
    }
    (out / "checkpoint" / "state.json").write_text(json.dumps(state))
    return out


@pytest.fixture(scope="session")
def make_run():
    """Builds fake style fine-tune runs (for export-style and style blending tests)."""
    return _make_style_run


@pytest.fixture
def fake_frames():
    """Stands in for the app's frame server: records what a viewer asks for; a test hands
    frames back by emitting `frame_ready` itself."""
    from PySide6.QtCore import QObject, Signal

    class FakeFrames(QObject):
        frame_ready = Signal(str, int, object, bool)  # path, frame, pixels, full resolution
        error = Signal(str, str)

        def __init__(self) -> None:
            super().__init__()
            self.requests: list[tuple[str, int, int, bool]] = []

        def request(self, path: str, n: int, read_ahead: int = 0, refine: bool = True) -> None:
            self.requests.append((path, n, read_ahead, refine))

    return FakeFrames()


@pytest.fixture
def still_document(tmp_path):
    """A document holding one 32x24 still (its file is never read) and its media id."""
    from engine.media.probe import MediaInfo
    from lumiere_studio.model.document import Document

    doc = Document()
    info = MediaInfo(str(tmp_path / "still.png"), "image", 32, 24, 0.0, 1, 0.0)
    return doc, doc.import_media([info])[0].id
