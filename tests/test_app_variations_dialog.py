"""Queue variations: the dialog expands the job as `batch --sweep` does and refuses bad lines."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from engine.jobs import Job
from lumiere_studio.ui.variations_dialog import VariationsDialog


def test_the_dialog_counts_and_expands_the_product(qtbot):
    dialog = VariationsDialog(Job(prompt="p", seed=5))
    qtbot.addWidget(dialog)
    assert dialog.lines() == ["seed=5..8"] and dialog.summary.text() == "queues 4 job(s)"
    dialog.specs.setPlainText("seed=1..2\n\nguidance=3,5,7\n")
    assert dialog.summary.text() == "queues 6 job(s)"
    jobs = dialog.jobs()
    assert [(j.seed, j.guidance) for j in jobs][:3] == [(1, 3.0), (1, 5.0), (1, 7.0)]
    assert all(j.prompt == "p" for j in jobs)


def test_a_bad_line_disables_ok_and_says_why(qtbot):
    dialog = VariationsDialog(Job())
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.specs.setPlainText("seed=1..3\nsteps=0")
    assert not ok.isEnabled() and "steps must be between 1 and 1000" in dialog.summary.text()
    dialog.specs.setPlainText("colour=red")
    assert not ok.isEnabled() and "not a job field" in dialog.summary.text()
    dialog.specs.setPlainText("seed=2")
    assert ok.isEnabled()
