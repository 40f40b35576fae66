"""keep_freed_memory: after it, freed large blocks stay mapped (no fresh page faults on the next
step); a user's own MALLOC_* setting wins. Each case runs in a fresh process, as the setting is
per process."""

from __future__ import annotations

import json
import os
import sys

import pytest
from testkit import processes

PROBE = """
import json, sys
import numpy as np
from engine.cpu_allocator import keep_freed_memory, release_freed_memory

def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

applied = keep_freed_memory() if sys.argv[1] in ("on", "trim") else False
block = np.ones(64 << 20, np.uint8)  # 64 MiB, touched
with_block = rss_mib()
del block
if sys.argv[1] == "trim":
    release_freed_memory()
print(json.dumps({"applied": applied, "released_mib": with_block - rss_mib()}))
"""


def probe(mode: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = processes.run(
        [sys.executable, "-c", PROBE, mode],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_freed_blocks_stay_mapped_only_with_the_setting():
    default = probe("off")
    kept = probe("on")
    assert default["released_mib"] > 60  # glibc's default gives a 64 MiB block back at once
    assert kept["applied"] is True and kept["released_mib"] < 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_a_users_malloc_setting_wins():
    mine = probe("on", MALLOC_MMAP_THRESHOLD_="65536")
    assert mine["applied"] is False and mine["released_mib"] > 60


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux-only"
)
def test_release_gives_the_kept_memory_back():
    """After a job ran out of memory the pipeline trims the heap: the pages kept for speed go
    back to the system."""
    trimmed = probe("trim")
    assert trimmed["applied"] is True and trimmed["released_mib"] > 60
