"""Undo commands. Document edits store the document snapshot before and after (snapshots are
small JSON; this makes every edit kind undoable the same way). Mask edits store only the
changed rectangle's pixels, since masks can be large."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from lumiere_studio.model.masks import Patch

if TYPE_CHECKING:
    from lumiere_studio.model.document import Document


class SnapshotCommand(QUndoCommand):
    def __init__(self, doc: Document, text: str, before: dict[str, Any], after: dict[str, Any]):
        super().__init__(text)
        self.doc, self.before, self.after = doc, before, after

    def redo(self) -> None:
        self.doc.apply_state(self.after)

    def undo(self) -> None:
        self.doc.apply_state(self.before)


class MaskCommand(QUndoCommand):
    """A brush stroke or a whole-mask operation; the first redo is a no-op because the
    painting already happened live under the cursor."""

    def __init__(self, doc: Document, media_id: str, text: str, patch: Patch):
        super().__init__(text)
        self.doc, self.media_id, self.patch = doc, media_id, patch
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
        else:
            self.doc.put_mask_patch(self.media_id, self.patch.rect, self.patch.after)

    def undo(self) -> None:
        self.doc.put_mask_patch(self.media_id, self.patch.rect, self.patch.before)


class RecoveredWork(QUndoCommand):
    """Makes restored work count as unsaved (the title shows *, closing asks to save)."""

    def __init__(self) -> None:
        super().__init__("Recovered work")
