"""Rendering the timeline (or its in/out range) to H.264 MP4 through the engine's writer.
The topmost track wins where clips overlap; gaps are black; every frame is scaled to the
timeline's size. Runs on a worker thread; cancel raises out of the writer's frame callback,
and the writer's temp-then-rename means a cancelled export leaves no file."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.media.decode import FrameReader
from engine.media.encode import VideoSettings, write_video
from engine.timeline import Timeline


class ExportCancelled(Exception):
    pass


def clip_at(timeline: Timeline, frame: int):
    for track in reversed(timeline.tracks):
        for clip in track.clips:
            if clip.start <= frame < clip.end:
                return clip
    return None


def render_frames(
    timeline: Timeline, resolve: Callable[[str], Path], first: int, last: int
) -> Iterator[np.ndarray]:
    from PIL import Image

    w, h = timeline.width, timeline.height
    w, h = w + w % 2, h + h % 2
    readers: dict[str, FrameReader] = {}
    black = np.zeros((h, w, 3), np.uint8)
    try:
        for f in range(first, last):
            clip = clip_at(timeline, f)
            if clip is None:
                yield black
                continue
            path = str(resolve(clip.media))
            reader = readers.get(path)
            if reader is None:
                reader = readers[path] = FrameReader(path, cache_bytes=64 << 20)
            n = min(reader.frame_count - 1, clip.source_in + f - clip.start)
            frame = reader.frame(n)
            if frame.shape[:2] != (h, w):
                frame = np.asarray(Image.fromarray(frame).resize((w, h), Image.Resampling.BICUBIC))
            yield frame
    finally:
        for r in readers.values():
            r.close()


def export_timeline(
    timeline: Timeline, resolve: Callable[[str], Path], out: Path,
    first: int = 0, last: int | None = None,
    on_frame: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:  # fmt: skip
    last = timeline.duration if last is None else last
    if last <= first:
        raise ValueError("the timeline is empty: nothing to export")
    total = last - first

    def progress(i: int) -> None:
        if cancel is not None and cancel.is_set():
            raise ExportCancelled()
        if on_frame:
            on_frame(i, total)

    settings = VideoSettings(fps=timeline.fps, metadata={"comment": "Edited in Lumiere Studio"})
    return write_video(render_frames(timeline, resolve, first, last), out, settings, progress)


class ExportWorker(QObject):
    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, timeline: Timeline, resolve, out: Path, first: int, last: int) -> None:
        super().__init__()
        self.args = (timeline, resolve, out, first, last)
        self.cancel = threading.Event()

    @Slot()
    def run(self) -> None:
        timeline, resolve, out, first, last = self.args
        try:
            path = export_timeline(timeline, resolve, out, first, last,
                                   lambda i, n: self.progress.emit(i, n), self.cancel)  # fmt: skip
        except ExportCancelled:
            self.cancelled.emit()
            return
        except Exception as e:  # reported to the user; the thread must not die silently
            self.failed.emit(str(e))
            return
        self.finished.emit(str(path))


def start_export(worker: ExportWorker) -> QThread:
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    for sig in (worker.finished, worker.failed, worker.cancelled):
        sig.connect(thread.quit)
    thread.start()
    return thread
