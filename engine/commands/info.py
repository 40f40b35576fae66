"""`lumiere-studio info`: versions and compute devices, for bug reports."""

from __future__ import annotations

import argparse
import platform


def run(args: argparse.Namespace) -> int:
    import av
    import numpy
    import torch
    import transformers

    from engine import __version__
    from engine.checkpoints import model_search_paths
    from engine.devices import describe_devices

    print(f"Lumiere Studio {__version__}")
    print(f"Python {platform.python_version()} on {platform.platform()}")
    for name, mod in (
        ("torch", torch),
        ("av", av),
        ("numpy", numpy),
        ("transformers", transformers),
    ):
        print(f"{name} {mod.__version__}")
    try:  # read from its install record: the engine never imports Qt
        from importlib.metadata import PackageNotFoundError, version

        print(f"PySide6 {version('PySide6')}")
    except PackageNotFoundError:
        print("PySide6 not installed (the desktop app needs it)")
    print("devices:")
    for line in describe_devices():
        print(f"  {line}")
    print("model folders:")
    for p in model_search_paths():
        print(f"  {p}{'' if p.is_dir() else ' (absent)'}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("info", help="versions and compute devices")
    p.set_defaults(func=run)
