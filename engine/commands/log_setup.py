"""Where the engine's log records go when it runs as the command line.

Engine modules log under the `engine` logger (`logging.getLogger(__name__)`): notes, progress
and warnings are records, never prints, so each host decides where they go. The command line
sends them to stderr as the bare message (so a note reads as it always did), and the global
`--quiet` / `--verbose` flags choose the level:

- default: INFO (notes, progress lines and warnings);
- `--quiet`: ERROR only (a script's log keeps the failures);
- `--verbose`: DEBUG too, each line led by its level and logger (which model folder, which
  device, which user folders).

A command's own result (the table `models` prints, `detect`'s verdict, the `wrote ...` line)
is its output, not a record: it stays on stdout and no flag hides it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

ENGINE = "engine"
VERBOSE_FORMAT = "%(levelname)s %(name)s: %(message)s"


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the sys.stderr of the moment, not the one at setup (a test's capture, a
    redirected stream)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass  # always the current sys.stderr


def add_log_arguments(parser: argparse.ArgumentParser) -> None:
    chatter = parser.add_mutually_exclusive_group()
    chatter.add_argument(
        "-q",
        "--quiet",
        dest="log_level",
        action="store_const",
        const=logging.ERROR,
        default=logging.INFO,
        help="print only errors and each command's result (no notes, warnings or progress)",
    )
    chatter.add_argument(
        "-v",
        "--verbose",
        dest="log_level",
        action="store_const",
        const=logging.DEBUG,
        help="also print debug records (model folder, device, user folders), with their source",
    )


@contextmanager
def cli_logging(level: int) -> Iterator[logging.Logger]:
    """The `engine` logger writes to stderr at `level` while the command runs; afterwards it
    is as it was (a test that runs several commands in one process sees no leftover)."""
    logger = logging.getLogger(ENGINE)
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter(VERBOSE_FORMAT if level <= logging.DEBUG else None))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def progress_shown() -> bool:
    """Whether progress lines are wanted: not when the `engine` logger was set above INFO
    (--quiet). Its own level, not the effective one: a host that set no level (a script, a
    test) inherits the root's WARNING and still wants its bars."""
    level = logging.getLogger(ENGINE).level
    return level == logging.NOTSET or level <= logging.INFO
