"""The fast fuzz subset: a few dozen bad and odd files (`fuzz_media.generate(quick=True)`),
each through one entry point in-process (rotating over the app's import, project open, detect,
export and the input handling of every generate task). Each must end in a result or a clean
message within seconds, name the file without FFmpeg jargon, and leave the file as it was.
`bench/fuzz.py` runs every file through every entry point, in subprocesses."""

from __future__ import annotations

import hashlib
import os
import re
import threading

import pytest
from testkit.fuzz_entries import ENTRIES, INPUT_ENTRIES, Fixtures, quiet_ffmpeg
from testkit.fuzz_media import generate

FAST = ["app import", "project open", "detect", "export (clip)", "export (project)", *INPUT_ENTRIES]
JARGON = re.compile(r"Errno|\(\)'|avcodec_|avformat_|returned -?\d+|Traceback")


def fingerprint(path) -> str:
    if path.is_symlink() or not path.is_file() or not os.access(path, os.R_OK):
        return f"{os.lstat(path).st_mode}"
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    quiet_ffmpeg()
    return generate(tmp_path_factory.mktemp("fuzz"), seed=0, quick=True)


def test_every_file_ends_cleanly_through_one_entry_point(cases, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    fx = Fixtures.make(tmp_path / "fixtures")
    entries = {**ENTRIES, **INPUT_ENTRIES}
    problems, outcomes = [], []
    for i, case in enumerate(cases):
        entry = FAST[i % len(FAST)]
        work = tmp_path / f"run{i}"
        work.mkdir()
        before = fingerprint(case.path)
        result: dict = {}

        def call(entry=entry, case=case, work=work, result=result) -> None:
            try:
                result["outcome"] = entries[entry](case.path, work, fx)
            except BaseException as e:  # noqa: BLE001 - reported below
                result["outcome"] = f"exception {type(e).__name__}: {e}"

        t = threading.Thread(target=call, daemon=True)
        t.start()
        t.join(60)
        outcome = result.get("outcome", "hang")
        outcomes.append(outcome)
        if not (outcome == "ok" or outcome.startswith("error: ")) or JARGON.search(outcome):
            problems.append(f"{entry} {case.name!r}: {outcome}")
        if fingerprint(case.path) != before:
            problems.append(f"{entry} {case.name!r}: the file was modified")
    assert problems == []
    assert outcomes.count("ok") >= 5 and sum(o.startswith("error: ") for o in outcomes) >= 20
