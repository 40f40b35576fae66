"""JSON nesting is bounded before a parser recurses into it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.json_depth import NestingError, check_depth, json_depth


def test_depth_counts_brackets_outside_strings():
    assert json_depth(b"{}") == 1
    assert json_depth(json.dumps({"a": [[1], {"b": "[[[[{{"}]})) == 3
    assert json_depth(r'["\"[[[", [[]]]') == 3  # an escaped quote does not end the string
    assert json_depth("  17 ") == 0


def test_deep_text_is_refused_with_a_message_and_shallow_passes():
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(NestingError, match="too deeply: 5000 levels"):
        check_depth(deep, "jobs.jsonl")
    check_depth(json.dumps({"tracks": [{"clips": [{"media": {"a": 1}}]}]}), "x")


@pytest.mark.parametrize(
    "name, head, levels, command",
    [
        ("deep.otio", '{"OTIO_SCHEMA": "Timeline.1", "metadata": {"a": ', 200_000, "export"),
        ("jobs.jsonl", '{"prompt": "x", "seed": ', 100_000, "batch"),
    ],
)
def test_a_deeply_nested_file_is_a_message_not_a_crash_or_traceback(
    tmp_path, name, head, levels, command
):
    """In a child process: the OTIO reader died of SIGSEGV, Python's json of RecursionError."""
    path = tmp_path / name
    path.write_text(head + "[" * levels + "]" * levels + "}" * head.count("{") + "\n")
    args = {"export": ["--format", "h264", "--out", str(tmp_path / "cut.mp4")]}.get(
        command, ["--out", str(tmp_path / "out")]
    )
    code = (
        f"import sys\nfrom engine.cli import main\nsys.exit(main({[command, str(path), *args]!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode > 0, done.stderr[-2000:]  # < 0: killed by a signal
    assert "Traceback" not in done.stderr and "nested too deeply" in done.stderr + done.stdout
