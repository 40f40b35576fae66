"""The app's preferences and remembered state, one typed property per QSettings key.

Every key, its type and its default are here; the window, dialogs and controllers read and
write through `AppSettings`, never through QSettings keys of their own. A stored value of the
wrong type (an edited or old settings file, or an INI file's plain strings) reads as the
default, so a bad file cannot stop the app from starting. The key names are the ones earlier
versions wrote, so a user's settings carry over.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QByteArray, QSettings

from engine.api import STILL_SECONDS, SignOptions

ORGANIZATION, APPLICATION = "lumiere-studio", "Lumiere Studio"
MAX_RECENT = 8
STILL_RANGE = (0.04, 3600.0)  # seconds; the sequence dialog's range

RECENT = "recent"
LAST_FOLDER = "dialogs/last_folder"
STILL = "timeline/still_seconds"
GEOMETRY, STATE = "window/geometry", "window/state"
PLACE_OVER = "generate/place_over"
SIGN_KEY, SIGN_CERT = "credentials/sign_key", "credentials/sign_cert"
INCLUDE_PROMPT, MARK_COMPOSITES = "credentials/include_prompt", "export/mark_composites"

_TRUE, _FALSE = ("true", "1"), ("false", "0")


class AppSettings:
    """Typed access to one QSettings store (the user's, unless a test gives a file)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings(ORGANIZATION, APPLICATION)

    # --- readers: the stored value if it has the right type, else the default -----------
    def _flag(self, key: str, default: bool) -> bool:
        value = self.store.value(key, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, (str, int)) else ""
        return True if text in _TRUE else False if text in _FALSE else default

    def _text(self, key: str) -> str:
        value = self.store.value(key, "")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # PySide reads an INI file's "12" back as a number
        return value if isinstance(value, str) else ""

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.store.value(key)
        if isinstance(value, (bytes, bytearray)):
            return QByteArray(bytes(value))
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # --- the recent projects and the folder file dialogs start in ------------------------
    @property
    def recent(self) -> list[str]:
        """Most recent first, at most MAX_RECENT."""
        value = self.store.value(RECENT, [])
        if isinstance(value, str):  # an INI file stores a one-item list as its item
            value = [value] if value else []
        if not isinstance(value, list):
            return []
        return [v for v in value if isinstance(v, str) and v][:MAX_RECENT]

    @recent.setter
    def recent(self, folders: list[str]) -> None:
        self.store.setValue(RECENT, list(folders[:MAX_RECENT]))

    @property
    def last_folder(self) -> str:
        """The folder a file dialog last used; "" when none."""
        return self._text(LAST_FOLDER)

    @last_folder.setter
    def last_folder(self, folder: str) -> None:
        self.store.setValue(LAST_FOLDER, folder)

    # --- timeline and generation ----------------------------------------------------------
    @property
    def still_seconds(self) -> float:
        """How long a still lasts when placed on the timeline."""
        value = self.store.value(STILL, STILL_SECONDS)
        try:
            seconds = float(value)  # type: ignore[arg-type]  # an INI file gives a str
        except (TypeError, ValueError):
            return STILL_SECONDS
        low, high = STILL_RANGE
        return seconds if math.isfinite(seconds) and low <= seconds <= high else STILL_SECONDS

    @still_seconds.setter
    def still_seconds(self, seconds: float) -> None:
        self.store.setValue(STILL, float(seconds))

    @property
    def place_over(self) -> bool:
        """Generated results go over their source on the timeline (else at its end)."""
        return self._flag(PLACE_OVER, False)

    @place_over.setter
    def place_over(self, on: bool) -> None:
        self.store.setValue(PLACE_OVER, bool(on))

    # --- the window's layout ---------------------------------------------------------------
    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes(GEOMETRY)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes(STATE)

    def save_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue(GEOMETRY, geometry)
        self.store.setValue(STATE, state)

    # --- signing and marking what the app writes (the Preferences dialog) ---------------
    @property
    def sign_key(self) -> str:
        """The user's PEM signing key; "" for the key the app made on first use."""
        return self._text(SIGN_KEY)

    @property
    def sign_cert(self) -> str:
        return self._text(SIGN_CERT)

    @property
    def include_prompt(self) -> bool:
        """Whether the prompt goes into the Content Credentials."""
        return self._flag(INCLUDE_PROMPT, True)

    @property
    def mark_composites(self) -> bool:
        """Watermark the whole frame of exports that mix real and generated footage."""
        return self._flag(MARK_COMPOSITES, True)

    def set_signing(self, key: str, cert: str, include_prompt: bool, mark: bool) -> None:
        """The Preferences dialog's choice, saved together once it was checked."""
        self.store.setValue(SIGN_KEY, key)
        self.store.setValue(SIGN_CERT, cert)
        self.store.setValue(INCLUDE_PROMPT, bool(include_prompt))
        self.store.setValue(MARK_COMPOSITES, bool(mark))

    def sign_options(self) -> SignOptions:
        key, cert = self.sign_key or None, self.sign_cert or None
        return SignOptions(key=key, cert=cert, include_prompt=self.include_prompt)
