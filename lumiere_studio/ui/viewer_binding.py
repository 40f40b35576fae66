"""What the viewer shows, bound to the bin, the timeline and the transport: the bin's selection
on its own, or the sequence at the playhead (the top clip's picture placed in the sequence's
frame, the background over a gap); and the prompt panel's line about that source."""

from __future__ import annotations

from engine.api import clip_at
from lumiere_studio.controllers.generation import GenerationController
from lumiere_studio.controllers.transport import Transport
from lumiere_studio.model.document import Document
from lumiere_studio.ui.mask_tools import MaskTools
from lumiere_studio.ui.media_bin import MediaBin
from lumiere_studio.ui.prompt_panel import PromptPanel
from lumiere_studio.ui.timeline_view import TimelineView
from lumiere_studio.ui.viewer import SequenceView, Viewer


class ViewerBinding:
    def __init__(
        self,
        doc: Document,
        viewer: Viewer,
        bin: MediaBin,
        timeline: TimelineView,
        transport: Transport,
        mask_tools: MaskTools,
        prompt: PromptPanel,
        generation: GenerationController,
    ) -> None:
        self.doc, self.viewer, self.timeline, self.transport = doc, viewer, timeline, transport
        self.mask_tools, self.prompt, self.generation = mask_tools, prompt, generation
        bin.media_selected.connect(self.show_source)
        timeline.playhead_changed.connect(self.show_sequence)
        transport.stopped.connect(lambda: viewer.seek(viewer.frame))  # at rest: full resolution
        doc.changed.connect(self._sequence_changed)
        viewer.frame_shown.connect(lambda _n: self.update_source_label())
        doc.mask_changed.connect(lambda _m: self.update_source_label())
        prompt.task.currentIndexChanged.connect(lambda _i: self.update_source_label())

    def show_source(self, media_id: str) -> None:
        self.transport.mode = "source"
        self.viewer.show_media(media_id, 0)
        self.mask_tools.refresh()
        self.update_source_label()

    def show_sequence(self, frame: int) -> None:
        self.transport.mode = "timeline"
        tl = self.doc.project.timeline
        clip = clip_at(tl, frame)
        view = SequenceView(clip, frame, (tl.width, tl.height), tl.rate, tl.background)
        item = self.doc.project.media_by_path(clip.media) if clip is not None else None
        refine = not self.transport.playing  # playback: proxy frames are enough
        source_frame = clip.source_frame(frame, tl.rate) if clip is not None else 0
        self.viewer.show_sequence(view, item.id if item else None, source_frame, refine)
        self.mask_tools.refresh()
        self.update_source_label()

    def show_first_media(self) -> None:
        media = self.doc.project.media
        self.viewer.show_media(media[0].id if media else None)
        self.update_source_label()  # New Project: no frame is shown to update it

    def update_source_label(self) -> None:
        self.prompt.set_source_text(self.generation.source_text())

    def _sequence_changed(self) -> None:
        """An edit may move what the viewer shows of the sequence: show it again."""
        if self.transport.mode == "timeline":
            self.show_sequence(self.timeline.playhead)
