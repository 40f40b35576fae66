"""The prompt panel's output size: auto is the source's size (v2v), the still's aspect at the
SSR size (i2v, left to the engine) and the model's largest untiled size for text to video; an
asked size goes into the job; region tasks keep the input's size."""

from __future__ import annotations

import pytest

from lumiere_studio.ui.prompt_panel import PromptPanel


@pytest.fixture
def panel(qtbot, tiny_model):
    p = PromptPanel()
    qtbot.addWidget(p)
    p.set_model_path(str(tiny_model))
    return p


def _task(panel: PromptPanel, key: str) -> None:
    panel.task.setCurrentIndex(panel.task.findData(key))


def test_t2v_auto_is_the_largest_size_without_tiles(panel) -> None:
    job = panel.build_job()
    assert (job.width, job.height) == (32, 32)  # the tiny model: 16x16 native, SSR x2


def test_an_asked_size_goes_into_the_job(panel) -> None:
    panel.out_width.setValue(48)
    panel.out_height.setValue(16)
    job = panel.build_job()
    assert (job.width, job.height) == (48, 16)
    _task(panel, "v2v")
    job = panel.build_job(source="clip.mp4")
    assert (job.width, job.height) == (48, 16) and job.video == "clip.mp4"


def test_v2v_and_i2v_auto_leave_the_size_to_the_source(panel) -> None:
    for key, source in (("v2v", "clip.mp4"), ("i2v", "still.png")):
        _task(panel, key)
        job = panel.build_job(source=source)
        assert job.width is None and job.height is None


def test_region_tasks_keep_the_input_size(panel) -> None:
    panel.out_width.setValue(64)
    panel.out_height.setValue(64)
    _task(panel, "inpaint")
    assert not panel.out_width.isEnabled() and not panel.out_height.isEnabled()
    job = panel.build_job(source="clip.mp4", mask_png="mask.png")
    assert job.width is None and job.height is None
    _task(panel, "t2v")
    assert panel.out_width.isEnabled()


def test_a_past_job_puts_its_size_back(panel) -> None:
    panel.apply_job({"task": "t2v", "prompt": "x", "width": 96, "height": 40})
    assert (panel.out_width.value(), panel.out_height.value()) == (96, 40)
    panel.apply_job({"task": "v2v", "prompt": "x"})
    assert panel.out_width.value() == 0 and panel.out_width.text() == "auto"


def test_defaults_and_ranges_are_the_job_s_own(panel) -> None:
    from engine.jobs import Job

    job, default = panel.build_job(), Job()
    assert (job.steps, job.guidance) == (default.steps, default.guidance)
    assert job.strength == default.strength
    assert job.style_strength == default.style_strength
    assert (panel.steps.minimum(), panel.steps.maximum()) == (1, 1000)
    assert (panel.strength.minimum(), panel.strength.maximum()) == (0.0, 1.0)


def test_a_refused_job_names_its_field_in_the_panels_words(panel) -> None:
    from engine.jobs import JobError

    _task(panel, "inpaint")
    with pytest.raises(JobError) as info:
        panel.build_job(source="clip.mp4", mask_png="mask.png", mask_from_frame=-1)
    assert info.value.field == "mask_from_frame"
    assert "the mask's first frame" in str(info.value)  # the panel's words, not `name` or --flag
    assert "`" not in str(info.value) and "--" not in str(info.value)


def test_a_cinemagraph_keeps_the_mask_but_not_its_first_frame(panel) -> None:
    _task(panel, "cinemagraph")  # the mask "applies from frame 3" of a clip; a still has no frame 3
    job = panel.build_job(source="still.png", mask_png="mask.png", mask_from_frame=3)
    assert (job.image, job.mask, job.mask_from_frame) == ("still.png", "mask.png", 0)


def test_a_painted_mask_goes_only_to_a_task_that_reads_one(panel) -> None:
    _task(panel, "v2v")  # a mask painted for inpainting, then video to video chosen
    job = panel.build_job(source="clip.mp4", start_frame=4, mask_png="mask.png", mask_from_frame=2)
    assert job.mask is None and job.mask_from_frame == 0
    assert (job.video, job.video_start_frame) == ("clip.mp4", 4)
    _task(panel, "inpaint")
    job = panel.build_job(source="clip.mp4", start_frame=4, mask_png="mask.png", mask_from_frame=2)
    assert (job.mask, job.mask_from_frame) == ("mask.png", 2)
    assert (job.video, job.video_start_frame) == ("clip.mp4", 4)


def test_each_task_gets_the_inputs_it_declares_and_no_other(panel) -> None:
    from engine.tasks.registry import task_for

    for key in ("t2v", "i2v", "cinemagraph", "inpaint", "v2v"):
        _task(panel, key)
        source = "still.png" if key in ("i2v", "cinemagraph") else "clip.mp4"
        job = panel.build_job(source=source, mask_png="mask.png")
        given = {name for name in ("image", "video", "mask") if getattr(job, name)}
        assert given == set(task_for(job.task).inputs), key


def test_the_model_name_and_a_long_history_entry_are_shown_whole(panel, qtbot) -> None:
    """Issue 31 #5: the Model box read "lumiere-min" and history entries were cut off."""
    from PySide6.QtGui import QFontMetrics

    from engine.checkpoints import list_models

    panel.set_models(list_models())
    panel.resize(360, 900)
    panel.show()
    qtbot.waitExposed(panel)
    name = panel.model.currentText()
    assert name, "the bundled model is listed"
    box = panel.model.style().subControlRect(
        panel.model.style().ComplexControl.CC_ComboBox,
        _combo_option(panel.model),
        panel.model.style().SubControl.SC_ComboBoxEditField,
        panel.model,
    )
    assert QFontMetrics(panel.model.font()).horizontalAdvance(name) <= box.width()
    prompt = "a very long prompt about waves crashing on a rocky shore at sunset, slow pan"
    panel.set_history([{"task": "t2v", "prompt": prompt, "seed": 3}])
    item = panel.history.item(0)
    shown = panel.history.visualItemRect(item)
    one_line = QFontMetrics(panel.history.font()).horizontalAdvance(item.text())
    assert one_line > panel.history.viewport().width()  # too long for one line...
    assert shown.height() > QFontMetrics(panel.history.font()).height() * 1.5  # ...so wrapped
    assert item.toolTip() == item.text()


def _combo_option(combo):
    from PySide6.QtWidgets import QStyleOptionComboBox

    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    return option


def test_motion_arrows_and_pins_go_only_to_a_cinemagraph(panel) -> None:
    motion = ("1,2,10,2;3,4,5,6", "7,8", "3,1,1,9,9")
    _task(panel, "cinemagraph")
    job = panel.build_job(source="still.png", mask_png="mask.png", motion=motion)
    assert (job.motion_arrows, job.motion_anchors, job.motion_freeze) == motion
    job = panel.build_job(source="still.png", mask_png="mask.png")
    assert (job.motion_arrows, job.motion_anchors, job.motion_freeze) == (None, None, None)
    _task(panel, "inpaint")
    job = panel.build_job(source="clip.mp4", mask_png="mask.png", motion=motion)
    assert (job.motion_arrows, job.motion_anchors, job.motion_freeze) == (None, None, None)


def test_pixels_and_mask_grow_go_to_the_tasks_that_read_them(panel) -> None:
    """Issue 27: the footage/model choice and the mask growth are in the panel; a task with
    no footage (text to video) gets neither, only inpainting grows its mask."""
    _task(panel, "inpaint")
    assert panel.pixels.isEnabled() and panel.mask_grow.isEnabled()
    panel.pixels.setCurrentIndex(panel.pixels.findData("model"))
    panel.mask_grow.setValue(9)
    job = panel.build_job(source="clip.mp4", mask_png="mask.png")
    assert (job.pixels, job.mask_grow) == ("model", 9)
    _task(panel, "v2v")
    assert panel.pixels.isEnabled() and not panel.mask_grow.isEnabled()
    job = panel.build_job(source="clip.mp4")
    assert job.pixels == "model" and job.mask_grow == 4  # the default: v2v does not use it
    _task(panel, "t2v")
    assert not panel.pixels.isEnabled()
    assert panel.build_job().pixels == "footage"  # nothing to take pixels from: the default
    panel.apply_job({"task": "inpaint", "pixels": "model", "mask_grow": 12})
    assert panel.pixels.currentData() == "model" and panel.mask_grow.value() == 12


def test_the_task_list_and_its_widgets_follow_the_specs(panel) -> None:
    """Every entry is a task (a style is a setting of any task, no pseudo-task), with its
    help as the tooltip; which widgets it enables is what its spec declares."""
    from PySide6.QtCore import Qt

    from engine.task_specs import SPECS

    assert [panel.task.itemData(i) for i in range(panel.task.count())] == list(SPECS)
    for i, (name, spec) in enumerate(SPECS.items()):
        assert panel.task.itemData(i, Qt.ItemDataRole.ToolTipRole) == spec.help
        _task(panel, name)
        assert panel.strength.isEnabled() == ("strength" in spec.settings), name
        assert panel.mask_grow.isEnabled() == ("mask_grow" in spec.options), name
        assert panel.out_width.isEnabled() == (not spec.keeps_input_size), name
        assert panel.pixels.isEnabled() == (spec.source is not None), name
    panel.apply_job({"task": "t2v", "prompt": "x", "style": "ink", "style_strength": 0.5})
    assert panel.task_key() == "t2v" and panel.style_blend.value() == 50
