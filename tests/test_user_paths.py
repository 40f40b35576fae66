"""engine.user_paths: every folder under the XDG folders the environment names, with the
names earlier versions used (so a user's existing models, queue and keys are still found)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from engine import user_paths

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="XDG folders are Linux's")


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    found = {k: tmp_path / k for k in ("data", "cache", "config")}
    for kind, folder in found.items():
        monkeypatch.setenv(f"XDG_{kind.upper()}_HOME", str(folder))
    return found


def test_each_path_keeps_its_folder_and_name(homes: dict[str, Path]) -> None:
    data = homes["data"] / "lumiere-studio"
    cache = homes["cache"] / "lumiere-studio"
    assert user_paths.data_dir() == data
    assert user_paths.cache_dir() == cache
    assert user_paths.config_dir() == homes["config"] / "lumiere-studio"
    assert user_paths.models_dir() == data / "models"
    assert user_paths.queue_file() == data / "queue.sqlite3"
    assert user_paths.recovery_dir() == data / "recovery"
    assert user_paths.journal_key_file() == data / "swap-journal.key"
    assert user_paths.proxies_dir() == cache / "proxies"
    assert user_paths.thumbnails_dir() == cache / "thumbnails"
    assert user_paths.signing_dir() == homes["config"] / "lumiere-studio" / "signing"


def test_a_moved_folder_is_seen_at_once(
    homes: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = user_paths.queue_file()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))
    assert before.parent.parent == homes["data"]
    assert user_paths.queue_file() == tmp_path / "elsewhere" / "lumiere-studio" / "queue.sqlite3"


def test_the_modules_that_keep_files_ask_this_module(homes: dict[str, Path]) -> None:
    from engine import checkpoints, swap_journal
    from engine.media import proxy, signing

    assert checkpoints.model_search_paths()[-1] == user_paths.models_dir()
    assert swap_journal.key_path() == user_paths.journal_key_file()
    assert proxy.cache_root() == user_paths.proxies_dir()
    assert signing.config_dir() == user_paths.signing_dir()
