"""`python -m engine.train` (also `lumiere-studio train`): train or export models."""

from engine.commands.train import main

if __name__ == "__main__":
    raise SystemExit(main())
