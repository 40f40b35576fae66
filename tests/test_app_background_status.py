"""Background work in the status bar, over stand-ins for the thumbnail and proxy services."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from lumiere_studio.ui.background_status import BackgroundStatus


class FakeThumbs(QObject):
    pending_changed = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.left = 0

    def pending_count(self) -> int:
        return self.left


class FakeProxies(QObject):
    pending_changed = Signal(int)
    failed = Signal(str, str)
    progress = Signal(str, int, int)

    def __init__(self) -> None:
        super().__init__()
        self.pending: set[str] = set()

    def pending_count(self) -> int:
        return len(self.pending)


def test_busy_while_anything_is_pending_and_messages_say_what(qtbot):
    thumbs, proxies, said = FakeThumbs(), FakeProxies(), []
    status = BackgroundStatus(thumbs, proxies, lambda text, ms: said.append((text, ms)))
    qtbot.addWidget(status.busy)
    assert status.busy.isHidden()  # nothing pending yet
    thumbs.left = 3
    thumbs.pending_changed.emit(3)
    assert not status.busy.isHidden()
    assert said[-1] == ("making thumbnails (3 left)", 2000)
    thumbs.left = 0
    proxies.pending.add("/x/big.mov")
    proxies.pending_changed.emit(1)
    assert not status.busy.isHidden() and len(said) == 1  # a proxy alone: no thumbnail line
    proxies.pending.clear()
    proxies.pending_changed.emit(0)
    assert status.busy.isHidden()
    proxies.progress.emit("/x/big.mov", 4, 0)
    proxies.failed.emit("/x/big.mov", "disk full")
    assert said[-2:] == [
        ("making proxy of big.mov: 4/? frames", 2000),
        ("no proxy, decoding the original: disk full", 8000),
    ]
