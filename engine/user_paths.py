"""Where Lumiere Studio keeps this account's files: the one place that asks platformdirs.

Three base folders, each `lumiere-studio` inside the platform's own (on Linux the XDG folders,
so `XDG_DATA_HOME`, `XDG_CACHE_HOME` and `XDG_CONFIG_HOME` move them; tests and benches rely
on that to keep away from the user's files):

- data: models, the render queue, recovery files, the swap-journal key (kept; losing them
  loses work or trust);
- cache: proxies and thumbnails (rebuilt when missing);
- config: the signing key and certificates the app makes on first use.

The names below are the ones earlier versions used, so existing files are found. Each call
reads the environment again: a test that moves a folder sees the move at once.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_dir, user_config_dir, user_data_dir

APP_DIR = "lumiere-studio"


def data_dir() -> Path:
    return Path(user_data_dir(APP_DIR, appauthor=False))


def cache_dir() -> Path:
    return Path(user_cache_dir(APP_DIR, appauthor=False))


def config_dir() -> Path:
    return Path(user_config_dir(APP_DIR, appauthor=False))


def models_dir() -> Path:
    """The model folders installed for this account (searched after LUMIERE_STUDIO_MODELS and
    the repository's resources/models)."""
    return data_dir() / "models"


def queue_file() -> Path:
    return data_dir() / "queue.sqlite3"


def recovery_dir() -> Path:
    return data_dir() / "recovery"


def journal_key_file() -> Path:
    return data_dir() / "swap-journal.key"


def proxies_dir() -> Path:
    return cache_dir() / "proxies"


def thumbnails_dir() -> Path:
    return cache_dir() / "thumbnails"


def signing_dir() -> Path:
    return config_dir() / "signing"
