"""results.jsonl: appended line by line, a cut-off line is harmless, and a job counts as done
only while its file has the recorded hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from engine.batch.results import ResultsLog


def _done(name: str, data: bytes) -> dict:
    return {"output": name, "status": "done", "sha256": hashlib.sha256(data).hexdigest()}


def test_only_files_with_the_recorded_hash_count_as_done(tmp_path):
    log = ResultsLog(tmp_path)
    (tmp_path / "a.mp4").write_bytes(b"aaa")
    (tmp_path / "b.mp4").write_bytes(b"bbb")
    log.append(_done("a.mp4", b"aaa"))
    log.append(_done("b.mp4", b"bbb"))
    log.append(_done("c.mp4", b"ccc"))  # recorded but its file is gone
    log.append({"output": "d.mp4", "status": "failed", "error": "x"})
    (tmp_path / "d.mp4").write_bytes(b"ddd")
    assert set(log.verified_done(tmp_path)) == {"a.mp4", "b.mp4"}
    (tmp_path / "b.mp4").write_bytes(b"changed")
    assert set(log.verified_done(tmp_path)) == {"a.mp4"}


def test_the_last_record_of_an_output_wins(tmp_path):
    log = ResultsLog(tmp_path)
    (tmp_path / "a.mp4").write_bytes(b"aaa")
    log.append(_done("a.mp4", b"aaa"))
    log.append({"output": "a.mp4", "status": "failed"})
    assert log.verified_done(tmp_path) == {}
    log.append(_done("a.mp4", b"aaa"))
    assert set(log.verified_done(tmp_path)) == {"a.mp4"}


def test_a_line_cut_by_a_kill_is_skipped_and_does_not_swallow_the_next(tmp_path):
    log = ResultsLog(tmp_path)
    (tmp_path / "a.mp4").write_bytes(b"aaa")
    log.append(_done("x.mp4", b""))
    with Path(log.path).open("ab") as f:
        f.write(b'{"output": "half.mp4", "sta')  # what a kill -9 mid-write leaves
    log.append(_done("a.mp4", b"aaa"))
    lines = log.path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["output"] == "a.mp4"
    assert [r["output"] for r in log.records()] == ["x.mp4", "a.mp4"]
    assert set(log.verified_done(tmp_path)) == {"a.mp4"}
