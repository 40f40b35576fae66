"""The fuzz generator: the same seed makes the same files, every family is there, and the
odd files are what they claim to be."""

from __future__ import annotations

import hashlib
import os
import stat

from testkit.fuzz_media import generate


def digest(cases) -> dict[str, str]:
    out = {}
    for c in cases:
        if c.path.is_file() and not c.path.is_symlink() and os.access(c.path, os.R_OK):
            out[c.name] = hashlib.sha256(c.path.read_bytes()).hexdigest()
    return out


def test_seeded_and_complete(tmp_path):
    a = generate(tmp_path / "a", seed=3, quick=True)
    b = generate(tmp_path / "b", seed=3, quick=True)
    c = generate(tmp_path / "c", seed=4, quick=True)
    assert [x.name for x in a] == [x.name for x in b]
    # Random bytes depend on the seed alone (encoded files and what is cut or flipped from them
    # may differ by an encoder's build or timing).
    drawn = [x for x in a if x.family == "random bytes"]
    assert digest(drawn) == digest([x for x in b if x.family == "random bytes"])
    assert digest(drawn) != digest([x for x in c if x.family == "random bytes"])
    families = {x.family for x in a}
    assert families == {
        "valid",
        "truncated",
        "bit-flipped",
        "random bytes",
        "empty",
        "odd",
        "bad manifest",
        "not a file",
        "odd name",
    }
    assert 40 <= len(a) <= 80
    kinds = {x.name: x.path for x in a}
    assert stat.S_ISFIFO(os.lstat(kinds["fifo.mp4"]).st_mode)
    assert kinds["folder-link.mp4"].is_dir() and kinds["folder-link.mp4"].is_symlink()
    assert any(not x.name.isprintable() or "\udcff" in x.name for x in a)  # a non-UTF-8 name
    assert kinds["claims-100000x100000.png"].stat().st_size < 1000
