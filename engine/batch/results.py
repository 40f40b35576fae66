"""results.jsonl: one line per finished job (done or failed), appended and flushed to disk as
each job ends, so a batch killed at any moment can be resumed from it. A job counts as finished
only when its line says done and the file on disk still has the hash the line recorded."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from engine.project_paths import is_plain_name
from engine.run import DONE

RESULTS_NAME = "results.jsonl"
# One line: the item ("index", "job", "output", "attempts", "finished_at", "worker") and its
# RunResult's fields (runner.py writes it, JSON-ready).
Line = dict[str, Any]


class ResultsLog:
    def __init__(self, folder: Path) -> None:
        self.path = folder / RESULTS_NAME

    def records(self) -> list[Line]:
        """Every complete line; a line cut short by a kill is skipped."""
        if not self.path.is_file():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and isinstance(record.get("output"), str):
                out.append(record)
        return out

    def verified_done(self, folder: Path) -> dict[str, Line]:
        """{output name: its last record} for outputs whose last record says done and whose
        file still has the recorded SHA-256."""
        from engine.media.provenance import sha256_file

        last: dict[str, Line] = {}
        for record in self.records():
            last[record["output"]] = record
        done = {}
        for name, record in last.items():
            if not is_plain_name(name):  # a planted line naming ../../x: never read or trusted
                continue
            path = folder / name
            if record.get("status") != DONE or not path.is_file():
                continue
            if sha256_file(path) == record.get("sha256"):
                done[name] = record
        return done

    def append(self, record: Line) -> None:
        """Append one line and flush it to disk before returning."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, sort_keys=True) + "\n"
        with Path(self.path).open("a+b") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() > 0:  # a line cut short by a kill must not swallow this one
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    line = "\n" + line
            f.write(line.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
