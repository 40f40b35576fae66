"""Edits that act on the current selection: add the bin's media to the timeline or remove it
from the project, split at the playhead, fit, delete, in and out points. No widgets: the bin's
and the timeline's selections are read through two small protocols."""

from __future__ import annotations

from typing import Protocol

from lumiere_studio.controllers.transport import Transport
from lumiere_studio.model.document import Document


class ClipSelection(Protocol):
    """The timeline view as the editing controller sees it."""

    selected_clip: str | None
    playhead: int


class MediaSelection(Protocol):
    def current_media_id(self) -> str | None: ...


class EditController:
    def __init__(
        self, doc: Document, transport: Transport, timeline: ClipSelection, media: MediaSelection
    ) -> None:
        self.doc, self.transport, self.timeline, self.media = doc, transport, timeline, media

    def add_selected_to_timeline(self) -> None:
        mid = self.media.current_media_id()
        if mid:
            self.doc.add_to_timeline(mid)

    def remove_selected_media(self) -> None:
        """The bin's selected item out of the project, with every clip of it (one undo step)."""
        mid = self.media.current_media_id()
        if not mid:
            return
        self.doc.remove_media(mid)
        cid = self.timeline.selected_clip
        if cid and self.doc.find_clip(cid) is None:
            self.timeline.selected_clip = None

    def split_at_playhead(self) -> None:
        """Split the selected clip at the playhead, else the first clip the playhead is in."""
        cid, ph = self.timeline.selected_clip, self.timeline.playhead
        tl = self.doc.project.timeline
        candidates = [c for t in tl.tracks for c in t.clips if c.start < ph < c.end]
        target = next((c for c in candidates if c.id == cid), candidates[0] if candidates else None)
        if target is not None:
            self.doc.split_clip(target.id, ph)

    def set_selected_fit(self, fit: str) -> None:
        if self.timeline.selected_clip:
            self.doc.set_clip_geometry(self.timeline.selected_clip, fit=fit)

    def delete_selected_clip(self) -> None:
        if self.timeline.selected_clip:
            self.doc.delete_clip(self.timeline.selected_clip)
            self.timeline.selected_clip = None

    def set_in(self) -> None:
        self.doc.set_in_out(in_point=self.transport.position())

    def set_out(self) -> None:
        self.doc.set_in_out(out_point=self.transport.position() + 1)

    def clear_in_out(self) -> None:
        self.doc.set_in_out(None, None)
