"""A folder swap's journal counts only when this account's program wrote it for its target."""

from __future__ import annotations

import json
import os
import stat

import pytest

from engine import swap_journal
from engine.swap_journal import Journal


def _aside(tmp_path, pending: str | None = None):
    aside = tmp_path / ".frames.4242-beef.old"
    aside.mkdir()
    journal = Journal(4242, "beef", "frames", pending, True)
    swap_journal.write(aside, journal)
    return aside, journal


def test_a_journal_written_here_reads_back(tmp_path):
    aside, journal = _aside(tmp_path, ".cut.otio.4242-ab.tmp")
    assert swap_journal.read(aside, tmp_path / "frames") == journal


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_key_is_made_once_and_readable_only_by_its_owner(tmp_path):
    _aside(tmp_path)
    key = swap_journal.key_path()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32
    before = key.read_bytes()
    (tmp_path / "again").mkdir()
    _aside(tmp_path / "again")
    assert key.read_bytes() == before


@pytest.mark.parametrize(
    "change",
    [
        {"pending": "../victim"},
        {"pending": "/etc/victim"},
        {"pending": "notes.txt"},
        {"pending": ".x.1-ab.tmp"},  # another process's temporary
        {"target": "../frames"},
        {"pid": 1},
        {"token": "dead"},
        {"previous": "yes"},
    ],
)
def test_a_changed_field_breaks_the_journal(tmp_path, change):
    aside, journal = _aside(tmp_path)
    assert swap_journal.read(aside, tmp_path / "frames") == journal  # before the change
    fields = json.loads((aside / ".journal").read_text())
    (aside / ".journal").write_text(json.dumps({**fields, **change}))
    assert swap_journal.read(aside, tmp_path / "frames") is None


def test_an_aside_with_anything_else_in_it_is_unknown(tmp_path):
    aside, journal = _aside(tmp_path)
    assert swap_journal.read(aside, tmp_path / "frames") == journal  # before the link
    (aside / "victim").symlink_to(tmp_path / "elsewhere")
    assert swap_journal.read(aside, tmp_path / "frames") is None


def test_a_journal_for_another_target_or_a_link_is_unknown(tmp_path):
    aside, journal = _aside(tmp_path)
    assert swap_journal.read(aside, tmp_path / "other") is None
    assert swap_journal.read(aside, tmp_path / "frames") == journal  # its own target reads
    (aside / ".journal").rename(tmp_path / "j")
    (aside / ".journal").symlink_to(tmp_path / "j")
    assert swap_journal.read(aside, tmp_path / "frames") is None
