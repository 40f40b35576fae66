"""The app's entry point: --help without starting a window, and what the command line opens
(a project folder or its document, a timeline file, or media imported into a new project)."""

from __future__ import annotations

from pathlib import Path

from lumiere_studio.app import main, open_args


class _Window:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.projects = self  # the window's projects controller: open_project, open_timeline

    def open_project(self, folder):
        self.calls.append(("project", folder))

    def open_timeline(self, path):
        self.calls.append(("timeline", path))

    def import_paths(self, paths):
        self.calls.append(("import", paths))


def test_help_prints_usage_and_starts_nothing(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: lumiere-studio [PROJECT_FOLDER")
    assert "generate|models|info" in out


def test_each_argument_opens_as_what_it_is(tmp_path):
    folder = tmp_path / "proj"
    folder.mkdir()
    document = tmp_path / "other" / "project.lumiere.json"
    window = _Window()
    open_args(window, [str(folder), str(document), "cut.OTIO", "seq.xml", "a.mp4", "b.png"])
    assert window.calls == [
        ("project", folder),
        ("project", document.parent),  # the document names its folder
        ("timeline", Path("cut.OTIO")),  # suffixes in any case
        ("timeline", Path("seq.xml")),
        ("import", ["a.mp4", "b.png"]),  # media together, into one new project
    ]
    empty = _Window()
    open_args(empty, [])
    assert empty.calls == []
