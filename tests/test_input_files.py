"""Every input the program reads goes through one check: a regular file of a bounded size.
A FIFO or a device given as a timeline, project, job file or model weights is refused with a
message at once (each call runs on a thread with a timeout, so a regression fails, not hangs)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from engine.errors import LumiereError
from engine.input_files import LIMITS, InputFileError, read_input

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


def finishes(fn, seconds: float = 10.0):
    """Run fn in a forked child and re-raise what it raised as a LumiereError with its message
    (a native reader may block holding the GIL, so a thread could not time out); fail,
    instead of hanging the suite, when it does not finish in time."""
    import pickle
    import select
    import signal

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            fn()
            result = ("ok", "")
        except BaseException as e:  # noqa: BLE001 - handed back to the parent
            result = (type(e).__name__, str(e))
        os.write(write_end, pickle.dumps(result))
        os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], seconds)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    data = os.read(read_end, 1 << 16) if ready else b""
    os.close(read_end)
    assert ready, f"{fn} blocked for {seconds} s"
    kind, message = pickle.loads(data)
    if kind != "ok":
        raise LumiereError(f"{kind}: {message}")


def test_a_regular_file_reads_and_others_are_refused_with_the_reason(tmp_path):
    (tmp_path / "ok.json").write_bytes(b"{}")
    assert read_input(tmp_path / "ok.json", "job") == b"{}"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(LumiereError, match="not a regular file"):
        finishes(lambda: read_input(tmp_path / "fifo", "timeline"))
    with pytest.raises(InputFileError, match="folder"):
        read_input(tmp_path, "project")
    with pytest.raises(InputFileError, match="does not exist"):
        read_input(tmp_path / "missing", "jobs")
    if Path("/dev/zero").exists():
        with pytest.raises(LumiereError, match="not a regular file"):
            finishes(lambda: read_input("/dev/zero", "weights"))


def test_a_file_larger_than_its_kind_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setitem(LIMITS, "job", 100)
    (tmp_path / "big.json").write_bytes(b" " * 101)
    with pytest.raises(InputFileError, match="at most 100 bytes"):
        read_input(tmp_path / "big.json", "job")


def _timeline(path):
    from engine.export.otio_file import read

    return read(path)


def _project(path):
    from engine.project_schema import read_document

    return read_document(path)


def _jobs(path):
    from engine.batch.jobfile import read_jobs

    return read_jobs(path)


def _job(path):
    from engine.batch.jobfile import read_job_file

    return read_job_file(path)


@pytest.mark.parametrize(
    "name, reader",
    [
        ("cut.otio", _timeline),
        ("cut.edl", _timeline),
        ("cut.xml", _timeline),
        ("project.lumiere.json", _project),
        ("jobs.jsonl", _jobs),
        ("job.json", _job),
    ],
)
def test_a_fifo_given_as_each_kind_of_input_is_refused_at_once(tmp_path, name, reader):
    os.mkfifo(tmp_path / name)
    with pytest.raises(LumiereError, match="not a regular file"):
        finishes(lambda: reader(tmp_path / name))


@pytest.mark.parametrize("which", ["weights", "config"])
def test_a_model_whose_weights_or_config_is_a_fifo_is_refused_at_once(tiny_model, tmp_path, which):
    from engine.checkpoints import load_stage, read_model_info, weights_hash

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    config = json.loads((folder / "config.json").read_text())
    target = folder / (config["base"]["weights"] if which == "weights" else "config.json")
    target.unlink()
    os.mkfifo(target)
    if which == "config":
        with pytest.raises(LumiereError, match="ModelError.*not a regular file"):
            finishes(lambda: read_model_info(folder))
        return
    info = read_model_info(folder)
    for use in (lambda: load_stage(info, info.base), lambda: weights_hash(info)):
        with pytest.raises(LumiereError, match="not a regular file"):
            finishes(use)


@pytest.mark.parametrize("which", ["document", "mask"])
def test_the_app_opens_a_project_whose_document_or_mask_is_a_fifo_at_once(tmp_path, which):
    from lumiere_studio.model.project import DOC_NAME, Project

    folder = tmp_path / "proj"
    folder.mkdir()
    if which == "document":
        os.mkfifo(folder / DOC_NAME)
        with pytest.raises(LumiereError, match="ProjectError.*not a regular file"):
            finishes(lambda: Project.load(folder))
        return
    doc = {"schema": 3, "app": "lumiere-studio", "media": [], "timeline": {"tracks": []}}
    (folder / DOC_NAME).write_text(json.dumps({**doc, "masks": {"m1": "masks/m1.png"}}))
    (folder / "masks").mkdir()
    os.mkfifo(folder / "masks" / "m1.png")

    def load() -> None:
        notes = Project.load(folder).notes
        assert any("not a regular file" in n for n in notes), notes

    finishes(load)
