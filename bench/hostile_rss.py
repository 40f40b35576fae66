"""Peak memory on the worst hostile model folders and project files.

Each case runs in a fresh child process (`python -c`), and the peak resident memory of that
child alone is read from os.wait4's resource usage (ru_maxrss). The same child on a good file
is the baseline, so the difference is what the hostile file cost. Model folders are read both
by `lumiere-studio models` (the listing) and by loading them as the engine does
(`Engine.load`); project files by `Project.load`, as the app's Open does.
Usage: python bench/hostile_rss.py
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


LIST_MODELS = "from engine.cli import main; main(['models'])"
LOAD_MODEL = """
import sys
from engine.pipeline import Engine
try:
    Engine().load(sys.argv[1], "cpu")
    print("loaded")
except Exception as e:
    print(f"{type(e).__name__}: {e}"[:150])
"""
OPEN_PROJECT = """
import sys
from lumiere_studio.model.project import Project
try:
    Project.load(sys.argv[1])
    print("opened")
except Exception as e:
    print(f"{type(e).__name__}: {e}"[:150])
"""


def peak_of(code: str, *args: str, env: dict | None = None, about: str = "") -> tuple[float, str]:
    """(peak RSS in MiB, the last line printed, or the first that names `about`) of a child
    running `code`."""
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    output = process.stdout.read()
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped above
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    lines = [line for line in lines if about in line][:1] if about else lines
    return usage.ru_maxrss / 1024, (lines[-1] if lines else "")[:150]


def edit_config(folder: Path, change) -> None:
    raw = json.loads((folder / "config.json").read_text())
    change(raw)
    (folder / "config.json").write_text(json.dumps(raw))


def lie_in_header(path: Path) -> None:
    """Every tensor of the safetensors header claims a 10^6 x 10^6 shape."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    for name, entry in header.items():
        if name != "__metadata__":
            entry["shape"] = [10**6, 10**6]
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n :])


def model_folders(work: Path) -> dict[str, Path]:
    from testkit.models import tiny_model

    good = tiny_model(work / "good" / "tiny")
    folders = {"good model (baseline)": good}

    def variant(name: str, change) -> None:
        folder = work / name.split(":")[0] / "tiny"  # no ":" (LUMIERE_STUDIO_MODELS splits on it)
        shutil.copytree(good, folder)
        change(folder)
        folders[name] = folder

    variant(
        "channels: config claims 6 levels of 4096 channels",
        lambda f: edit_config(
            f, lambda c: c["base"]["config"].update(channels=[4096] * 6, temporal_down=[True] * 5)
        ),
    )
    variant(
        "header: every tensor claims 10^6 x 10^6", lambda f: lie_in_header(f / "base.safetensors")
    )
    variant(
        "wider: a 1024-wide config over the small weights",
        lambda f: edit_config(f, lambda c: c["base"]["config"].update(channels=[256, 512, 1024])),
    )
    variant(
        "both: 1024-wide config and a lying header",
        lambda f: (
            edit_config(f, lambda c: c["base"]["config"].update(channels=[256, 512, 1024])),
            lie_in_header(f / "base.safetensors"),
        ),
    )
    return folders


def project_files(work: Path) -> dict[str, Path]:
    from lumiere_studio.model.project import DOC_NAME, Project

    folders = {}
    good = work / "project-good"
    Project().save(good)
    folders["empty project (baseline)"] = good
    big = work / "project-50mb"
    big.mkdir()
    with (big / DOC_NAME).open("w") as f:  # valid JSON: one 50 MB string
        f.write('{"schema": 1, "name": "' + "a" * (50 << 20) + '"}')
    folders["50 MB of JSON"] = big
    deep = work / "project-deep"
    deep.mkdir()
    (deep / DOC_NAME).write_text("[" * 200_000 + "]" * 200_000)
    folders["nested 200000 deep"] = deep
    return folders


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="lumiere-hostile-rss-"))
    try:
        rows = []
        for name, folder in model_folders(work).items():
            env = {"LUMIERE_STUDIO_MODELS": str(folder.parent)}
            listed = peak_of(LIST_MODELS, env=env, about="tiny")
            rows.append((f"`lumiere-studio models`, {name}", *listed))
            rows.append((f"Engine.load, {name}", *peak_of(LOAD_MODEL, str(folder), env=env)))
        for name, folder in project_files(work).items():
            rows.append((f"Project.load, {name}", *peak_of(OPEN_PROJECT, str(folder))))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| case | peak RSS (MiB) | outcome |")
    print("|---|---|---|")
    for name, peak, said in rows:
        print(f"| {name} | {peak:.0f} | {said.replace('|', '/')} |")


if __name__ == "__main__":
    main()
