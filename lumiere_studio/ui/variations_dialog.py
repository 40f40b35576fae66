"""Queue variations: the prompt panel's job over several values of some settings (the product
of them), the same expansion as `lumiere-studio batch --sweep`."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout

from engine.api import BatchError, Job, expand, plain_fields

EXAMPLE = "seed=1..4\nguidance=3,5,7"


class VariationsDialog(QDialog):
    def __init__(self, job: Job, parent=None) -> None:
        super().__init__(parent)
        self.job = job
        self.setWindowTitle("Queue variations")
        help_text = QLabel(
            "One setting a line: FIELD=a..b (whole numbers) or FIELD=x,y,z. "
            "Every combination is queued."
        )
        help_text.setWordWrap(True)
        self.specs = QPlainTextEdit(f"seed={job.seed}..{job.seed + 3}")
        self.specs.setPlaceholderText(EXAMPLE)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (help_text, self.specs, self.summary, self.buttons):
            layout.addWidget(w)
        self.specs.textChanged.connect(self._update)
        self._update()

    def lines(self) -> list[str]:
        return [s.strip() for s in self.specs.toPlainText().splitlines() if s.strip()]

    def jobs(self) -> list[Job]:
        """The expanded jobs; raises BatchError with what is wrong."""
        return expand(self.job, self.lines())

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            count = len(self.jobs())
        except BatchError as e:
            self.summary.setText(plain_fields(str(e)).replace("--sweep ", ""))
            self.summary.setStyleSheet("color:#e06c75")
            ok.setEnabled(False)
            return
        self.summary.setText(f"queues {count} job(s)")
        self.summary.setStyleSheet("")
        ok.setEnabled(count > 0)
