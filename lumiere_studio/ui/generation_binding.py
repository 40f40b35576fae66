"""The generation controller's two inputs, bound to their widgets: the prompt panel's settings
and the viewer's selection (what it shows, at which frame, and the frame's pixels)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from engine.api import Job
from lumiere_studio.controllers.generation import Selection
from lumiere_studio.controllers.transport import Transport
from lumiere_studio.services.frames import qimage_to_array
from lumiere_studio.ui.prompt_panel import NEEDS_IMAGE, PromptPanel
from lumiere_studio.ui.viewer import Viewer


class PromptSettings:
    """`JobSettings` over the prompt panel."""

    def __init__(self, panel: PromptPanel) -> None:
        self.panel = panel
        self.build_job = panel.build_job  # the same arguments as JobSettings.build_job

    def task_key(self) -> str:
        return self.panel.task_key()

    def needs_still(self) -> bool:
        return self.panel.task_key() in NEEDS_IMAGE

    def size_is_auto(self) -> bool:
        return not (self.panel.out_width.value() or self.panel.out_height.value())


def viewer_selection(viewer: Viewer, transport: Transport) -> Selection:
    image = viewer.image
    return Selection(
        viewer.media_id,
        viewer.frame,
        in_sequence=transport.mode == "timeline",
        picture=(lambda: qimage_to_array(image)) if image is not None else None,
        picture_full=viewer.image_full,
    )


def variations_asker(parent: QWidget) -> Callable[[Job], list[str] | None]:
    """Asks for sweep values in the variations dialog (None: cancelled)."""

    def ask(job: Job) -> list[str] | None:
        from lumiere_studio.ui.variations_dialog import VariationsDialog

        dialog = VariationsDialog(job, parent)
        return dialog.lines() if dialog.exec() else None

    return ask
