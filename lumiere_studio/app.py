"""Entry point of the desktop app (placeholder window until the editor lands)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    label = QLabel("Lumiere Studio")
    label.resize(480, 270)
    label.show()
    return app.exec()
