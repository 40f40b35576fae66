"""The question a second instance asks at launch when another one owns the render queue."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from lumiere_studio.model.queue_lock import QueueHeld
from lumiere_studio.services.engine_thread import READ_ONLY, SEPARATE


def ask_queue_choice(held: QueueHeld, parent: QWidget | None = None) -> str:
    """READ_ONLY or SEPARATE, as the person chooses (closing the box: read-only, which
    changes nothing). Without a screen (offscreen tests and benches) nobody can answer: the
    choice that changes nothing, at once."""
    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return READ_ONLY
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Render queue in use")
    box.setText(f"The {held}.")
    box.setInformativeText(
        "Only one window runs a queue at a time. This window can show that queue read-only "
        "(it sees the jobs but runs none and changes none), or use a separate, new queue of "
        "its own."
    )
    read_only = box.addButton("Show it read-only", QMessageBox.ButtonRole.RejectRole)
    separate = box.addButton("Use a separate queue", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(read_only)
    box.exec()
    return SEPARATE if box.clickedButton() is separate else READ_ONLY
