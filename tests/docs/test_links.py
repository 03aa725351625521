"""The strict docs build fails on a broken link or anchor, with the site's own validation settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _build(tmp_path: Path, page: str) -> subprocess.CompletedProcess[str]:
    """A two-page site with mkdocs.yml's strictness and validation (the hooks left out: they are tested apart)."""
    site = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\n## Start here\n")
    (tmp_path / "docs" / "page.md").write_text(page)
    config = {"site_name": "links", "strict": site["strict"], "validation": site["validation"]}
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    # As the Makefile runs it: no --quiet, which would hide the warnings strict mode counts.
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=tmp_path,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
    )


def test_a_broken_anchor_or_link_fails_the_build(tmp_path: Path) -> None:
    broken = _build(tmp_path, "# Page\n\n[start](index.md#start-here), [gone](index.md#gone), [missing](missing.md)\n")
    assert broken.returncode != 0
    assert "does not contain an anchor '#gone'" in broken.stderr
    assert "missing.md" in broken.stderr


def test_good_links_build(tmp_path: Path) -> None:
    assert _build(tmp_path, "# Page\n\n[start](index.md#start-here)\n").returncode == 0
