"""Before Qt starts on Linux/X11: name the system libraries its xcb platform plugin lacks.

Without them Qt prints a long plugin message and aborts (exit 134) while QApplication is
created; this check runs first and says, in one sentence, which libraries are missing and the
command that installs them on this distribution.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# sysexits' EX_UNAVAILABLE: a required service (here a system library) is missing.
EXIT_MISSING_LIBRARIES = 69

# soname -> package on (Debian/Ubuntu, Fedora/RHEL, Arch); the libraries Qt 6's xcb plugin and
# QtGui load that a minimal system may lack.
PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-render-util.so.0": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
    ),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libSM.so.6": ("libsm6", "libSM", "libsm"),
    "libICE.so.6": ("libice6", "libICE", "libice"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
}

# family -> (index into PACKAGES' tuples, install command)
FAMILIES: dict[str, tuple[int, str]] = {
    "debian": (0, "sudo apt-get install -y"),
    "fedora": (1, "sudo dnf install -y"),
    "arch": (2, "sudo pacman -S --needed"),
}
_FAMILY_IDS = {
    "debian": "debian",
    "ubuntu": "debian",
    "fedora": "fedora",
    "rhel": "fedora",
    "centos": "fedora",
    "rocky": "fedora",
    "almalinux": "fedora",
    "arch": "arch",
    "manjaro": "arch",
    "endeavouros": "arch",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def will_use_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True when Qt is about to pick its X11 (xcb) plugin: Linux, a DISPLAY, and no other
    platform chosen (offscreen, wayland, ... set in QT_QPA_PLATFORM are left to Qt)."""
    if not platform.startswith("linux") or not env.get("DISPLAY"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if not chosen:
        # Qt 6 prefers Wayland in a Wayland session and falls back to xcb itself
        return env.get("XDG_SESSION_TYPE") != "wayland" or not env.get("WAYLAND_DISPLAY")
    return chosen.split(";")[0].split(":")[0] == "xcb"


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, found without importing Qt (importing QtGui alone fails
    where its own libraries are missing)."""
    spec = importlib.util.find_spec("PySide6")
    for root in (spec.submodule_search_locations or []) if spec else []:
        plugin = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def ldd_missing(plugin: Path) -> list[str]:
    """The sonames the dynamic linker cannot find for `plugin` and everything it loads
    (libQt6XcbQpa, libQt6Gui, ...), as `ldd` reports them."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []  # nothing to ask; Qt will say what it lacks
    try:
        out = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(out)))


def distro_family(os_release: str) -> str | None:
    """'debian', 'fedora' or 'arch' from the text of /etc/os-release (ID, then ID_LIKE)."""
    fields = {}
    for line in os_release.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip("\"'")
    for name in [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]:
        if name.lower() in _FAMILY_IDS:
            return _FAMILY_IDS[name.lower()]
    return None


def install_command(missing: list[str], family: str | None) -> str | None:
    """The package manager line that installs `missing`, or None where the family or a
    library is unknown."""
    if family not in FAMILIES or any(s not in PACKAGES for s in missing):
        return None
    column, command = FAMILIES[family]
    packages = dict.fromkeys(PACKAGES[s][column] for s in missing)
    return f"{command} {' '.join(packages)}"


def message(missing: list[str], family: str | None) -> str:
    """One sentence: what is missing and how to install it."""
    libs = ", ".join(missing)
    command = install_command(missing, family)
    how = (
        f"install them with: {command}"
        if command
        else "install the packages that provide them with your package manager"
    )
    return (
        f"Lumiere Studio cannot open its window: Qt's X11 (xcb) platform plugin needs system "
        f"libraries that are missing ({libs}); {how} "
        f"(or run with QT_QPA_PLATFORM=wayland or offscreen)."
    )


def read_os_release() -> str:
    for path in (Path("/etc/os-release"), Path("/usr/lib/os-release")):
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return ""


def check(
    env: Mapping[str, str] | None = None,
    find_missing: Callable[[Path], list[str]] = ldd_missing,
    plugin: Path | None = None,
    os_release: str | None = None,
    platform: str = sys.platform,
) -> str | None:
    """The message to print before Qt starts, or None when the window can open (or this is
    not an X11 launch). The lookup, plugin path and os-release text are injectable for tests."""
    if not will_use_xcb(os.environ if env is None else env, platform):
        return None
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return None
    missing = find_missing(plugin)
    if not missing:
        return None
    text = read_os_release() if os_release is None else os_release
    return message(missing, distro_family(text))
