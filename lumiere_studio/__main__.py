"""`lumiere-studio`: with a command (generate, models, info, ...) runs the headless CLI;
otherwise opens the desktop app with any given project folder or media files."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    process = argv is None  # the console script, not a caller in this process
    argv = sys.argv[1:] if argv is None else argv
    from engine.cli import is_command

    if is_command(argv):
        from engine.cli import exit_process
        from engine.cli import main as cli_main

        code = cli_main(argv)
        if process:
            exit_process(code)
        return code
    from lumiere_studio.app import main as app_main

    return app_main(argv)


if __name__ == "__main__":
    sys.exit(main())
