"""The CLI's subcommands, a module each: `register` adds its parser, its `run` executes it."""

from __future__ import annotations

import sys

USAGE_ERROR = 2  # the exit code of a run the user must correct (an argument, a missing file)


def fail(error: BaseException | str) -> int:
    """Say what went wrong in one line (the user's to fix, so no traceback); returns the exit
    code for the command to return."""
    print(f"error: {error}", file=sys.stderr)
    return USAGE_ERROR
