"""engine.commands.log_setup: the CLI's handler writes bare messages to the stderr of the
moment at the level asked, and leaves the `engine` logger as it found it."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from engine.commands.log_setup import ENGINE, cli_logging, progress_shown


def _say_all(name: str = "engine.somewhere") -> None:
    log = logging.getLogger(name)
    log.debug("a debug line")
    log.info("note: an info line")
    log.warning("a warning line")
    log.error("an error line")


@pytest.mark.parametrize(
    ("level", "lines"),
    [
        (logging.INFO, ["note: an info line", "a warning line", "an error line"]),
        (logging.ERROR, ["an error line"]),
        (
            logging.DEBUG,
            [
                "DEBUG engine.somewhere: a debug line",
                "INFO engine.somewhere: note: an info line",
                "WARNING engine.somewhere: a warning line",
                "ERROR engine.somewhere: an error line",
            ],
        ),
    ],
)
def test_each_level_lets_through_its_records_as_bare_lines(capsys, level, lines):
    with cli_logging(level):
        _say_all()
        assert progress_shown() is (level <= logging.INFO)
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == lines


def test_records_follow_the_stderr_of_the_moment(monkeypatch, capsys):
    later = io.StringIO()
    with cli_logging(logging.INFO):
        monkeypatch.setattr(sys, "stderr", later)
        logging.getLogger("engine.x").info("after the swap")
    assert later.getvalue() == "after the swap\n"


def test_the_engine_logger_is_left_as_it_was(capsys):
    engine, root = logging.getLogger(ENGINE), logging.getLogger()
    level, handlers, root_handlers = engine.level, list(engine.handlers), list(root.handlers)
    with cli_logging(logging.DEBUG):
        assert engine.level == logging.DEBUG and len(engine.handlers) == len(handlers) + 1
        assert root.handlers == root_handlers  # other libraries' records are not ours to print
    assert engine.level == level and engine.handlers == handlers
    logging.getLogger("engine.x").info("not printed by the CLI's handler any more")
    assert capsys.readouterr().err == ""


def test_progress_is_shown_where_no_host_set_a_level(monkeypatch):
    """A script or test that never set up logging inherits the root's WARNING: its progress
    bars still draw; only a level set above INFO (--quiet) hides them."""
    monkeypatch.setattr(logging.getLogger(ENGINE), "level", logging.NOTSET)
    monkeypatch.setattr(logging.getLogger(), "level", logging.WARNING)
    assert progress_shown()
    monkeypatch.setattr(logging.getLogger(ENGINE), "level", logging.ERROR)
    assert not progress_shown()
