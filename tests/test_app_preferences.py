"""Preferences: the signing key and prompt choice reach the engine thread and exports; a key
that does not match its certificate is refused with a message and not saved."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from engine.media.signing import CHAIN_FILE, KEY_FILE, make_identity_files
from lumiere_studio.model.settings import SIGN_KEY, AppSettings
from lumiere_studio.ui import preferences as prefs


def test_dialog_saves_a_valid_pair_and_refuses_a_bad_one(qtbot, tmp_path, monkeypatch):
    make_identity_files(tmp_path, "me")
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings = AppSettings(store)
    dialog = prefs.PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    dialog.key.setText(str(tmp_path / KEY_FILE))
    dialog.cert.setText(str(tmp_path / KEY_FILE))  # not a certificate
    warned = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.warning", lambda *a: warned.append(a[2]))
    dialog.accept()
    assert warned and store.value(SIGN_KEY) is None
    dialog.cert.setText(str(tmp_path / CHAIN_FILE))
    dialog.prompt.setChecked(False)
    dialog.accept()
    opts = AppSettings(store).sign_options()
    assert opts.key == str(tmp_path / KEY_FILE) and not opts.include_prompt


def test_window_passes_preferences_to_the_engine_thread(window):
    window.settings.set_signing("", "", include_prompt=False, mark=True)
    window._apply_preferences()
    assert window.queue.worker.sign.include_prompt is False
