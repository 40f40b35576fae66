"""The CLI's one-line progress bar: a redraw in place on a terminal, one line a stage in logs."""

from __future__ import annotations

import io

from engine.commands.progress_bar import ProgressBar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_stage_and_one_at_the_end():
    log = io.StringIO()
    bar = ProgressBar(log, width=10)
    for step in range(5):
        bar.update("base", step, 4)
    bar.update("ssr", 1, 2)
    bar.update("ssr", 2, 2)
    lines = log.getvalue().splitlines()
    # base: its first step and its last; ssr: its first and its last. No redraws.
    assert len(lines) == 4
    assert lines[0].strip().startswith("base [----------] 0/4")
    assert "[##########] 4/4" in lines[1]
    assert lines[2].strip().startswith("ssr [#####-----] 1/2")
    assert "[##########] 2/2" in lines[3]


def test_a_terminal_redraws_one_line_and_ends_it_when_done():
    tty = _Terminal()
    bar = ProgressBar(tty, width=8)
    bar.update("base", 1, 4, "denoising")
    bar.update("base", 2, 4)
    assert "\n" not in tty.getvalue()  # redrawn in place
    assert tty.getvalue().count("\r") == 2
    assert "[####----] 2/4" in tty.getvalue().split("\r")[-1]
    assert "denoising" in tty.getvalue().split("\r")[1]
    bar.update("base", 4, 4)
    assert tty.getvalue().endswith("\n")
    assert len(tty.getvalue().split("\r")[-1].rstrip("\n")) == 79  # padded over the last line


def test_zero_total_and_overshoot_do_not_break_the_bar():
    log = io.StringIO()
    bar = ProgressBar(log, width=4)
    bar.update("load", 0, 0)  # a stage with no steps counts as one
    bar.update("load", 9, 3)  # more steps than the total: a full bar, never wider
    lines = log.getvalue().splitlines()
    assert "[----] 0/1" in lines[0]
    assert "[####] 9/3" in lines[1]
