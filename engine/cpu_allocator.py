"""Keep freed memory in the process on Linux (glibc), so the CPU path does not pay page faults
for every large tensor.

With glibc's defaults, blocks of several MB are mapped from the kernel on allocation and
unmapped on free, so each new activation of a denoising step touches fresh pages: at 16x32x32
about a third of a STUNet forward pass went to page faults (bench/stunet_cost.py). Serving large
blocks from the heap and not trimming it keeps those pages mapped and reused. The cost: the
process holds on to its peak memory until it exits, which a generation engine reaches again on
the next job anyway.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# mallopt parameters from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_TRIM_NEVER = 2**31 - 1  # the largest value mallopt's int takes

_applied: bool | None = None


def keep_freed_memory() -> bool:
    """Apply the setting once per process; True when it is in effect. Skipped where glibc is
    not the allocator and where the user set MALLOC_* variables (their choice wins)."""
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if not sys.platform.startswith("linux") or any(k.startswith("MALLOC_") for k in os.environ):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    _applied = bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_NEVER))
    return _applied


def release_freed_memory() -> bool:
    """Give the heap's free pages back to the system now (glibc's malloc_trim). Called after a
    job ran out of memory: its partial tensors are freed, but with keep_freed_memory in effect
    their pages would stay with the process and leave less for the next job and the app."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    return bool(trim(0))
