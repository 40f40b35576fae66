"""How deeply a JSON text nests, found before any parser sees it.

Parsers recurse once a level: Python's json raises RecursionError (a traceback) around 1,000
levels, and OpenTimelineIO's C++ reader overflows the stack (SIGSEGV, the process dies)
around 100,000. A cheap scan of the brackets outside strings bounds the depth first. No Qt.
"""

from __future__ import annotations

import re

import numpy as np

from engine.errors import LumiereError

# A JSON string (escapes included), matched without backtracking (possessive).
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_BRACKETS = re.compile(rb"[^\[\]{}]+")
MAX_DEPTH = 200  # the files this program writes nest less than 30 deep


class NestingError(LumiereError, ValueError):
    """A JSON text nested more deeply than its kind allows."""


def json_depth(data: bytes | str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings ignored)."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    brackets = _BRACKETS.sub(b"", _STRING.sub(b"", raw))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def check_depth(data: bytes | str, what: str, limit: int = MAX_DEPTH) -> None:
    """Raise NestingError when `data` nests deeper than `limit`; `what` names it."""
    depth = json_depth(data)
    if depth > limit:
        raise NestingError(
            f"{what} is nested too deeply: {depth} levels (at most {limit} are read)"
        )
