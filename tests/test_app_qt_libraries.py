"""The start-up check for Qt's X11 libraries: when it runs, what it names, the install command
per distribution family, and the launch exiting with that sentence instead of Qt's abort."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from testkit import processes

from lumiere_studio.qt_libraries import (
    EXIT_MISSING_LIBRARIES,
    check,
    distro_family,
    ldd_missing,
    will_use_xcb,
)

DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'
UBUNTU = "ID=ubuntu\nID_LIKE=debian\n"
FEDORA = "ID=fedora\nVERSION_ID=40\n"
ROCKY = 'ID="rocky"\nID_LIKE="rhel centos fedora"\n'
ARCH = "ID=arch\n"
X11 = {"DISPLAY": ":0"}
PLUGIN = Path("/fake/libqxcb.so")


def _missing(*names: str):
    asked: list[Path] = []

    def lookup(plugin: Path) -> list[str]:
        asked.append(plugin)
        return list(names)

    return lookup, asked


def test_missing_library_is_named_with_the_debian_install_line():
    lookup, asked = _missing("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    text = check(X11, lookup, PLUGIN, DEBIAN, "linux")
    assert asked == [PLUGIN]
    assert text is not None
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1" in text
    assert "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in text
    assert text.count(".") >= 1 and "\n" not in text  # one sentence, one line


@pytest.mark.parametrize(
    ("release", "line"),
    [
        (UBUNTU, "sudo apt-get install -y libxcb-cursor0 libxkbcommon-x11-0"),
        (FEDORA, "sudo dnf install -y xcb-util-cursor libxkbcommon-x11"),
        (ROCKY, "sudo dnf install -y xcb-util-cursor libxkbcommon-x11"),
        (ARCH, "sudo pacman -S --needed xcb-util-cursor libxkbcommon-x11"),
    ],
)
def test_install_line_follows_the_distribution_family(release, line):
    lookup, _ = _missing("libxcb-cursor.so.0", "libxkbcommon-x11.so.0")
    assert line in (check(X11, lookup, PLUGIN, release, "linux") or "")


def test_packages_shared_by_several_libraries_are_named_once():
    lookup, _ = _missing("libxcb-shape.so.0", "libxcb-randr.so.0", "libxcb-xkb.so.1")
    text = check(X11, lookup, PLUGIN, FEDORA, "linux") or ""
    assert "sudo dnf install -y libxcb (or run with" in text


def test_unknown_distribution_or_library_still_names_what_is_missing():
    lookup, _ = _missing("libxcb-cursor.so.0")
    text = check(X11, lookup, PLUGIN, "ID=gentoo\n", "linux") or ""
    assert "libxcb-cursor.so.0" in text and "your package manager" in text
    lookup, _ = _missing("libsomething-new.so.3")
    text = check(X11, lookup, PLUGIN, DEBIAN, "linux") or ""
    assert "libsomething-new.so.3" in text and "apt-get" not in text


def test_nothing_missing_lets_qt_start():
    lookup, asked = _missing()
    assert check(X11, lookup, PLUGIN, DEBIAN, "linux") is None
    assert asked == [PLUGIN]


@pytest.mark.parametrize(
    ("env", "platform"),
    [
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"}, "linux"),
        ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({}, "linux"),  # no X server: Qt's own message about the display is the right one
        ({"DISPLAY": ":0"}, "darwin"),
        ({"DISPLAY": ":0"}, "win32"),
    ],
)
def test_other_platforms_are_not_checked(env, platform):
    lookup, asked = _missing("libxcb-cursor.so.0")
    assert check(env, lookup, PLUGIN, DEBIAN, platform) is None
    assert asked == []


def test_xcb_chosen_explicitly_is_checked():
    assert will_use_xcb({"DISPLAY": ":1", "QT_QPA_PLATFORM": "xcb"}, "linux")
    assert will_use_xcb({"DISPLAY": ":1", "QT_QPA_PLATFORM": "xcb;wayland"}, "linux")
    assert not will_use_xcb({"DISPLAY": ":1", "QT_QPA_PLATFORM": "wayland;xcb"}, "linux")


def test_family_from_id_like():
    assert distro_family('ID=linuxmint\nID_LIKE="ubuntu debian"\n') == "debian"
    assert distro_family("ID=endeavouros\nID_LIKE=arch\n") == "arch"
    assert distro_family("ID=nixos\n") is None


def _fake_ldd(folder: Path, out: str) -> dict[str, str]:
    script = folder / "ldd"
    script.write_text(f"#!/bin/sh\ncat <<'END'\n{out}END\n")
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"}


LDD_OUT = (
    "\tlinux-vdso.so.1 (0x00007ffd)\n"
    "\tlibQt6XcbQpa.so.6 => /x/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)\n"
    "\tlibxcb-cursor.so.0 => not found\n"
    "\tlibxcb-icccm.so.4 => not found\n"
    "\tlibxcb-cursor.so.0 => not found\n"
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)\n"
)


def test_ldd_report_is_read_once_per_library(tmp_path, monkeypatch):
    env = _fake_ldd(tmp_path, LDD_OUT)
    monkeypatch.setenv("PATH", env["PATH"])
    assert ldd_missing(PLUGIN) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_launch_exits_with_the_sentence_instead_of_qt_abort(tmp_path):
    # a DISPLAY nothing serves: were Qt reached it would abort (134) on the connection
    env = _fake_ldd(tmp_path, LDD_OUT)
    env["DISPLAY"] = ":987"
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("WAYLAND_DISPLAY", None)
    proc = processes.run(
        [sys.executable, "-m", "lumiere_studio"], env=env, capture_output=True, text=True
    )
    assert proc.returncode == EXIT_MISSING_LIBRARIES, proc.stderr[-2000:]
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in proc.stderr
    assert "qt.qpa" not in proc.stderr  # Qt never started
