"""Exporting the timeline (or its in/out range) from the window, on a Worker thread.

The rendering, labels, audio and atomic writes are the engine's (`engine.export.run`), the
same code as `lumiere-studio export`, so a file exported from the app and one exported from
the command line are alike. Cancel raises out of the writer's progress callback; the writers
then remove their temporary output, so a cancelled export leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.api import Cancelled, CancelToken, Timeline, export_timeline
from lumiere_studio.services.worker import Worker

# What the export dialog offers: (format, file-dialog filter, suffix the target must have).
EXPORT_FORMATS = [
    ("h264", "H.264 MP4 (*.mp4)", ".mp4"),
    ("prores", "ProRes 422 HQ MOV (*.mov)", ".mov"),
    ("prores4444", "ProRes 4444 MOV, generated region as alpha (*.mov)", ".mov"),
    ("png", "PNG sequence (a new folder)", ""),
    ("otio", "OpenTimelineIO, original media (*.otio)", ".otio"),
    ("fcpxml", "Final Cut Pro 7 XML, original media (*.xml)", ".xml"),
    ("edl", "CMX 3600 EDL, original media (*.edl)", ".edl"),
]


def format_for_filter(name_filter: str) -> tuple[str, str]:
    """(format, suffix) of a filter chosen in the dialog; H.264 when it is not one of ours."""
    for fmt, text, suffix in EXPORT_FORMATS:
        if text == name_filter:
            return fmt, suffix
    return EXPORT_FORMATS[0][0], EXPORT_FORMATS[0][2]


def target_path(path: str, suffix: str) -> Path:
    """The path typed in the dialog with the format's suffix (a PNG sequence is a folder)."""
    out = Path(path)
    if not suffix:
        return out.with_suffix("") if out.suffix else out
    if out.suffix.lower() == suffix:
        return out
    # another format's suffix left from the default name is replaced; anything else is kept
    if out.suffix.lower() in {s for _f, _t, s in EXPORT_FORMATS if s}:
        return out.with_suffix(suffix)
    return out.with_name(out.name + suffix)


class ExportWorker(QObject):
    """One export; `start_export` runs it on a Worker thread. Its signals are emitted on that
    thread (connect bound methods of GUI objects: Qt queues those calls to the GUI thread)."""

    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        timeline: Timeline,
        base: Path,
        out: Path,
        first: int,
        last: int,
        fmt: str = "h264",
        **options: Any,
    ) -> None:
        """`options`: passed on to `export_timeline` (sign, mark_composites, alpha)."""
        super().__init__()
        self.args = (timeline, base, fmt, out, first, last)
        # ProRes 4444 from the app carries the generated region as alpha (that is why one picks it)
        self.options = {"alpha": "mask" if fmt == "prores4444" else "opaque"} | options
        self.cancel = CancelToken()

    def _progress(self, done: int, total: int) -> None:
        self.cancel.raise_if_cancelled()
        self.progress.emit(done, total)

    def run(self) -> None:
        timeline, base, fmt, out, first, last = self.args
        try:
            # force: the save dialog has already asked before replacing an existing file
            path = export_timeline(
                timeline,
                base,
                fmt,
                out,
                force=True,
                first=first,
                last=last,
                progress=self._progress,
                **self.options,
            )
        except Cancelled:
            self.cancelled.emit()
            return
        except Exception as e:  # noqa: BLE001 - shown to the user; the thread must not die silently
            self.failed.emit(str(e))
            return
        self.finished.emit(str(path))


def start_export(worker: ExportWorker) -> Worker:
    """Run the export on a thread of its own; `wait()` on the result waits for it to end."""
    thread = Worker("export")
    thread.submit(worker.run)
    return thread
