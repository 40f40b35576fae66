"""The media bin: one entry a media item (generated ones marked), kept in step with the
document, thumbnails as they arrive, and the selection and activation it reports."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QImage

from engine.media.probe import MediaInfo
from lumiere_studio.model.document import Document
from lumiere_studio.model.project import MediaItem
from lumiere_studio.ui.media_bin import MediaBin


class FakeThumbs(QObject):
    """The thumbnailer's face: `get` answers from a dict; `ready` is emitted by the test."""

    ready = Signal(object, QImage)

    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, QImage] = {}

    def get(self, path: str) -> QImage | None:
        return self.images.get(path)


def _image(color: str) -> QImage:
    image = QImage(16, 9, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    return image


def _icon_color(item) -> str:
    return item.icon().pixmap(16, 9).toImage().pixelColor(8, 4).name()


@pytest.fixture
def bin_(qtbot, tmp_path, still_document):
    doc, _ = still_document
    clip = MediaInfo(str(tmp_path / "gen.mp4"), "video", 64, 48, 8.0, 16, 2.0)
    generated = MediaItem(path=clip.path, info=clip.to_dict(), name="gen.mp4", generated=True)
    doc.edit("Generate", lambda p: p.media.append(generated))
    thumbs = FakeThumbs()
    thumbs.images[clip.path] = _image("#00ff00")
    widget = MediaBin(doc, thumbs)
    qtbot.addWidget(widget)
    return widget


def test_every_media_item_is_listed_generated_ones_marked(bin_, tmp_path):
    assert [bin_.item(i).text() for i in range(bin_.count())] == ["still.png", "AI · gen.mp4"]
    tip = bin_.item(1).toolTip()
    assert tip.startswith(str(tmp_path / "gen.mp4")) and "64x48, 8 fps, 16 frames" in tip
    assert bin_.item(0).toolTip().endswith("still 32x24")
    assert _icon_color(bin_.item(1)) == "#00ff00"  # a thumbnail already made
    assert _icon_color(bin_.item(0)) == QColor(50, 50, 55).name()  # a placeholder until then


def test_a_thumbnail_that_arrives_replaces_only_its_own_placeholder(bin_, tmp_path):
    bin_.thumbs.ready.emit(str(tmp_path / "still.png"), _image("#0000ff"))
    assert _icon_color(bin_.item(0)) == "#0000ff"
    assert _icon_color(bin_.item(1)) == "#00ff00"
    bin_.thumbs.ready.emit(str(tmp_path / "other.png"), _image("#ff0000"))  # not in the bin
    assert [_icon_color(bin_.item(i)) for i in range(2)] == ["#0000ff", "#00ff00"]


def test_selection_is_reported_and_survives_a_document_change(bin_, still_document):
    doc, still_id = still_document
    generated_id = doc.project.media[1].id
    selected, activated = [], []
    bin_.media_selected.connect(selected.append)
    bin_.media_activated.connect(activated.append)
    assert bin_.current_media_id() is None
    bin_.select_media(generated_id)
    assert bin_.current_media_id() == generated_id and selected == [generated_id]
    doc.edit("Rename", lambda p: setattr(p.media[0], "name", "renamed.png"))  # rebuilds the bin
    assert bin_.item(0).text() == "renamed.png"
    assert bin_.current_media_id() == generated_id  # still selected
    assert selected == [generated_id]  # a rebuild is no new selection
    bin_.itemDoubleClicked.emit(bin_.item(0))
    assert activated == [still_id]
    doc.remove_media(generated_id)
    assert bin_.count() == 1 and bin_.current_media_id() is None


def _pixels(widget) -> bytes:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return bytes(image.constBits()) + f"{image.width()}x{image.height()}".encode()


def _long_bin(qtbot, tmp_path) -> tuple[MediaBin, Document]:
    doc = Document()
    doc.import_media(
        [
            MediaInfo(
                str(tmp_path / f"clip_{i}_with_a_long_name.mp4"), "video", 64, 48, 8.0, 16, 2.0
            )
            for i in range(5)
        ]
    )
    widget = MediaBin(doc, FakeThumbs())
    qtbot.addWidget(widget)
    widget.resize(400, 300)  # five rows need the scroll bar
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(50)
    return widget, doc


@pytest.mark.parametrize("change", ["import", "rename", "remove"])
def test_a_document_change_never_shows_a_half_laid_out_bin(qtbot, tmp_path, change):
    """What a paint right after the change shows is what the bin settles on: clearing and
    re-adding every row hid the scroll bar and reflowed the labels for a moment."""
    widget, doc = _long_bin(qtbot, tmp_path)
    if change == "import":
        doc.import_media([MediaInfo(str(tmp_path / "new.mp4"), "video", 64, 48, 8.0, 16, 2.0)])
    elif change == "rename":
        doc.edit("Rename", lambda p: setattr(p.media[2], "name", "renamed.mp4"))
    else:
        doc.edit("Remove", lambda p: p.media.pop(0))
    at_once = _pixels(widget)
    qtbot.wait(100)
    assert at_once == _pixels(widget)


def test_rows_are_kept_and_follow_the_documents_order(qtbot, tmp_path):
    widget, doc = _long_bin(qtbot, tmp_path)
    items = [widget.item(i) for i in range(widget.count())]
    widget.select_media(doc.project.media[3].id)
    doc.edit("Rename", lambda p: setattr(p.media[1], "name", "renamed.mp4"))
    assert [widget.item(i) for i in range(widget.count())] == items  # updated in place
    assert widget.item(1).text() == "renamed.mp4"
    moved = doc.project.media[3].id
    doc.edit("Move", lambda p: p.media.insert(0, p.media.pop(3)))  # e.g. an undo re-inserting
    ids = [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())]
    assert ids == [m.id for m in doc.project.media]
    assert widget.item(0) is items[3] and widget.current_media_id() == moved
