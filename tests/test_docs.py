"""The documentation site: it builds strictly, its generated pages follow the code and the
benches' JSON, and a broken link fails the build (what CI relies on)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import build_parser, command_names

ROOT = Path(__file__).resolve().parents[1]


def build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )


def docs_copy(tmp_path: Path) -> Path:
    """The site's sources in a temporary folder, to break on purpose."""
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", copy / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = build(ROOT, out)
    assert done.returncode == 0, done.stderr
    return out


def heading_ids(page: Path) -> set[str]:
    return set(re.findall(r'<h\d id="([^"]+)"', page.read_text()))


def test_cli_reference_names_every_command(site: Path) -> None:
    ids = heading_ids(site / "reference/cli/index.html")
    names = command_names(build_parser())
    assert len(names) >= 7
    assert names <= ids, f"commands missing from the reference: {sorted(names - ids)}"


def test_cli_reference_shows_every_flag_of_generate(site: Path) -> None:
    text = html.unescape((site / "reference/cli/index.html").read_text())
    sub = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices)
    flags = [o for a in sub.choices["generate"]._actions for o in a.option_strings if o != "-h"]
    missing = [f for f in flags if f"<code>{f}</code>" not in text]
    assert not missing, missing


def test_job_fields_are_rendered_from_the_field_table(site: Path) -> None:
    from dataclasses import fields

    from engine.jobs import Job

    text = (site / "reference/batch/index.html").read_text()
    assert all(f"<code>{f.name}</code>" in text for f in fields(Job))


def test_figures_follow_the_benches_json(tmp_path: Path) -> None:
    copy = docs_copy(tmp_path)
    quality = copy / "docs/quality.json"
    data = json.loads(quality.read_text())
    data["figures"]["adherence"]["colour"] = 0.123
    quality.write_text(json.dumps(data))
    real = copy / "docs/real/figures.json"
    figures = json.loads(real.read_text())
    figures["tasks"]["v2v"]["bikes"]["psnr"] = 31.4159
    real.write_text(json.dumps(figures))
    done = build(copy, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "site/figures/index.html").read_text()
    assert "12.3 %" in page and "31.4" in page


def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    copy = docs_copy(tmp_path)
    guide = copy / "docs/guide/first-project.md"
    guide.write_text(guide.read_text() + "\nSee [the missing page](no-such-page.md).\n")
    done = build(copy, tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr


def test_a_marker_naming_no_command_fails(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "docs/hooks"))
    try:
        import cli_reference
    finally:
        sys.path.remove(str(ROOT / "docs/hooks"))
    with pytest.raises(ValueError, match="no-such-command"):
        cli_reference.one_command(build_parser(), "no-such-command", "page.md")


def test_readme_names_every_command() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [n for n in command_names(build_parser()) if f"`lumiere-studio {n}`" not in readme]
    assert not missing, f"commands missing from the README's table: {missing}"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci/run").read_text().strip().splitlines()[-1]
    blocks = re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    assert ci in blocks
    assert "mkdocs build --strict" in ci


def test_readme_links_and_pictures_exist() -> None:
    """GitHub shows the README from the repository root: its relative links must resolve."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if "://" not in t]
    assert local, "the README links into docs/"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, missing
