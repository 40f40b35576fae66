"""The tests' process helpers (bench/testkit/processes.py) and the session guard in conftest:
a failing or slow test leaves no process behind, a wait past the ceiling says what it waited
for, and a hung test ends the run with its stacks instead of hanging CI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testkit import processes

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="process trees are read from /proc"
)
ROOT = Path(__file__).resolve().parent.parent

# a process that starts a grandchild, prints both pids, then sleeps
_PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(child.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _gone_soon(pid: int) -> bool:
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def test_reaped_ends_the_whole_tree_when_the_test_fails():
    proc = subprocess.Popen(
        [sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    with pytest.raises(RuntimeError, match="the test failed"), processes.reaped(proc):
        grandchild = int(processes.readline(proc, "the parent's start"))
        assert processes.descendants(proc.pid) == [grandchild]
        raise RuntimeError("the test failed")
    assert proc.returncode is not None and proc.stdout is not None and proc.stdout.closed
    assert _gone_soon(grandchild)


def test_a_wait_past_the_ceiling_kills_and_names_what_it_waited_for():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    t0 = time.monotonic()
    with pytest.raises(processes.TooSlow, match=r"the sleeper did not finish within 1 s"):
        processes.wait(proc, "the sleeper", seconds=1)
    assert time.monotonic() - t0 < 60 and proc.returncode is not None
    with pytest.raises(processes.TooSlow, match="LUMIERE_TEST_CEILING_S"):
        processes.run([sys.executable, "-c", "import time; time.sleep(600)"], "x", seconds=1)
    done = processes.run([sys.executable, "-c", "print('hi')"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "hi\n"
    with pytest.raises(subprocess.CalledProcessError):
        processes.run([sys.executable, "-c", "raise SystemExit(4)"], check=True)


_ORPHANS = """
import subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from testkit import processes
assert processes.become_subreaper()
# a middle process starts a sleeper and dies at once: the sleeper is an orphan
middle = subprocess.run([sys.executable, "-c",
    "import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', "
    "'import time; time.sleep(600)'], stdout=subprocess.DEVNULL, "
    "stderr=subprocess.DEVNULL); print(p.pid)"],
    capture_output=True, text=True)
orphan = int(middle.stdout)
assert processes.descendants() == [orphan], processes.descendants()
lines = processes.end_leftovers()
print(orphan, len(lines), flush=True)
"""


def test_orphans_stay_below_a_subreaper_and_are_ended():
    out = processes.run(
        [sys.executable, "-c", _ORPHANS, str(ROOT / "bench")],
        "the subreaper script",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    orphan, killed = int(out[0]), int(out[1])
    assert killed == 1 and _gone_soon(orphan)


def test_a_hung_test_ends_the_run_with_its_stacks_and_no_process_left(tmp_path):
    pid_file = tmp_path / "child.pid"
    env = {
        **os.environ,
        "LUMIERE_TEST_WATCHDOG_S": "4",
        "LUMIERE_HANG_DEMO": str(pid_file),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
    }
    t0 = time.monotonic()
    run = processes.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{__file__}::test_hang"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 3, run.stdout[-2000:] + run.stderr[-2000:]
    assert "test_hang ran past 4 s" in run.stderr
    assert "in test_hang" in run.stderr  # the stack of the stuck test
    child = int(pid_file.read_text())
    assert "killed leftover process" in run.stderr and _gone_soon(child)
    assert time.monotonic() - t0 < 300


@pytest.mark.skipif(not os.environ.get("LUMIERE_HANG_DEMO"), reason="run by the test above")
def test_hang():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    Path(os.environ["LUMIERE_HANG_DEMO"]).write_text(str(child.pid))
    time.sleep(600)
