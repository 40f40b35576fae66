"""The prompt panel: every setting of a generation, turned into an `engine.jobs.Job` by
`build_job` from the current clip, frame range and mask. A history lists past jobs; a
double-click puts one's settings back into the panel."""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.api import (
    TASK_LABELS,
    Job,
    JobError,
    default_of,
    name_fields,
    spec_for,
    spec_of,
    tasks_using,
    ui_labels,
    ui_range,
)

TOOLTIP = Qt.ItemDataRole.ToolTipRole
NEEDS_IMAGE = tasks_using("image")  # the tasks' own declarations (engine/tasks/kinds/)


def _pair(left: QWidget, label: str, right: QWidget, left_share: int = 1) -> QHBoxLayout:
    """Two fields on one form row: `left`, then `label` and `right`; `left` takes `left_share`
    times the right one's width (equal by default)."""
    row = QHBoxLayout()
    row.addWidget(left, left_share)
    row.addWidget(QLabel(label))
    row.addWidget(right, 1)
    return row


class PromptPanel(QWidget):
    generate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = QComboBox()
        for key, label in TASK_LABELS.items():  # a style is a setting of any task, not one
            self.task.addItem(label, key)
            self.task.setItemData(self.task.count() - 1, spec_for(key).help, TOOLTIP)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe the video: subject, motion, camera, light...")
        self.prompt.setMaximumHeight(76)
        self.negative = QPlainTextEdit()
        self.negative.setPlaceholderText("Negative prompt (what to avoid)")
        self.negative.setMaximumHeight(40)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed_lock = QCheckBox("lock")
        self.seed_lock.setToolTip("Keep this seed; unlocked, each Generate draws a new one")
        self.randomise = QToolButton()
        self.randomise.setText("Random")
        self.randomise.setToolTip("New random seed")
        self.randomise.clicked.connect(self.new_seed)
        self.steps = QSpinBox()
        self.guidance = QDoubleSpinBox()
        self.guidance.setSingleStep(0.5)
        self.strength = QDoubleSpinBox()
        self.strength.setSingleStep(0.05)
        ranged: dict[str, QSpinBox | QDoubleSpinBox] = {
            "steps": self.steps,
            "guidance": self.guidance,
            "strength": self.strength,
        }
        for name, box in ranged.items():  # the job's own range and default (engine/jobs.py)
            low, high = ui_range(name)
            if isinstance(box, QSpinBox):
                box.setRange(int(low), int(high))
            else:
                box.setRange(low, high)
            box.setValue(default_of(name))
        self.style_choice = QComboBox()  # not self.style: that would hide QWidget.style()
        self.style_blend = QSlider(Qt.Orientation.Horizontal)
        self.style_blend.setRange(0, 100)
        self.style_blend.setValue(round(default_of("style_strength") * 100))
        self.frames = QSpinBox()
        self.frames.setRange(0, 10000)
        self.frames.setSpecialValueText("model default")
        self.fps = QSpinBox()
        self.fps.setRange(0, 240)
        self.fps.setSpecialValueText("model default")
        # Output size; 0 = auto: the source's size (v2v), the still's aspect at the SSR's size
        # (i2v), the largest size the model makes without tiles (t2v). Larger runs SSR.
        self.out_width, self.out_height = QSpinBox(), QSpinBox()
        for box in (self.out_width, self.out_height):
            box.setRange(0, 4096)
            box.setSpecialValueText("auto")
            box.setToolTip(
                "Output size in pixels; auto keeps the source's size (video to video), the "
                "still's aspect (image to video) or the model's largest size without tiles "
                "(text to video). Larger sizes run super-resolution; another aspect than the "
                "model's is sampled in tiles. Cinemagraphs and inpainting keep the input's size."
            )
        # Where a task on real footage takes its pixels (the job's `pixels`): the footage, with
        # the model deciding motion and filling only what no frame shows, or the model alone.
        self.pixels = QComboBox()
        self.pixels.addItem("footage", "footage")
        self.pixels.addItem("model", "model")
        self.pixels.setToolTip(spec_of("pixels").help)
        self.mask_grow = QSpinBox()
        low, high = ui_range("mask_grow")
        self.mask_grow.setRange(int(low), int(high))
        self.mask_grow.setValue(default_of("mask_grow"))
        self.mask_grow.setSuffix(" px")
        self.mask_grow.setToolTip(spec_of("mask_grow").help)
        self.model = QComboBox()
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda", "mps"])
        self.source_label = QLabel("source: none")
        self.source_label.setWordWrap(True)
        self.generate = QPushButton("Generate")
        self.generate.setDefault(True)
        self.generate.clicked.connect(self.generate_requested)
        self.history = QListWidget()
        self.history.setToolTip("Past generations: double-click to reuse the settings")
        self.history.setWordWrap(True)  # a prompt is a sentence: shown whole, not cut off
        self.history.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.history.itemDoubleClicked.connect(self._reuse)

        seed_row = QHBoxLayout()
        for w in (self.seed, self.seed_lock, self.randomise):
            seed_row.addWidget(w)
        form = QFormLayout()
        form.addRow("Task", self.task)
        form.addRow("Prompt", self.prompt)
        form.addRow("Negative", self.negative)
        form.addRow("Seed", seed_row)
        # Short settings share a row so the whole form fits a 900-px screen without a scroll.
        form.addRow("Steps", _pair(self.steps, "Guidance", self.guidance))
        # how far an edit moves from the source, and how far an inpainting mask grows
        form.addRow("Strength", _pair(self.strength, "Mask grow", self.mask_grow))
        form.addRow("Style", _pair(self.style_choice, "Blend", self.style_blend))
        form.addRow("Pixels from", self.pixels)
        form.addRow("Frames", _pair(self.frames, "FPS", self.fps))
        form.addRow("Size", _pair(self.out_width, "x", self.out_height))
        # A model's name is longer than a device's ("lumiere-mini" was cut to "lumiere-min")
        form.addRow("Model", _pair(self.model, "Device", self.device, left_share=2))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        # The source line and Generate are not in this layout: the window pins `footer` below
        # the form's scroll area so both stay in view on a short screen.
        self.footer = QWidget()
        footer = QVBoxLayout(self.footer)
        footer.setContentsMargins(0, 0, 0, 0)
        footer.addWidget(self.source_label)
        footer.addWidget(self.generate)
        layout.addWidget(QLabel("History"))
        layout.addWidget(self.history, 1)
        self.task.currentIndexChanged.connect(self._task_changed)
        self._models: list = []
        self._task_changed()

    # --- models --------------------------------------------------------------------------
    def set_models(self, models: list) -> None:
        """`engine.checkpoints.ModelInfo` list; an empty list disables Generate with a reason."""
        self._models = models
        self.model.clear()
        for info in models:
            self.model.addItem(info.name, str(info.path))
            self.model.setItemData(
                self.model.count() - 1, info.summary(), Qt.ItemDataRole.ToolTipRole
            )
        self.model.currentIndexChanged.connect(self._model_changed)
        self._model_changed()
        has = bool(models)
        self.generate.setEnabled(has)
        self.generate.setToolTip("" if has else "No model installed: see Help > About")
        if not has:
            self.model.addItem("no model installed")
            self.model.setEnabled(False)

    def set_model_path(self, path: str) -> None:
        """Use a model folder that is not in the search paths (tests, custom models)."""
        self.model.setEnabled(True)
        self.model.addItem(path.rsplit("/", 1)[-1], path)
        self.model.setCurrentIndex(self.model.count() - 1)
        self.generate.setEnabled(True)

    def _model_changed(self) -> None:
        self.style_choice.clear()
        self.style_choice.addItem("none", None)
        info = next((m for m in self._models if str(m.path) == self.model.currentData()), None)
        for name in sorted(info.styles) if info else []:
            self.style_choice.addItem(name, name)

    # --- task ----------------------------------------------------------------------------
    def task_key(self) -> str:
        key: str = self.task.currentData()  # every entry's data is its task's name
        return key

    def _task_changed(self) -> None:
        task = spec_for(self.task_key())  # the widgets follow what the task declares
        self.strength.setEnabled("strength" in task.settings)
        self.style_blend.setEnabled(True)
        for box in (self.out_width, self.out_height):  # region tasks keep the input's size
            box.setEnabled(not task.keeps_input_size)
        self.pixels.setEnabled(bool(task.inputs))  # footage to take pixels from
        self.mask_grow.setEnabled("mask_grow" in task.options)

    def new_seed(self) -> None:
        self.seed.setValue(random.randrange(0, 2**31 - 1))

    def set_source_text(self, text: str) -> None:
        self.source_label.setText(text)

    # --- job -----------------------------------------------------------------------------
    def build_job(
        self,
        source: str | None = None,
        start_frame: int = 0,
        frame_count: int | None = None,
        mask_png: str | None = None,
        mask_from_frame: int = 0,
        motion: tuple[str | None, ...] = (None, None, None),
    ) -> Job:
        """The Job for the current settings. `source` is the selected clip's media file; it
        goes to `image` or `video`, and a painted mask to `mask`, only where the task reads
        that input (a mask painted for inpainting is left out of video to video), and the mask's
        first frame only where the task reads it (inpainting, not a still's cinemagraph). Raises
        JobError if it cannot run. `motion` is the clip's (arrows, pins, freeze strokes) as
        the job's `motion_arrows` / `motion_anchors` / `motion_freeze` text, sent only to a
        task that reads them."""
        if not self.seed_lock.isChecked():
            self.new_seed()
        task = spec_for(self.task_key())
        job = Job(
            task=task.name,
            prompt=self.prompt.toPlainText().strip(),
            negative_prompt=self.negative.toPlainText().strip(),
            steps=self.steps.value(),
            guidance=self.guidance.value(),
            seed=self.seed.value(),
            strength=self.strength.value(),
            style=self.style_choice.currentData(),
            style_strength=self.style_blend.value() / 100,
            frames=self.frames.value() or frame_count or None,
            fps=self.fps.value() or None,
            model=self.model.currentData() if self.model.isEnabled() else None,
            device=self.device.currentText(),
        )
        if task.inputs:
            job.pixels = self.pixels.currentData()
        if "mask_grow" in task.options:
            job.mask_grow = self.mask_grow.value()
        if not task.keeps_input_size:
            job.width, job.height = self.output_size(task.name)
        if "image" in task.inputs and source:
            job.image = source  # a still (the caller exports a video frame to PNG first)
        if "video" in task.inputs and source:
            job.video = source
            job.video_start_frame = start_frame
        if "mask" in task.inputs:
            job.mask = mask_png
        if "mask_from_frame" in task.options:  # a still's cinemagraph has no "from frame"
            job.mask_from_frame = mask_from_frame
        if "motion_arrows" in task.options:  # the hints' text: only a cinemagraph's
            arrows, pins, *freeze = motion
            job.motion_arrows, job.motion_anchors = arrows, pins
            job.motion_freeze = freeze[0] if freeze else None
        try:
            job.validate()  # the engine's rules, the same the queue and the engine apply
        except JobError as e:  # fields named as this panel names them, not as the CLI does
            raise JobError(name_fields(str(e), ui_labels()), field=e.field) from None
        return job

    def output_size(self, task: str) -> tuple[int | None, int | None]:
        """(width, height) for the job; None where the engine's default applies. A task with no
        source (text to video) has its auto at the model's largest size without tiles (native x
        SSR); one with a source leaves it to the source."""
        width, height = self.out_width.value() or None, self.out_height.value() or None
        has_source = spec_for(task).source is not None
        if has_source or width or height or not self.model.isEnabled():
            return width, height
        from engine.api import ModelError, read_model_info

        try:
            info = read_model_info(self.model.currentData())
        except (ModelError, OSError, ValueError):
            return None, None  # the engine reports the missing model with its own message
        return info.native_width * info.ssr_scale, info.native_height * info.ssr_scale

    def apply_job(self, job: dict[str, Any]) -> None:
        """Put a past job's settings back into the panel."""
        idx = self.task.findData(job.get("task"))
        if idx >= 0:
            self.task.setCurrentIndex(idx)
        self.prompt.setPlainText(job.get("prompt", ""))
        self.negative.setPlainText(job.get("negative_prompt", ""))
        self.seed.setValue(int(job.get("seed", 0)))
        self.seed_lock.setChecked(True)
        self.steps.setValue(int(job.get("steps", default_of("steps"))))
        self.guidance.setValue(float(job.get("guidance", default_of("guidance"))))
        self.strength.setValue(float(job.get("strength", default_of("strength"))))
        self.style_blend.setValue(round(float(job.get("style_strength", 1.0)) * 100))
        self.frames.setValue(int(job.get("frames") or 0))
        self.fps.setValue(int(job.get("fps") or 0))
        self.out_width.setValue(int(job.get("width") or 0))
        self.out_height.setValue(int(job.get("height") or 0))
        self.pixels.setCurrentIndex(max(0, self.pixels.findData(job.get("pixels", "footage"))))
        self.mask_grow.setValue(int(job.get("mask_grow", default_of("mask_grow"))))

    def set_history(self, jobs: list[dict[str, Any]]) -> None:
        self.history.clear()
        for job in reversed(jobs):
            text = f"{TASK_LABELS.get(job.get('task'), job.get('task'))}: {job.get('prompt', '')}"
            item = QListWidgetItem(f"{text}  (seed {job.get('seed')})")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, job)
            self.history.addItem(item)

    def _reuse(self, item: QListWidgetItem) -> None:
        self.apply_job(item.data(Qt.ItemDataRole.UserRole))
