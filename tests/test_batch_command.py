"""`lumiere-studio batch`: a JSONL file or a swept job into a folder; wrong arguments exit 2
with one line; Ctrl-C exits 130 with no partial output, and the same command resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testkit import processes

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def shared_engine(engine, monkeypatch):
    monkeypatch.setattr("engine.pipeline.Engine", lambda: engine)
    return engine


def _job_file(tmp_path, tiny_model, **kw) -> Path:
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"prompt": "a ball", "steps": 1, "model": str(tiny_model), **kw}))
    return path


def test_a_sweep_renders_the_product(shared_engine, tiny_model, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "batch",
            "--job",
            str(_job_file(tmp_path, tiny_model)),
            "--sweep",
            "seed=1..2",
            "--sweep",
            "guidance=1,3",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    records = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [(r["job"]["seed"], r["job"]["guidance"]) for r in records] == [
        (1, 1.0),
        (1, 3.0),
        (2, 1.0),
        (2, 3.0),
    ]
    assert len(list(out.glob("*.mp4"))) == 4
    assert "4 jobs: 4 done, 0 already done, 0 failed" in capsys.readouterr().out
    assert (
        main(
            [
                "batch",
                "--job",
                str(_job_file(tmp_path, tiny_model)),
                "--sweep",
                "seed=1..2",
                "--sweep",
                "guidance=1,3",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "4 jobs: 0 done, 4 already done" in capsys.readouterr().out


def test_a_jsonl_file_with_a_failing_job_exits_1(shared_engine, tiny_model, tmp_path, capsys):
    jobs = tmp_path / "jobs.jsonl"
    lines = [
        {"prompt": "a", "steps": 1, "model": str(tiny_model)},
        {"prompt": "b", "model": str(tmp_path / "gone")},
    ]
    jobs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["batch", str(jobs), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "failed: 0002-t2v-seed0-" in err and "gone" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a JOBS.jsonl file, or --job"),
        (["JOBS", "--job", "JOB"], "not both"),
        (["JOBS", "--workers", "0"], "--workers must be from 1 to"),
        (["JOBS", "--retries", "-1"], "--retries must be 0 or more"),
        (["BAD"], "bad.jsonl line 1: not valid JSON"),
        (["--job", "JOB", "--sweep", "seed=a"], "'a' is not a whole number"),
        (["JOBS", "--out-is-file"], "is a file; give a folder"),
    ],
)
def test_wrong_arguments_exit_2_with_one_line(tmp_path, capsys, args, message):
    (tmp_path / "jobs.jsonl").write_text('{"prompt": "x"}\n')
    (tmp_path / "bad.jsonl").write_text("{oops\n")
    (tmp_path / "job.json").write_text('{"prompt": "x"}')
    (tmp_path / "file").write_text("")
    names = {"JOBS": "jobs.jsonl", "BAD": "bad.jsonl", "JOB": "job.json"}
    out = str(tmp_path / ("file" if "--out-is-file" in args else "out"))
    argv = [str(tmp_path / names[a]) if a in names else a for a in args if a != "--out-is-file"]
    assert main(["batch", *argv, "--out", out]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_ctrl_c_exits_130_leaving_no_partial_file(tiny_model, tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    job = {"prompt": "a", "steps": 1000, "model": str(tiny_model)}
    jobs.write_text(json.dumps(job) + "\n")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "engine", "batch", str(jobs), "--out", str(out)]
    # A shell's background job starts with Ctrl-C ignored; the batch must get it as a terminal
    # would send it.
    default_sigint = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    proc = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    with processes.reaped(proc):
        processes.wait_until(out.is_dir, "the batch's start (its output folder)", every=0.2)
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=processes.CEILING_S)
        except subprocess.TimeoutExpired:
            raise processes.too_slow("the batch's exit after Ctrl-C") from None
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err
    assert [p.name for p in out.iterdir()] == []  # no output, no temp file, no record


def _finishes_in(seconds: float, argv: list[str]) -> tuple[int, str]:
    """The command's exit code and stderr, in a child with a timeout (a regression that
    builds a billion jobs fails instead of hanging the suite)."""
    code = f"import sys\nfrom engine.cli import main\nsys.exit(main({argv!r}))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=seconds
    )
    return done.returncode, done.stderr


def test_a_huge_sweep_is_refused_before_any_job_is_built(tmp_path):
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"prompt": "x"}))
    rc, err = _finishes_in(
        30, ["batch", "--job", str(job), "--sweep", "seed=0..1000000000", "--out", str(tmp_path)]
    )
    assert rc == 2 and "at most" in err and "Traceback" not in err
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text("\n".join(json.dumps({"prompt": str(i)}) for i in range(20)) + "\n")
    rc, err = _finishes_in(
        30, ["batch", str(jobs), "--sweep", "seed=1..1000", "--out", str(tmp_path / "o")]
    )
    assert rc == 2 and "20000 jobs" in err  # 20 jobs x 1,000 seeds, above the 10,000 cap


def test_more_workers_than_the_machine_can_hold_are_refused(tmp_path, capsys):
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"prompt": "x"}))
    argv = ["batch", "--job", str(job), "--sweep", "seed=1..2", "--out", str(tmp_path / "o")]
    assert main([*argv, "--workers", "1000"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_read_only_out_folder_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    """Modes are simulated (the suite may run as root, which writes anywhere): a folder that
    cannot be written, or made, is refused before any job runs."""
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"prompt": "x"}))
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access, real_mkdir = os.access, Path.mkdir

    def access(path, mode, **kw):
        return not str(path).startswith(str(locked)) and real_access(path, mode, **kw)

    def mkdir(self, *a, **kw):
        if str(self).startswith(str(locked) + os.sep):
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *a, **kw)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(Path, "mkdir", mkdir)
    for out in (locked, locked / "new"):
        argv = ["batch", "--job", str(job), "--sweep", "seed=1..2", "--out", str(out)]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "cannot be written" in err and "Errno" not in err, err
