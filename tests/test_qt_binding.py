"""The installed Qt binding keeps Python's reference counts right. PySide6 6.12.0 dropped a
reference to None on every call that returns nothing, and on Python 3.11 the app aborted
("deallocating None") after a few minutes of events; pyproject.toml excludes that release."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QProgressBar


def test_calls_returning_nothing_keep_nones_references(qapp: QApplication):
    bar = QProgressBar()
    bar.setRange(0, 1000)
    before = sys.getrefcount(None)
    for i in range(1000):
        bar.setValue(i)  # returns None
        qapp.processEvents()  # returns None
    assert sys.getrefcount(None) - before > -50  # 6.12.0 on Python 3.11: -2000
