"""The headless command line: `lumiere-studio <command>` (or `python -m engine`).

Each command lives in `engine/commands/<name>.py` with a `register(subparsers)` function;
this module only assembles them, so adding a command is adding a module to COMMANDS. The
global `--quiet` / `--verbose` flags set how much of the engine's log reaches stderr
(engine/commands/log_setup.py).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import NoReturn

from engine.commands.log_setup import add_log_arguments, cli_logging

logger = logging.getLogger(__name__)
COMMANDS = ("generate", "batch", "models", "info", "train", "export", "detect", "mask")
LOG_FLAGS = ("-q", "--quiet", "-v", "--verbose")


def build_parser() -> argparse.ArgumentParser:
    from engine import __version__

    parser = argparse.ArgumentParser(
        prog="lumiere-studio",
        description="Lumiere Studio: video generation and editing with a Space-Time U-Net. "
        "With no command, the desktop app opens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_log_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"engine.commands.{name}").register(sub)
    return parser


def command_names(parser: argparse.ArgumentParser | None = None) -> set[str]:
    """Every sub-command the parser knows (a module may register more than one)."""
    parser = parser or build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def is_command(argv: list[str]) -> bool:
    """True when argv asks for a CLI command (or help/version) rather than the GUI."""
    rest = [a for a in argv if a not in LOG_FLAGS]  # `-v generate ...` is still a command
    if not rest:
        return bool(argv)
    return rest[0] in ("-h", "--help", "--version") or rest[0] in command_names()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    with cli_logging(args.log_level):
        _log_user_folders()
        try:
            return int(args.func(args) or 0)
        except KeyboardInterrupt:
            logger.error("interrupted")
            return 130


def _log_user_folders() -> None:
    from engine import user_paths

    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "user folders: data %s, cache %s, config %s",
            user_paths.data_dir(),
            user_paths.cache_dir(),
            user_paths.config_dir(),
        )


if __name__ == "__main__":
    sys.exit(main())


def exit_process(code: int) -> NoReturn:
    """End the process with `code`. After an interrupt (130), already cleaned up, it leaves at
    once: a Ctrl-C that landed inside native code can leave the interpreter flagged to end by
    SIGINT during its shutdown, which would hide the status a script reads (-2, not 130)."""
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)
