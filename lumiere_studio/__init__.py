"""Lumiere Studio, the desktop app (PySide6). The engine lives in the `engine` package."""

from engine import __version__

__all__ = ["__version__"]
