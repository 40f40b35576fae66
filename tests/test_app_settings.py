"""AppSettings: each setting reads back what was written (also from a fresh reader of the same
file), reads its default when unset, and reads the default when the file holds a value of the
wrong type, so a hand-edited or old settings file cannot break the app."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QSettings

from engine.api import STILL_SECONDS
from lumiere_studio.model import settings as s
from lumiere_studio.model.settings import AppSettings


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "s.ini")


def _fresh(path: str) -> AppSettings:
    return AppSettings(QSettings(path, QSettings.Format.IniFormat))


def test_unset_settings_read_their_defaults(path):
    fresh = _fresh(path)
    assert fresh.recent == [] and fresh.last_folder == ""
    assert fresh.still_seconds == STILL_SECONDS and fresh.place_over is False
    assert fresh.window_geometry is None and fresh.window_state is None
    assert fresh.sign_key == "" and fresh.sign_cert == ""
    assert fresh.include_prompt is True and fresh.mark_composites is True
    opts = fresh.sign_options()
    assert opts.sign and opts.key is None and opts.cert is None and opts.include_prompt


def test_each_setting_round_trips_through_the_file(path):
    first = _fresh(path)
    first.recent = ["/p/one"]  # one item: INI stores it as a plain string
    first.last_folder = "/p"
    first.still_seconds = 2.5
    first.place_over = True
    first.save_layout(QByteArray(b"geo\x00metry"), QByteArray(b"state"))
    first.set_signing("/k.pem", "/c.pem", include_prompt=False, mark=False)
    first.store.sync()

    again = _fresh(path)
    assert again.recent == ["/p/one"] and again.last_folder == "/p"
    assert again.still_seconds == 2.5 and again.place_over is True
    geometry, state = again.window_geometry, again.window_state
    assert geometry is not None and geometry.data() == b"geo\x00metry"
    assert state is not None and state.data() == b"state"
    assert (again.sign_key, again.sign_cert) == ("/k.pem", "/c.pem")
    assert again.include_prompt is False and again.mark_composites is False
    opts = again.sign_options()
    assert (opts.key, opts.cert, opts.include_prompt) == ("/k.pem", "/c.pem", False)


def test_recent_keeps_order_and_at_most_the_limit(path):
    first = _fresh(path)
    first.recent = [f"/p/{i}" for i in range(s.MAX_RECENT + 3)]
    first.store.sync()
    assert _fresh(path).recent == [f"/p/{i}" for i in range(s.MAX_RECENT)]


@pytest.mark.parametrize(
    ("key", "stored", "read"),
    [
        (s.STILL, "a while", lambda a: a.still_seconds == STILL_SECONDS),
        (s.STILL, "nan", lambda a: a.still_seconds == STILL_SECONDS),
        (s.STILL, -3, lambda a: a.still_seconds == STILL_SECONDS),
        (s.PLACE_OVER, "maybe", lambda a: a.place_over is False),
        (s.INCLUDE_PROMPT, "maybe", lambda a: a.include_prompt is True),
        (s.MARK_COMPOSITES, [1, 2], lambda a: a.mark_composites is True),
        (s.RECENT, 7, lambda a: a.recent == []),
        (s.RECENT, ["/ok", 3], lambda a: a.recent == ["/ok"]),
        (s.LAST_FOLDER, ["/a", "/b"], lambda a: a.last_folder == ""),
        (s.SIGN_KEY, ["/a", "/b"], lambda a: a.sign_key == "" and a.sign_options().key is None),
        (s.GEOMETRY, "not bytes", lambda a: a.window_geometry is None),
    ],
)
def test_a_value_of_the_wrong_type_reads_as_the_default(path, key, stored, read):
    store = QSettings(path, QSettings.Format.IniFormat)
    store.setValue(key, stored)
    store.sync()
    assert read(_fresh(path)), f"{key}={stored!r}"


def test_values_an_ini_file_turns_into_text_or_numbers_read_as_written(path):
    store = QSettings(path, QSettings.Format.IniFormat)
    store.setValue(s.PLACE_OVER, "true")
    store.setValue(s.INCLUDE_PROMPT, "0")
    store.setValue(s.SIGN_KEY, "12")  # read back as the number 12
    store.sync()
    fresh = _fresh(path)
    assert fresh.place_over is True and fresh.include_prompt is False
    assert fresh.sign_key == "12"
