"""Entry point of the desktop app: `lumiere-studio [PROJECT_FOLDER | MEDIA ...]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from lumiere_studio.ui.main_window import MainWindow


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(
            "usage: lumiere-studio [PROJECT_FOLDER | TIMELINE.otio|.xml|.edl | MEDIA_FILE ...]\n"
            "       lumiere-studio generate|models|info ...  (headless CLI)"
        )
        return 0
    from lumiere_studio.qt_libraries import EXIT_MISSING_LIBRARIES, check

    # before any Qt GUI module loads: a missing system library otherwise aborts the process
    problem = check()
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_MISSING_LIBRARIES
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from lumiere_studio.ui.main_window import MainWindow
    from lumiere_studio.ui.theme import apply_dark_theme

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = cast(QApplication, QApplication.instance() or QApplication([sys.argv[0], *argv]))
    app.setApplicationName("Lumiere Studio")
    app.setOrganizationName("lumiere-studio")
    apply_dark_theme(app)
    from lumiere_studio.gc_guard import GuiThreadCollector

    GuiThreadCollector(app)  # garbage is collected on this thread only (see gc_guard)
    window = MainWindow()
    window.show()
    if not window.projects.offer_recovery(window.files.ask_recover):
        open_args(window, argv)
    # Once the window is up, the engine thread loads the chosen model, so the first Generate
    # does not wait for it (tens of seconds on a busy CPU).
    QTimer.singleShot(0, lambda: warm_up(window))
    return app.exec()


def warm_up(window: MainWindow) -> None:
    prompt = window.prompt
    if prompt.model.count():
        model = prompt.model.currentData() if prompt.model.isEnabled() else None
        window.queue.warm_up(model, prompt.device.currentText())


def open_args(window: MainWindow, argv: list[str]) -> None:
    """A project folder or a timeline file (OTIO, FCP 7 XML, EDL) opens; media files are
    imported into a new project."""
    from lumiere_studio.controllers.projects import TIMELINE_SUFFIXES

    media = []
    for arg in argv:
        p = Path(arg)
        if p.is_dir() or p.name == "project.lumiere.json":
            window.projects.open_project(p if p.is_dir() else p.parent)
        elif p.suffix.lower() in TIMELINE_SUFFIXES:
            window.projects.open_timeline(p)
        else:
            media.append(arg)
    if media:
        window.import_paths(media)
